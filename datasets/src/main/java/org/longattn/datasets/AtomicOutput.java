package org.longattn.datasets;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.sql.SparkSession;

/**
 * Atomic output directories on any Hadoop file system (DESIGN §1): the job writes into a fresh
 * hidden sibling {@code .NAME.tmp-<uuid>} of the target, which is renamed into place only when
 * everything succeeded. A failed run leaves neither the target nor the temporary directory behind,
 * and an existing target is never touched without {@code overwrite}.
 *
 * <p>Renames are atomic on HDFS and local file systems; on object stores (S3A, GCS) a directory
 * rename is a copy, so the commit is not atomic there, but a failed run still leaves no target.
 */
public final class AtomicOutput {
  private AtomicOutput() {}

  /**
   * Fails early, before any work, when {@code target} exists and {@code overwrite} is false.
   *
   * @throws InputException {@code output 'T' already exists (use --overwrite)}
   */
  public static void checkTarget(SparkSession spark, String target, boolean overwrite) {
    Path t = new Path(target);
    try {
      if (!overwrite && fileSystem(spark, t).exists(t)) {
        throw exists(target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check output '" + target + "'", e);
    }
  }

  /**
   * Runs {@code writer} on a fresh temporary directory path (not yet created: Spark writers create
   * it) beside {@code target}, then commits it as {@code target}: with {@code overwrite} the old
   * target is renamed away, the new one renamed in, the old one deleted. On any exception the
   * temporary directory is deleted (an old target is restored) and the exception rethrown.
   *
   * @param writer receives the temporary directory as a fully qualified path string
   * @throws InputException if {@code target} exists and {@code overwrite} is false (checked before
   *     the writer runs)
   */
  public static void write(
      SparkSession spark, String target, boolean overwrite, Consumer<String> writer) {
    Path t = new Path(target);
    FileSystem fs;
    Path dst;
    try {
      fs = fileSystem(spark, t);
      dst = fs.makeQualified(t);
      if (fs.exists(dst) && !overwrite) {
        throw exists(target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check output '" + target + "'", e);
    }
    Path parent = dst.getParent();
    if (parent == null) {
      throw new InputException("output '" + target + "' must not be a file system root");
    }
    String id = UUID.randomUUID().toString();
    Path tmp = new Path(parent, "." + dst.getName() + ".tmp-" + id);
    try {
      fs.mkdirs(parent);
      writer.accept(tmp.toString());
      if (!fs.exists(tmp)) {
        fs.mkdirs(tmp); // the writer wrote nothing: commit an empty directory
      }
      commit(fs, tmp, dst, new Path(parent, "." + dst.getName() + ".old-" + id), target, overwrite);
    } catch (IOException e) {
      discard(spark, fs, tmp, e);
      throw new UncheckedIOException("cannot write output '" + target + "'", e);
    } catch (Throwable e) { // also Spark's checked exceptions, thrown through the Consumer
      discard(spark, fs, tmp, e);
      throw e;
    }
  }

  /**
   * Writes {@code content} (UTF-8) as {@code dir/fileName}, replacing it; for {@code
   * _longattn.json} inside a writer callback.
   */
  public static void writeText(SparkSession spark, String dir, String fileName, String content) {
    Path file = new Path(dir, fileName);
    try {
      FileSystem fs = fileSystem(spark, file);
      try (OutputStream out = fs.create(file, true)) {
        out.write(content.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write '" + file + "'", e);
    }
  }

  private static void commit(
      FileSystem fs, Path tmp, Path dst, Path old, String target, boolean overwrite)
      throws IOException {
    boolean replacing = fs.exists(dst);
    if (replacing && !overwrite) { // appeared while the job ran
      throw exists(target);
    }
    if (replacing && !fs.rename(dst, old)) {
      throw new IOException("cannot move the old '" + dst + "' away to '" + old + "'");
    }
    if (fs.exists(dst) || !fs.rename(tmp, dst)) {
      // Never rename into a directory that (re)appeared: some file systems would nest it.
      if (replacing && !fs.exists(dst)) {
        fs.rename(old, dst);
      }
      throw new IOException("cannot rename '" + tmp + "' to '" + dst + "'");
    }
    if (replacing) {
      fs.delete(old, true);
    }
  }

  private static InputException exists(String target) {
    return new InputException("output '" + target + "' already exists (use --overwrite)");
  }

  private static FileSystem fileSystem(SparkSession spark, Path p) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    return FileSystem.get(p.toUri(), conf);
  }

  /**
   * Deletes the temporary directory of a failed write. When a Spark job fails, its other tasks are
   * killed asynchronously and may still create files in it for a moment: wait until no task runs
   * (at most {@link #SETTLE_MILLIS}), then delete again.
   */
  private static void discard(SparkSession spark, FileSystem fs, Path tmp, Throwable cause) {
    try {
      fs.delete(tmp, true);
      long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
      while (runningTasks(spark) > 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      fs.delete(tmp, true);
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cause.addSuppressed(e);
    }
  }

  private static final long SETTLE_MILLIS = 30_000;

  private static int runningTasks(SparkSession spark) {
    int running = 0;
    for (SparkExecutorInfo e : spark.sparkContext().statusTracker().getExecutorInfos()) {
      running += e.numRunningTasks();
    }
    return running;
  }
}
