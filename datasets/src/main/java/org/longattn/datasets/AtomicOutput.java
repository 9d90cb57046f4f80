package org.longattn.datasets;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
 * <p>The commit survives {@code kill -9} at any instant: the previous output stays at the path or
 * recoverable beside it, and the next run on the same path (its {@link #checkTarget} or {@link
 * #write}) finishes or rolls back a half-done commit and deletes the temporary directories of dead
 * runs, saying so on stderr; the protocol, its lock and its liveness rules are described in {@link
 * OutputSiblings}. Two runs writing one output at once: the first to commit wins, the other fails
 * with "already exists" (or replaces it with {@code overwrite}).
 *
 * <p>Renames are atomic on HDFS and local file systems; on object stores (S3A, GCS) a directory
 * rename is a copy, so the commit is not atomic there, but a failed run still leaves no target.
 */
public final class AtomicOutput {
  private AtomicOutput() {}

  /**
   * Test hook: a comma-separated list of commit steps ({@code running, written, marked, moved-old,
   * moved-new, old-deleted}) at which the process announces the step on stderr and stops until it
   * is killed — for crash-consistency tests. Unset in normal runs.
   */
  public static final String PAUSE_PROPERTY = "longattn.test.pauseAtCommitStep";

  /**
   * Recovers what interrupted runs left beside {@code target}, then fails early, before any work,
   * when {@code target} exists and {@code overwrite} is false.
   *
   * @throws InputException {@code output 'T' already exists (use --overwrite)}
   */
  public static void checkTarget(SparkSession spark, String target, boolean overwrite) {
    try {
      OutputSiblings out = siblings(spark, target);
      if (out.parent == null) {
        throw notRoot(target);
      }
      if (!out.fs.exists(out.parent)) {
        return; // nothing to recover, no target
      }
      if (!out.fs.getFileStatus(out.parent).isDirectory()) {
        throw new InputException(
            "output '" + target + "': '" + out.parent + "' is a file, not a directory");
      }
      try (AutoCloseable lock = out.lock()) {
        out.recover();
        if (!overwrite && out.fs.exists(out.dst)) {
          throw exists(target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check output '" + target + "'", e);
    } catch (InputException | UncheckedIOException e) {
      throw e;
    } catch (Exception e) { // closing the lock
      throw new IllegalStateException("cannot check output '" + target + "'", e);
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
    checkTarget(spark, target, overwrite);
    OutputSiblings out;
    try {
      out = siblings(spark, target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check output '" + target + "'", e);
    }
    FileSystem fs = out.fs;
    String id = UUID.randomUUID().toString();
    Path tmp = out.tmp(id);
    AutoCloseable run = null;
    try {
      fs.mkdirs(out.parent);
      run = out.startRun(id);
      step("running");
      writer.accept(tmp.toString());
      if (!fs.exists(tmp)) {
        fs.mkdirs(tmp); // the writer wrote nothing: commit an empty directory
      }
      step("written");
      commit(out, id, target, overwrite);
    } catch (IOException e) {
      discard(spark, fs, tmp, e);
      throw new UncheckedIOException("cannot write output '" + target + "'", e);
    } catch (Throwable e) { // also Spark's checked exceptions, thrown through the Consumer
      discard(spark, fs, tmp, e);
      throw e;
    } finally {
      close(run, target);
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

  /**
   * Under the output's lock: recovers dead runs, then commit record, {@code NAME → .NAME.old-ID},
   * {@code .NAME.tmp-ID → NAME}, delete {@code .NAME.old-ID}, delete the commit record.
   */
  private static void commit(OutputSiblings out, String id, String target, boolean overwrite)
      throws IOException {
    FileSystem fs = out.fs;
    Path dst = out.dst;
    Path tmp = out.tmp(id);
    Path old = out.old(id);
    AutoCloseable lock = out.lock();
    try {
      out.recover();
      boolean replacing = fs.exists(dst);
      if (replacing && !overwrite) { // appeared while the job ran
        throw exists(target);
      }
      if (!out.createExclusive(out.commit(id), id + "\n")) {
        throw new IOException("commit record '" + out.commit(id) + "' already exists");
      }
      step("marked");
      try {
        if (replacing) {
          out.rename(dst, old);
        }
        step("moved-old");
        // Never rename into a directory that (re)appeared: some file systems would nest it.
        out.rename(tmp, dst);
      } catch (IOException | RuntimeException e) {
        if (replacing && !fs.exists(dst) && fs.exists(old)) {
          fs.rename(old, dst);
        }
        fs.delete(tmp, true);
        out.deleteFile(out.commit(id));
        throw e;
      }
      step("moved-new");
      if (replacing) {
        fs.delete(old, true);
      }
      step("old-deleted");
      out.deleteFile(out.commit(id));
    } finally {
      close(lock, target);
    }
  }

  private static void close(AutoCloseable c, String target) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      throw new IllegalStateException("cannot release output '" + target + "'", e);
    }
  }

  /** The test hook of {@link #PAUSE_PROPERTY}. */
  private static void step(String name) {
    String pause = System.getProperty(PAUSE_PROPERTY);
    if (pause != null && Arrays.asList(pause.split(",")).contains(name)) {
      System.err.println("longattn: test pause at commit step " + name);
      System.err.flush();
      while (true) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static OutputSiblings siblings(SparkSession spark, String target) throws IOException {
    Path t = new Path(target);
    FileSystem fs = fileSystem(spark, t);
    return new OutputSiblings(fs, fs.makeQualified(t), target);
  }

  private static InputException notRoot(String target) {
    return new InputException("output '" + target + "' must not be a file system root");
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
