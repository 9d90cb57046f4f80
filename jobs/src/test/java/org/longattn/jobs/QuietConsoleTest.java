package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;

/**
 * The console of a real launch (a child JVM started as the launcher starts it, with no logging
 * configuration file): a normal run prints longattn's stage lines and no ERROR or WARN line — not
 * Spark's loopback-hostname warnings, not Aparapi's "opencl native library" error on a machine
 * without OpenCL; a refusal is one line; {@code --verbose} brings Spark's log and the stack trace
 * back.
 */
class QuietConsoleTest {
  @TempDir Path tmp;

  /** A log level word as Log4j, java.util.logging or Spark print it. */
  private static final Pattern LEVEL = Pattern.compile("\\b(ERROR|WARN|SEVERE|FATAL)\\b");

  /**
   * The JVM itself prints this before main() whenever the Vector API incubator module is added
   * (conf/jvm.flags); JDK 17 has no switch to silence it, and it is not a log line.
   */
  private static final String JVM_INCUBATOR = "WARNING: Using incubator modules:";

  private static List<String> lines(String stderr) {
    return stderr.lines().filter(l -> !l.isBlank() && !l.startsWith(JVM_INCUBATOR)).toList();
  }

  private Path tokens() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      List<Float> q = new ArrayList<>();
      for (int x = 0; x < 8; x++) {
        q.add((float) Math.sin(i * 0.37 + x));
      }
      rows.add(RowFactory.create(i < 120 ? "a" : "b", i < 120 ? i : i - 120, q, q, q, false));
    }
    Path in = tmp.resolve("tokens");
    SparkTestSession.get().createDataFrame(rows, TokenTables.SCHEMA).write().parquet(in.toString());
    return in;
  }

  @Test
  void aNormalAttendRunPrintsNoErrorOrWarnLine() throws Exception {
    Path in = tokens();
    Path out = tmp.resolve("att");
    ChildCli.Result r =
        ChildCli.run(
            300,
            "attend",
            "--input",
            in.toString(),
            "--output",
            out.toString(),
            "--heads",
            "2",
            "--pattern",
            "longformer",
            "--window",
            "16",
            "--stats",
            "--backend",
            "auto");
    assertEquals(0, r.code(), r.err());
    List<String> lines = lines(r.err());
    for (String l : lines) {
      assertFalse(LEVEL.matcher(l).find(), "an ERROR/WARN line: '" + l + "'\n" + r.err());
      assertFalse(l.contains("Exception"), "a stack trace: '" + l + "'\n" + r.err());
    }
    assertTrue(
        lines.stream().anyMatch(l -> l.startsWith("[attend] done: ")), "stage lines:\n" + r.err());
    String record = Files.readString(out.resolve("_longattn.json"));
    assertTrue(record.contains("\"opencl\" : "), "what the OpenCL probe found: " + record);
  }

  @Test
  void aBogusMasterIsOneLineAndVerboseShowsSparksLog() throws Exception {
    Path in = tokens();
    Path out = tmp.resolve("att");
    String[] args = {
      "attend",
      "--input",
      in.toString(),
      "--output",
      out.toString(),
      "--heads",
      "2",
      "--pattern",
      "longformer",
      "--master",
      "bogus://"
    };
    ChildCli.Result quiet = ChildCli.run(120, args);
    assertEquals(2, quiet.code(), quiet.err());
    List<String> lines = lines(quiet.err());
    assertEquals(1, lines.size(), "one line:\n" + quiet.err());
    assertTrue(lines.get(0).startsWith("longattn: error: --master 'bogus://'"), lines.get(0));
    assertFalse(Files.exists(out));

    List<String> verboseArgs = new ArrayList<>(List.of(args));
    verboseArgs.add("--verbose");
    ChildCli.Result verbose = ChildCli.run(120, verboseArgs.toArray(String[]::new));
    assertEquals(2, verbose.code(), verbose.err());
    List<String> vl = lines(verbose.err());
    assertEquals(lines.get(0), vl.get(vl.size() - 1), "the same line, last:\n" + verbose.err());
    assertTrue(
        vl.stream().anyMatch(l -> LEVEL.matcher(l).find() && l.contains("SparkContext")),
        "Spark's own ERROR log is back:\n" + verbose.err());
    assertTrue(
        vl.stream().anyMatch(l -> l.trim().startsWith("at org.apache.spark.")),
        "the stack trace is shown:\n" + verbose.err());
  }
}
