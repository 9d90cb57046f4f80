package org.longattn.jobs.embed;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.longattn.datasets.InputException;

/**
 * The input of {@code embed}: documents as rows {@code (doc_id string, text string)}, read from
 * either
 *
 * <ul>
 *   <li>a directory of {@code .txt} files (or one {@code .txt} file): one document per file, {@code
 *       doc_id} = the file name (e.g. {@code GPL-3.txt}); only {@code *.txt} directly in the
 *       directory are read. Files must be UTF-8 (a leading byte-order mark is dropped); or
 *   <li>a Parquet table with string columns {@code doc_id} and {@code text} (other columns are
 *       ignored), one row per document.
 * </ul>
 *
 * A directory holding at least one visible {@code .txt} file is read as text, anything else as
 * Parquet. A null {@code text} is an empty document.
 */
public final class TextInput {
  public static final String DOC_ID = "doc_id";
  public static final String TEXT = "text";

  static final StructType SCHEMA =
      new StructType()
          .add(DOC_ID, DataTypes.StringType, false)
          .add(TEXT, DataTypes.StringType, true);

  private TextInput() {}

  /** Which reader {@link #read} used. */
  public enum Format {
    TEXT_FILES,
    PARQUET
  }

  /**
   * The documents and the reader used.
   *
   * @param fileNames the {@code .txt} files listed (text input; Spark's file source drops empty
   *     files, so these tell which documents exist), empty for Parquet
   */
  public record Documents(Dataset<Row> rows, Format format, List<String> fileNames) {}

  /**
   * Reads the documents (lazily: UTF-8 errors surface when the rows are computed).
   *
   * @throws InputException if the path does not exist, a Parquet input lacks or mistypes {@code
   *     doc_id} / {@code text}, has a null {@code doc_id} or a {@code doc_id} twice
   */
  public static Documents read(SparkSession spark, String path) {
    List<String> names = textFiles(spark, path);
    Format format = names.isEmpty() ? Format.PARQUET : Format.TEXT_FILES;
    if (format == Format.TEXT_FILES) {
      Dataset<Row> files =
          spark.read().format("binaryFile").option("pathGlobFilter", "*.txt").load(path);
      Dataset<Row> docs =
          files
              .select(col("path"), col("content"))
              .map(
                  (MapFunction<Row, Row>)
                      r -> {
                        String name = new Path(r.getString(0)).getName();
                        return RowFactory.create(name, decodeUtf8(name, r.getAs(1)));
                      },
                  Encoders.row(SCHEMA));
      return new Documents(docs, format, names);
    }
    Dataset<Row> raw;
    try {
      raw = spark.read().parquet(path);
    } catch (Exception e) {
      String msg = String.valueOf(e.getMessage());
      if (msg.contains("UNABLE_TO_INFER_SCHEMA") || msg.contains("Unable to infer schema")) {
        throw new InputException(
            "input '" + path + "' holds neither .txt files nor Parquet data files");
      }
      throw new InputException(
          "input '"
              + path
              + "' is neither a directory of .txt files nor a readable Parquet table: "
              + msg.lines().findFirst().orElse(""));
    }
    for (String c : List.of(DOC_ID, TEXT)) {
      StructField f = field(raw.schema(), c);
      if (f == null) {
        throw new InputException(
            "input '" + path + "': missing column '" + c + "' (need doc_id string, text string)");
      }
      DataType t = f.dataType();
      if (!t.equals(DataTypes.StringType)) {
        throw new InputException(
            "input '" + path + "': column '" + c + "' must be string, found " + t.simpleString());
      }
    }
    Dataset<Row> docs = raw.select(col(DOC_ID), col(TEXT));
    if (!docs.filter(col(DOC_ID).isNull()).isEmpty()) {
      throw new InputException("input '" + path + "': column 'doc_id' has a null value");
    }
    List<Row> dup = docs.groupBy(DOC_ID).count().filter(col("count").gt(1)).takeAsList(1);
    if (!dup.isEmpty()) {
      throw new InputException(
          "input '"
              + path
              + "': doc '"
              + dup.get(0).getString(0)
              + "' appears in "
              + dup.get(0).getLong(1)
              + " rows (one row per document)");
    }
    return new Documents(docs, format, List.of());
  }

  /**
   * Decodes strict UTF-8 (no replacement characters), dropping a leading byte-order mark.
   *
   * @throws InputException {@code file 'NAME' is not valid UTF-8: malformed byte 0xE9 at byte
   *     offset 17}
   */
  static String decodeUtf8(String name, byte[] bytes) {
    CharsetDecoder dec =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult res = dec.decode(in, out, true);
    if (res.isUnderflow()) {
      res = dec.flush(out);
    }
    if (res.isError()) {
      int at = in.position();
      throw new InputException(
          "file '"
              + name
              + "' is not valid UTF-8: malformed byte 0x"
              + String.format("%02X", bytes[at] & 0xff)
              + " at byte offset "
              + at);
    }
    out.flip();
    if (out.length() > 0 && out.charAt(0) == '\uFEFF') {
      out.position(1);
    }
    return out.toString();
  }

  /** The visible {@code .txt} files of the input (the path itself if it is one), else none. */
  public static List<String> textFiles(SparkSession spark, String path) {
    Path p = new Path(path);
    try {
      FileSystem fs = FileSystem.get(p.toUri(), spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        throw new InputException("input '" + path + "' does not exist");
      }
      List<String> names = new ArrayList<>();
      for (FileStatus f : fs.listStatus(p)) { // a file lists itself
        String n = f.getPath().getName();
        if (f.isFile() && n.endsWith(".txt") && !n.startsWith(".") && !n.startsWith("_")) {
          names.add(n);
        }
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read input '" + path + "'", e);
    }
  }

  private static StructField field(StructType schema, String name) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }
}
