package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.datasets.SparkTestSession;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.DenseOracle;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.opencl.OpenClDevices;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;

/**
 * {@code attend --backend opencl} through the real CLI in local[2] (two task threads, each with its
 * own pooled kernel) against the double-precision oracle, and the device recorded in {@code
 * _longattn.json}. A smaller sibling of {@link AttendEndToEndTest}. Needs an OpenCL device (PoCL in
 * CI) and libjsig preloaded (OpenCL runtimes replace the JVM's signal handlers): skipped without
 * them, failed without them when {@code -Dlongattn.requireOpenCL=true}.
 */
class OpenClEndToEndTest {
  @TempDir static Path tmp;

  @BeforeAll
  static void needsOpenClAndLibjsig() {
    BackendsUnderTest.assumeOpenCl();
    if (!OpenClDevices.libjsigPreloaded()) {
      String msg =
          "opencl end-to-end needs LD_PRELOAD=$JAVA_HOME/lib/libjsig.so (as .ci/run and"
              + " bin/longattn set it): without it the JVM may crash (exit 139)";
      if (BackendsUnderTest.openClRequired()) {
        fail(msg);
      }
      Assumptions.abort(msg + " — skipped");
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of( // id, pattern, causal, n1, n2, heads, block
        Arguments.of(0, "bigbird", false, 1337, 70, 2, 32),
        Arguments.of(1, "longformer", true, 900, 33, 1, 16),
        Arguments.of(2, "dense", false, 300, 5, 2, 64),
        Arguments.of(3, "blocked", true, 777, 1, 3, 16));
  }

  @ParameterizedTest(name = "#{0} {1} causal={2} n={3},{4} heads={5} block={6}")
  @MethodSource("cases")
  void attendOnOpenClMatchesOracle(
      int id, String pattern, boolean causal, int n1, int n2, int heads, int block)
      throws Exception {
    int d = 16;
    int dv = 8;
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("a-" + id, n1, heads * d, heads * dv, 3, id * 17L + 1),
            TokenTables.random("b-" + id, n2, heads * d, heads * dv, 1, id * 17L + 2));
    String in = tmp.resolve("in-" + id).toString();
    String out = tmp.resolve("out-" + id).toString();
    TokenTables.write(TokenTables.rows(docs, id + 1), in, 3);
    List<String> args =
        new ArrayList<>(
            List.of(
                "attend",
                "--input",
                in,
                "--output",
                out,
                "--backend",
                "opencl",
                "--pattern",
                pattern,
                "--heads",
                String.valueOf(heads),
                "--block-size",
                String.valueOf(block),
                "--stats",
                "--span-tokens",
                String.valueOf(4 * block),
                "--seed",
                "5"));
    if (pattern.equals("longformer")) {
      args.addAll(List.of("--window", "40"));
    }
    if (pattern.equals("bigbird")) {
      args.addAll(List.of("--random-blocks", "2"));
    }
    if (causal) {
      args.add("--causal");
    }
    CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    String info = Files.readString(Path.of(out, "_longattn.json"));
    String device = "opencl on " + OpenClDevices.describe(OpenClDevices.get(-1));
    assertTrue(info.contains(device), "_longattn.json records " + device + ": " + info);

    AttentionPattern p = new PatternSpec(pattern, block, 40, 1, 2, 5, causal).build();
    Map<String, Row> rows = new HashMap<>();
    for (Row row : SparkTestSession.get().read().parquet(out).collectAsList()) {
      rows.put(row.getString(0) + "#" + row.getInt(1), row);
    }
    assertEquals(n1 + n2, rows.size(), "one output row per token");
    for (TokenTables.Doc doc : docs) {
      DenseOracle.Result ref =
          DenseOracle.attend(
              p,
              doc.q(),
              doc.k(),
              doc.v(),
              doc.n(),
              heads,
              d,
              dv,
              Seeds.docHash(doc.id()),
              doc.globals());
      for (int i = 0; i < doc.n(); i++) {
        Row row = rows.get(doc.id() + "#" + i);
        String at = doc.id() + " pos " + i;
        List<Float> o = row.getList(2);
        for (int x = 0; x < heads * dv; x++) {
          Tolerance.assertClose(ref.out()[i][x], o.get(x), Tolerance.REL, at + " out[" + x + "]");
        }
        for (int h = 0; h < heads; h++) {
          Tolerance.assertClose(
              ref.entropy()[i][h], row.<Float>getList(3).get(h), Tolerance.REL, at + " entropy");
          Tolerance.assertClose(
              ref.meanDistance()[i][h],
              row.<Float>getList(4).get(h),
              Tolerance.REL,
              at + " mean_distance");
          Tolerance.assertClose(
              ref.maxWeight()[i][h],
              row.<Float>getList(5).get(h),
              Tolerance.REL,
              at + " max_weight");
          Tolerance.assertClose(
              ref.globalMass()[i][h],
              row.<Float>getList(6).get(h),
              Tolerance.REL,
              at + " global_mass");
        }
      }
    }
  }
}
