package org.longattn.datasets;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The data files of a Parquet table, each footer read before any job starts: a file that is not
 * Parquet (a stray README), or whose column types differ from the table's first file (float and
 * double vectors, int and bigint positions in different files), is refused with one line naming the
 * file and column. Spark would read the schema of one file only and fail later, inside a task,
 * without saying which file was wrong.
 *
 * <p>Files are listed as Spark lists them: recursively, skipping names that start with {@code _} or
 * {@code .} (except partition directories {@code col=value}) and {@code ._COPYING_} files; they are
 * compared in path order. Footers are read in parallel (a few kilobytes each).
 */
final class ParquetFiles {
  private static final int THREADS = 16;

  private ParquetFiles() {}

  /**
   * Checks every data file under {@code path} (a file, a directory or a glob).
   *
   * @param columns the columns whose types must agree across files (others are not compared)
   * @throws InputException naming the file (relative to the table) and, for a type conflict, the
   *     column and both types
   */
  static void check(Configuration conf, String path, Collection<String> columns) {
    List<FileStatus> files;
    Path root = new Path(path);
    FileSystem fs;
    try {
      fs = FileSystem.get(root.toUri(), conf);
      files = dataFiles(fs, root);
    } catch (IOException e) {
      throw new InputException("input '" + path + "': " + TokenTable.firstLine(e.getMessage()));
    }
    if (files.isEmpty()) {
      return; // the caller says "empty"
    }
    List<MessageType> schemas = footers(conf, path, root, files);
    for (String column : columns) {
      int first = -1;
      String firstType = null;
      for (int i = 0; i < files.size(); i++) {
        MessageType s = schemas.get(i);
        if (!s.containsField(column)) {
          continue;
        }
        String type = describe(s.getType(column));
        if (first < 0) {
          first = i;
          firstType = type;
        } else if (!type.equals(firstType)) {
          throw new InputException(
              "input '"
                  + path
                  + "': file '"
                  + name(root, files.get(i))
                  + "' column '"
                  + column
                  + "': type "
                  + type
                  + ", but file '"
                  + name(root, files.get(first))
                  + "' has "
                  + firstType
                  + " (the files of one table must share one schema)");
        }
      }
    }
  }

  /** The data files, sorted by path. */
  private static List<FileStatus> dataFiles(FileSystem fs, Path root) throws IOException {
    FileStatus[] matches = fs.globStatus(root);
    List<FileStatus> out = new ArrayList<>();
    if (matches != null) {
      for (FileStatus m : matches) {
        collect(fs, m, out, true);
      }
    }
    out.sort(Comparator.comparing(f -> f.getPath().toString()));
    return out;
  }

  private static void collect(FileSystem fs, FileStatus f, List<FileStatus> out, boolean top)
      throws IOException {
    String name = f.getPath().getName();
    if (!top && hidden(name, f.isDirectory())) {
      return;
    }
    if (f.isDirectory()) {
      for (FileStatus c : fs.listStatus(f.getPath())) {
        collect(fs, c, out, false);
      }
    } else {
      out.add(f);
    }
  }

  /** Spark's rule (HadoopFSUtils.shouldFilterOutPathName), with summary files skipped too. */
  private static boolean hidden(String name, boolean directory) {
    return (name.startsWith("_") && !(directory && name.contains("=")))
        || name.startsWith(".")
        || name.endsWith("._COPYING_");
  }

  private static List<MessageType> footers(
      Configuration conf, String path, Path root, List<FileStatus> files) {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(THREADS, files.size()),
            r -> {
              Thread t = new Thread(r, "longattn-footers");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<MessageType>> pending = new ArrayList<>();
      for (FileStatus f : files) {
        pending.add(pool.submit(() -> footer(conf, path, root, f)));
      }
      List<MessageType> out = new ArrayList<>();
      for (Future<MessageType> p : pending) {
        out.add(p.get());
      }
      return out;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof InputException ie) {
        throw ie;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static MessageType footer(Configuration conf, String path, Path root, FileStatus f) {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
      return r.getFooter().getFileMetaData().getSchema();
    } catch (IOException | RuntimeException e) {
      String msg = String.valueOf(e.getMessage());
      String what =
          msg.contains("is not a Parquet file")
              ? "is not a Parquet file (no Parquet footer)"
              : "has an unreadable Parquet footer (corrupted or truncated file)";
      throw new InputException(
          "input '"
              + path
              + "': file '"
              + name(root, f)
              + "' "
              + what
              + "; a table directory holds Parquet files only (names starting with '_' or '.'"
              + " are ignored)");
    }
  }

  /** The file's path relative to the table's root (its full path when not under it). */
  private static String name(Path root, FileStatus f) {
    String r = root.toUri().getPath();
    String p = f.getPath().toUri().getPath();
    if (r.endsWith("/")) {
      r = r.substring(0, r.length() - 1);
    }
    return p.startsWith(r + "/") ? p.substring(r.length() + 1) : p;
  }

  /**
   * A Parquet field's type in Spark's words, independent of field names and of optional/required:
   * {@code int}, {@code bigint}, {@code float}, {@code string}, {@code array<float>}, ….
   */
  static String describe(Type t) {
    LogicalTypeAnnotation a = t.getLogicalTypeAnnotation();
    if (t.isPrimitive()) {
      String p = primitive(t.asPrimitiveType(), a);
      return t.isRepetition(Type.Repetition.REPEATED) ? "array<" + p + ">" : p;
    }
    GroupType g = t.asGroupType();
    if (a instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation && g.getFieldCount() == 1) {
      Type repeated = g.getType(0);
      if (repeated.isPrimitive()) {
        return "array<" + primitive(repeated.asPrimitiveType(), null) + ">"; // 2-level list
      }
      GroupType r = repeated.asGroupType();
      return "array<" + (r.getFieldCount() == 1 ? describe(r.getType(0)) : struct(r)) + ">";
    }
    if ((a instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation)
        && g.getFieldCount() == 1
        && !g.getType(0).isPrimitive()
        && g.getType(0).asGroupType().getFieldCount() == 2) {
      GroupType kv = g.getType(0).asGroupType();
      return "map<" + describe(kv.getType(0)) + "," + describe(kv.getType(1)) + ">";
    }
    return struct(g);
  }

  private static String struct(GroupType g) {
    List<String> fields = new ArrayList<>();
    for (Type f : g.getFields()) {
      fields.add(f.getName() + ":" + describe(f));
    }
    return "struct<" + String.join(",", fields) + ">";
  }

  private static String primitive(PrimitiveType p, LogicalTypeAnnotation a) {
    if (a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
        || a instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
        || a instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
      return "string";
    }
    if (a instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d) {
      return "decimal(" + d.getPrecision() + "," + d.getScale() + ")";
    }
    if (a instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
      return "date";
    }
    if (a instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) {
      return "timestamp";
    }
    if (a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && i.getBitWidth() < 32) {
      return i.getBitWidth() == 8 ? "tinyint" : "smallint";
    }
    return switch (p.getPrimitiveTypeName()) {
      case INT32 -> "int";
      case INT64 -> "bigint";
      case FLOAT -> "float";
      case DOUBLE -> "double";
      case BOOLEAN -> "boolean";
      case BINARY -> "binary";
      case INT96 -> "timestamp";
      case FIXED_LEN_BYTE_ARRAY -> "fixed(" + p.getTypeLength() + ")";
    };
  }
}
