package org.longattn.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A run out of heap is one line naming the stage, the heap and what would fit (not a bug). */
class OutOfMemoryLineTest {
  private static CommandLine.ParseResult attend(String... extra) {
    String[] base = {
      "attend", "--input", "/tmp/in", "--output", "/tmp/out", "--pattern", "bigbird", "--heads", "1"
    };
    String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return new CommandLine(new Cli()).parseArgs(args);
  }

  @Test
  void taskOutOfMemoryNamesStageHeapAndSpan() {
    Exception ex =
        new SparkException(
            "Job aborted due to stage failure: Task 113 in stage 8.0 failed 1 times, most recent"
                + " failure: Lost task 113.0 in stage 8.0 (TID 400) (localhost executor driver):"
                + " java.lang.OutOfMemoryError: Java heap space\n\tat foo.Bar(Bar.java:1)");
    String line = Cli.outOfMemory(ex, attend("--span-tokens", "32768"));
    assertTrue(line.startsWith("out of memory"), line);
    assertTrue(line.contains("Spark stage 8, task 113"), line);
    assertTrue(line.contains((Runtime.getRuntime().maxMemory() >> 20) + " MiB"), line);
    assertTrue(line.contains("--span-tokens 16384"), line);
    assertTrue(line.contains("--driver-memory"), line);
    assertFalse(line.contains("\n"), line);
  }

  @Test
  void driverOutOfMemoryWithoutSpanFlagAndOtherErrorsAreNotIt() {
    String line =
        Cli.outOfMemory(
            new RuntimeException("wrapped", new OutOfMemoryError("Java heap space")),
            new CommandLine(new Cli()).parseArgs("generate", "--output", "/tmp/x"));
    assertTrue(line.startsWith("out of memory"), line);
    assertFalse(line.contains("--span-tokens"), line);
    assertNull(Cli.outOfMemory(new IllegalStateException("boom"), attend()));
  }
}
