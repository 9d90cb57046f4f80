package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.longattn.datasets.SparkTestSession;

/**
 * The CLI at hostile scales: softmax outputs finite (and stats in range) wherever the exact answer
 * is, a one-line refusal where scores leave the float range, never NaN with exit 0; and additive
 * scores bitwise the same over separate JVMs (whatever the JIT compiles when).
 */
class NumericsEndToEndTest {
  @TempDir static Path tmp;

  /** A document whose q and k are scaled by {@code qk} (only key row {@code row} when ≥ 0). */
  static String input(String name, int n, int heads, float qk, int row) {
    TokenTables.Doc doc = TokenTables.random(name, n, heads * 16, heads * 8, 0, n * 31L + heads);
    int w = heads * 16;
    for (int i = 0; i < n * w; i++) {
      if (row < 0) {
        doc.q()[i] *= qk;
      }
      if (row < 0 || i / w == row) {
        doc.k()[i] *= qk;
      }
    }
    String in = tmp.resolve(name + "-in").toString();
    TokenTables.write(TokenTables.rows(List.of(doc), 1), in, 2);
    return in;
  }

  static List<Row> read(String out) {
    return SparkTestSession.get().read().parquet(out).orderBy("pos").collectAsList();
  }

  @ParameterizedTest(name = "{0} x{1} row {2}")
  @CsvSource({"dense,1e5,-1", "bigbird,1e5,-1", "bigbird,1e20,37", "longformer,30,-1"})
  void softmaxOutputsAreFiniteAndStatsInRange(String pattern, float scale, int row) {
    String name = pattern + "-" + (int) Math.log10(scale) + "-" + row;
    int n = pattern.equals("longformer") ? 1000 : 73;
    String in = input(name, n, 1, scale, row);
    String out = tmp.resolve(name + "-out").toString();
    AttendRun run = AttendRun.of(in, out).pattern(pattern).heads(1).blockSize(16).stats();
    if (pattern.equals("longformer")) {
      run.flag("--window", 40);
    }
    CliRunner.Result r = run.run();
    assertEquals(0, r.code(), r.err());
    List<Row> rows = read(out);
    assertEquals(n, rows.size());
    for (Row x : rows) {
      int pos = x.getInt(x.fieldIndex("pos"));
      for (Object o : x.getList(x.fieldIndex("out"))) {
        assertTrue(Float.isFinite((Float) o), "pos " + pos + ": out " + o);
      }
      float mw = (Float) x.getList(x.fieldIndex("max_weight")).get(0);
      float ent = (Float) x.getList(x.fieldIndex("entropy")).get(0);
      assertTrue(mw > 0f && mw <= 1f, "pos " + pos + ": max_weight " + mw);
      assertTrue(ent >= 0f, "pos " + pos + ": entropy " + ent);
    }
  }

  /** q·k beyond float: exit 2, one line naming the document and a position, no output. */
  @Test
  void scoresBeyondFloatAreRefusedInOneLine() {
    String in = input("huge", 73, 1, 1e20f, -1);
    String out = tmp.resolve("huge-out").toString();
    CliRunner.Result r =
        AttendRun.of(in, out).pattern("bigbird").heads(1).blockSize(16).stats().run();
    assertEquals(2, r.code(), r.err());
    List<String> errors =
        r.err().lines().filter(l -> !l.startsWith("[attend]")).toList(); // progress lines
    assertEquals(1, errors.size(), r.err());
    String err = errors.get(0);
    assertTrue(err.startsWith("longattn: error: doc 'huge' pos "), err);
    assertTrue(err.contains("out of float range"), err);
    assertFalse(new File(out).exists());
  }

  /**
   * {@code --score additive}, one 2,000-token document, three JVMs of the real CLI: bitwise equal
   * outputs (the tanh of additive scores used to change with JIT tiering).
   */
  @Test
  void additiveScoresAreBitwiseTheSameInThreeJvms() throws Exception {
    String in = input("additive", 2000, 2, 1f, -1);
    List<List<Row>> runs = new ArrayList<>();
    for (int run = 0; run < 3; run++) {
      String out = tmp.resolve("additive-out-" + run).toString();
      runCliInNewJvm(
          AttendRun.of(in, out)
              .pattern("longformer")
              .flag("--window", 40)
              .heads(2)
              .blockSize(64)
              .flag("--score", "additive")
              .seed(5)
              .flag("--master", "local[2]")
              .args());
      runs.add(read(out));
    }
    for (int i = 0; i < 2000; i++) {
      float[] first = floats(runs.get(0).get(i).getList(runs.get(0).get(i).fieldIndex("out")));
      for (int run = 1; run < 3; run++) {
        Row x = runs.get(run).get(i);
        assertArrayEquals(
            first, floats(x.getList(x.fieldIndex("out"))), "pos " + i + " run " + run);
      }
    }
  }

  private static float[] floats(List<Object> list) {
    float[] a = new float[list.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = (Float) list.get(i);
    }
    return a;
  }

  /** {@code java <this JVM's flags> -cp <this classpath> org.longattn.jobs.Main args}, exit 0. */
  private static void runCliInNewJvm(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("org.longattn.jobs.Main");
    cmd.addAll(List.of(args));
    Path log = Files.createTempFile(tmp, "jvm", ".log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(400, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("CLI JVM timed out: " + Files.readString(log));
    }
    assertEquals(0, p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }
}
