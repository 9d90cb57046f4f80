package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.AtomicOutput;
import org.longattn.datasets.SparkTestSession;

/**
 * {@code kill -9} of {@code attend --overwrite} (a separate JVM) at several instants: while it
 * computes, while it writes (or, if the write was quicker than the poll, once it has written), and
 * at each step of the commit (a test hook, {@link AtomicOutput#PAUSE_PROPERTY}, stops it there).
 * After each kill the next run on the same path recovers, and the path holds either the previous
 * output or the new one, bit for bit, with no temporary left beside it.
 */
class CrashConsistencyTest {
  @TempDir static Path tmp;
  private static Path tok;
  private static Path oldRef;
  private static Path newRef;

  private static final String[] OLD = {"--pattern", "dense", "--heads", "1"};
  private static final String[] NEW = {"--pattern", "longformer", "--window", "8", "--heads", "1"};

  @BeforeAll
  static void references() {
    tok = tmp.resolve("tok");
    oldRef = tmp.resolve("old-ref");
    newRef = tmp.resolve("new-ref");
    ok(
        "generate",
        "--output",
        tok.toString(),
        "--docs",
        "2",
        "--tokens",
        "700",
        "--heads",
        "1",
        "--head-dim",
        "8");
    ok(attend(oldRef, false, OLD));
    ok(attend(newRef, false, NEW));
    assertTrue(!rows(oldRef).equals(rows(newRef)), "the two references must differ");
  }

  private static void ok(String... args) {
    CliRunner.Result r = CliRunner.run(args);
    assertEquals(0, r.code(), r.err());
  }

  private static String[] attend(Path out, boolean overwrite, String... params) {
    List<String> a =
        new ArrayList<>(List.of("attend", "--input", tok.toString(), "--output", out.toString()));
    a.addAll(List.of(params));
    if (overwrite) {
      a.add("--overwrite");
    }
    return a.toArray(String[]::new);
  }

  /** Every row as doc, pos and the raw bits of every output float, in (doc, pos) order. */
  private static List<String> rows(Path dir) {
    List<String> out = new ArrayList<>();
    List<Row> rows =
        SparkTestSession.get()
            .read()
            .parquet(dir.toString())
            .orderBy("doc_id", "pos")
            .collectAsList();
    for (Row r : rows) {
      StringBuilder b = new StringBuilder(r.getString(0) + ":" + r.getInt(1));
      for (Object f : r.getList(r.fieldIndex("out"))) {
        b.append(' ').append(Integer.toHexString(Float.floatToRawIntBits((Float) f)));
      }
      out.add(b.toString());
    }
    return out;
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  private static void delete(Path p) throws IOException {
    if (Files.exists(p)) {
      try (Stream<Path> s = Files.walk(p)) {
        for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(q);
        }
      }
    }
  }

  /** conf/jvm.flags of this checkout (the tests run in a module directory). */
  private static Path jvmFlags() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("conf/jvm.flags"))) {
        return d.resolve("conf/jvm.flags");
      }
    }
    throw new IllegalStateException(
        "conf/jvm.flags not found above " + Path.of("").toAbsolutePath());
  }

  /** Starts {@code attend --overwrite} of the NEW parameters over {@code out} in its own JVM. */
  private static Process child(Path out, String pauseAt, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("@" + jvmFlags());
    cmd.add("-Xmx768m");
    cmd.add("-Dspark.ui.enabled=false");
    cmd.add("-Dspark.ui.showConsoleProgress=false");
    cmd.add("-Dspark.local.dir=" + tmp.resolve("spark-local"));
    cmd.add("-D" + AtomicOutput.PAUSE_PROPERTY + "=" + pauseAt);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(attend(out, true, NEW)));
    cmd.addAll(List.of("--master", "local[1]"));
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static void await(Process p, Path log, String what, BooleanSupplier reached)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (!reached.getAsBoolean()) {
      if (!p.isAlive()) {
        fail("the child ended (" + p.exitValue() + ") before " + what + ":\n" + read(log));
      }
      if (System.nanoTime() > deadline) {
        p.destroyForcibly();
        fail("the child did not reach " + what + " in 180 s:\n" + read(log));
      }
      Thread.sleep(2);
    }
  }

  /** Whether a temporary directory of {@code out} holds any file yet (Spark's write started). */
  private static boolean writing(Path out) {
    try (Stream<Path> s = Files.list(out.getParent())) {
      for (Path t : s.filter(p -> p.getFileName().toString().startsWith(".out.tmp-")).toList()) {
        try (Stream<Path> inside = Files.walk(t)) {
          if (inside.anyMatch(Files::isRegularFile)) {
            return true;
          }
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      return false; // a directory vanished while listed
    }
    return false;
  }

  private static List<String> siblings(Path out) throws IOException {
    try (Stream<Path> s = Files.list(out.getParent())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /**
   * Kills the child once {@code trigger} holds, runs the next attend (without --overwrite) on the
   * same path, and checks the path holds {@code expected}'s rows and nothing else is left.
   */
  private void crash(String name, String pauseAt, Path expected, Trigger trigger) throws Exception {
    Path parent = Files.createDirectories(tmp.resolve(name));
    Path out = parent.resolve("out");
    copy(oldRef, out);
    Path log = tmp.resolve(name + ".log");
    Process p = child(out, pauseAt, log);
    try {
      trigger.await(p, out, log);
    } finally {
      p.destroyForcibly(); // SIGKILL
      p.waitFor(60, TimeUnit.SECONDS);
    }
    assertEquals(137, p.exitValue(), "killed by SIGKILL:\n" + read(log));
    CliRunner.Result next = CliRunner.run(attend(out, false, OLD));
    assertEquals(2, next.code(), next.err());
    assertTrue(next.err().contains("already exists"), next.err());
    assertEquals(List.of("out"), siblings(out), "no temporaries after the next run: " + next.err());
    assertEquals(rows(expected), rows(out), name + ": the output must be complete\n" + next.err());
    assertTrue(Files.isRegularFile(out.resolve("_longattn.json")));
    delete(parent);
  }

  interface Trigger {
    void await(Process p, Path out, Path log) throws Exception;
  }

  private static Trigger atStep(String step) {
    return (p, out, log) ->
        await(
            p, log, "step " + step, () -> read(log).contains("test pause at commit step " + step));
  }

  @Test
  void killedWhileComputing() throws Exception {
    crash(
        "compute",
        "written",
        oldRef,
        (p, out, log) -> await(p, log, "the plan", () -> read(log).contains("[attend] plan:")));
  }

  @Test
  void killedWhileWriting() throws Exception {
    crash(
        "write",
        "written",
        oldRef,
        (p, out, log) -> await(p, log, "the write", () -> writing(out)));
  }

  @Test
  void killedAfterTheCommitRecord() throws Exception {
    crash("marked", "marked", newRef, atStep("marked"));
  }

  @Test
  void killedBetweenTheRenames() throws Exception {
    crash("moved-old", "moved-old", newRef, atStep("moved-old"));
  }

  @Test
  void killedBeforeTheOldOutputIsDeleted() throws Exception {
    crash("moved-new", "moved-new", newRef, atStep("moved-new"));
  }
}
