package org.longattn.datasets;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Writes an output directory atomically: everything goes into a hidden sibling {@code
 * .NAME.tmp-UUID} which is renamed into place at the end. A failed run leaves neither the target
 * nor the temporary directory; an existing target is only replaced with {@code overwrite}.
 */
public final class AtomicOutput {
  private AtomicOutput() {}

  /** Fails (before any work) when the target exists and {@code overwrite} is false. */
  public static void checkTarget(SparkSession spark, String target, boolean overwrite) {
    Path t = new Path(target);
    try {
      if (!overwrite && fs(spark, t).exists(t)) {
        throw new InputException("output '" + target + "' already exists (use --overwrite)");
      }
    } catch (IOException e) {
      throw new InputException("output '" + target + "': " + e.getMessage());
    }
  }

  /**
   * Runs {@code writer} with a fresh temporary directory path, then commits it as {@code target}.
   */
  public static void write(
      SparkSession spark, String target, boolean overwrite, Consumer<String> writer) {
    checkTarget(spark, target, overwrite);
    Path t = new Path(target);
    Path tmp =
        new Path(
            t.getParent() == null ? new Path(".") : t.getParent(),
            "." + t.getName() + ".tmp-" + UUID.randomUUID());
    FileSystem fs;
    try {
      fs = fs(spark, t);
    } catch (IOException e) {
      throw new InputException("output '" + target + "': " + e.getMessage());
    }
    boolean committed = false;
    try {
      writer.accept(tmp.toString());
      commit(fs, tmp, t, overwrite, target);
      committed = true;
    } finally {
      if (!committed) {
        deleteQuietly(fs, tmp);
      }
    }
  }

  private static void commit(FileSystem fs, Path tmp, Path target, boolean overwrite, String name) {
    try {
      if (fs.exists(target)) {
        if (!overwrite) {
          throw new InputException("output '" + name + "' appeared while writing; not replaced");
        }
        Path old = new Path(tmp.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
        if (!fs.rename(target, old)) {
          throw new IOException("cannot move the old output away");
        }
        if (!fs.rename(tmp, target)) {
          fs.rename(old, target); // put the old output back
          throw new IOException("cannot rename the new output into place");
        }
        fs.delete(old, true);
      } else {
        ensureParent(fs, target);
        if (!fs.rename(tmp, target)) {
          throw new IOException("cannot rename " + tmp + " to " + target);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("committing output '" + name + "' failed: " + e, e);
    }
  }

  /** Creates the target's parent directory when needed (rename needs it). */
  private static void ensureParent(FileSystem fs, Path target) throws IOException {
    Path parent = target.getParent();
    if (parent != null && !fs.exists(parent)) {
      fs.mkdirs(parent);
    }
  }

  /** Writes a small UTF-8 text file {@code dir/fileName} (e.g. {@code _longattn.json}). */
  public static void writeText(SparkSession spark, String dir, String fileName, String content) {
    Path p = new Path(dir, fileName);
    try (OutputStream out = fs(spark, p).create(p, true)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + p + ": " + e, e);
    }
  }

  private static FileSystem fs(SparkSession spark, Path p) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    return p.getFileSystem(conf);
  }

  private static void deleteQuietly(FileSystem fs, Path p) {
    try {
      fs.delete(p, true);
    } catch (IOException ignored) {
      // best effort: the original exception is what the user needs to see
    }
  }
}
