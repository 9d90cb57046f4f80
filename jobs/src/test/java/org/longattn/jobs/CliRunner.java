package org.longattn.jobs;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.longattn.datasets.SparkTestSession;
import org.longattn.jobs.cli.Cli;

/** Runs the real CLI in-process (sharing the test's Spark session) and captures its output. */
public final class CliRunner {
  /** Exit code, stdout, stderr. */
  public record Result(int code, String out, String err) {}

  private CliRunner() {}

  public static synchronized Result run(String... args) {
    SparkTestSession.get();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Cli.run(args);
      return new Result(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
