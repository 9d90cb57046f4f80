package org.longattn.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the next run does with the siblings a killed run left (the states of the commit protocol in
 * {@link OutputSiblings}), built by hand with the owner records of dead and live processes.
 */
class AtomicOutputRecoveryTest {
  private final SparkSession spark = SparkTestSession.get();
  @TempDir Path dir;

  private final String id = UUID.randomUUID().toString();

  /** A process id that no longer runs (a finished child of this JVM). */
  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  private static String record(long pid, String id) {
    return new OutputSiblings.Owner(pid, OutputSiblings.HOST, 1, id).line();
  }

  private Path output(String name, String content) throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    Files.writeString(d.resolve("part-0"), content);
    return d;
  }

  private void deadRun(String runId) throws Exception {
    Files.writeString(dir.resolve(".out.run-" + runId), record(deadPid(), runId));
  }

  private List<String> siblings() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private String content() throws IOException {
    return Files.readString(dir.resolve("out/part-0"));
  }

  /** Runs {@code r}, returns what it printed on stderr. */
  private static String stderr(ThrowingRunnable r) throws Exception {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setErr(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  private String target() {
    return dir.resolve("out").toString();
  }

  @Test
  void aDeadRunsTemporaryDirectoryIsRemovedAndReported() throws Exception {
    output("out", "old");
    output(".out.tmp-" + id, "half");
    deadRun(id);
    String err = stderr(() -> AtomicOutput.checkTarget(spark, target(), true));
    assertEquals(List.of("out"), siblings());
    assertEquals("old", content());
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("removed the temporary directory of run " + id), err);
  }

  @Test
  void aLiveRunsFilesAreLeftAlone() throws Exception {
    output("out", "old");
    output(".out.tmp-" + id, "being written");
    String live = record(ProcessHandle.current().pid(), id);
    Files.writeString(
        dir.resolve(".out.run-" + id),
        new OutputSiblings.Owner(
                ProcessHandle.current().pid(),
                OutputSiblings.HOST,
                ProcessHandle.current().info().startInstant().get().toEpochMilli(),
                id)
            .line());
    assertTrue(live.contains("pid="));
    String err = stderr(() -> AtomicOutput.checkTarget(spark, target(), true));
    assertEquals(List.of(".out.run-" + id, ".out.tmp-" + id, "out"), siblings());
    assertEquals("", err);
  }

  @Test
  void killedBetweenTheRenamesTheCommitIsFinished() throws Exception {
    output(".out.old-" + id, "old");
    output(".out.tmp-" + id, "new");
    Files.writeString(dir.resolve(".out.commit-" + id), id + "\n");
    deadRun(id);
    Files.writeString(dir.resolve(".out.lock"), record(deadPid(), UUID.randomUUID().toString()));
    String err =
        stderr(
            () -> {
              InputException e =
                  assertThrows(
                      InputException.class, () -> AtomicOutput.checkTarget(spark, target(), false));
              assertTrue(e.getMessage().contains("already exists"), e.getMessage());
            });
    assertEquals("new", content());
    assertEquals(List.of("out"), siblings());
    assertTrue(err.contains("removed the lock of a run that died"), err);
    assertTrue(err.contains("finished the commit of run " + id), err);
  }

  @Test
  void killedAfterTheCommitRecordTheCommitIsFinished() throws Exception {
    output("out", "old");
    output(".out.tmp-" + id, "new");
    Files.writeString(dir.resolve(".out.commit-" + id), id + "\n");
    deadRun(id);
    String err = stderr(() -> AtomicOutput.checkTarget(spark, target(), true));
    assertEquals("new", content());
    assertEquals(List.of("out"), siblings());
    assertTrue(err.contains("finished the commit of run " + id), err);
  }

  @Test
  void killedBeforeTheOldOutputWasDeletedItIsDeleted() throws Exception {
    output("out", "new");
    output(".out.old-" + id, "old");
    Files.writeString(dir.resolve(".out.commit-" + id), id + "\n");
    deadRun(id);
    String err = stderr(() -> AtomicOutput.checkTarget(spark, target(), true));
    assertEquals("new", content());
    assertEquals(List.of("out"), siblings());
    assertTrue(err.contains("run " + id), err);
  }

  @Test
  void killedWhileWritingTheCommitRecordKeepsThePreviousOutput() throws Exception {
    output("out", "old");
    output(".out.tmp-" + id, "new");
    deadRun(id); // no commit record: the new output is not known to be complete
    stderr(() -> AtomicOutput.checkTarget(spark, target(), true));
    assertEquals("old", content());
    assertEquals(List.of("out"), siblings());
  }

  @Test
  void siblingsOfOlderVersionsAreRecoveredOnceStale() throws Exception {
    // today's layout after a kill between the renames: no owner record, no commit record
    output(".out.old-" + id, "old");
    String young = UUID.randomUUID().toString();
    output(".out.tmp-" + young, "maybe still written by a live run of an older version");
    FileTime hourAgo = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
    Files.setLastModifiedTime(dir.resolve(".out.old-" + id), hourAgo);
    String err = stderr(() -> AtomicOutput.checkTarget(spark, target(), true));
    assertEquals("old", content());
    assertEquals(List.of(".out.tmp-" + young, "out"), siblings());
    assertTrue(err.contains("put back the previous output moved away by run " + id), err);
  }

  @Test
  void aLiveHolderOfTheLockIsWaitedFor() throws Exception {
    Path lock = dir.resolve(".out.lock");
    Files.writeString(
        lock,
        new OutputSiblings.Owner(
                ProcessHandle.current().pid(),
                OutputSiblings.HOST,
                ProcessHandle.current().info().startInstant().get().toEpochMilli(),
                UUID.randomUUID().toString())
            .line());
    Thread release =
        new Thread(
            () -> {
              try {
                Thread.sleep(700);
                Files.delete(lock);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    release.start();
    long t0 = System.nanoTime();
    String err = stderr(() -> AtomicOutput.write(spark, target(), false, p -> {}));
    release.join();
    assertTrue(System.nanoTime() - t0 > 600_000_000L, "waited for the holder");
    assertTrue(err.contains("waiting for output"), err);
    assertEquals(List.of("out"), siblings());
  }

  @Test
  void twoConcurrentWritersOneWinsTheOtherSaysAlreadyExists() throws Exception {
    CyclicBarrier bothWritten = new CyclicBarrier(2);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      int rows = 10 + w;
      threads.add(
          new Thread(
              () -> {
                try {
                  AtomicOutput.write(
                      spark,
                      target(),
                      false,
                      p -> {
                        spark.range(rows).write().parquet(p);
                        try {
                          bothWritten.await();
                        } catch (Exception e) {
                          throw new IllegalStateException(e);
                        }
                      });
                } catch (Throwable t) {
                  failures.add(t);
                }
              }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(1, failures.size(), failures.toString());
    assertTrue(failures.get(0) instanceof InputException, failures.toString());
    assertTrue(failures.get(0).getMessage().contains("already exists"), failures.toString());
    long rows = spark.read().parquet(target()).count();
    assertTrue(rows == 10 || rows == 11, "one writer's complete output: " + rows);
    assertEquals(List.of("out"), siblings());
  }

  @Test
  void aSuccessfulWriteLeavesNoSiblings() throws Exception {
    output("out", "old");
    AtomicOutput.write(spark, target(), true, p -> spark.range(3).write().parquet(p));
    assertEquals(List.of("out"), siblings());
    assertFalse(Files.exists(dir.resolve("out/part-0")));
  }
}
