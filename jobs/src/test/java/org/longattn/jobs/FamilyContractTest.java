package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.datasets.SparkTestSession;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.conv.ConvBandOracle;
import org.longattn.kernels.hyena.HyenaFilter;
import org.longattn.kernels.hyena.HyenaOracle;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.vectorization.FloatOpsProvider;

/**
 * The contract every registered family keeps, driven by the registry ({@link Families#all()}): run
 * through the real CLI over spans of 32 tokens (documents cross span boundaries), it matches its
 * double-precision reference on every backend it declares (java, opencl) and on the scalar kernels,
 * and its output is bitwise the same for 1, 3 and 8 partitions. A family added to the registry
 * without a case here fails this suite until its reference is added to {@link #CASES}.
 */
class FamilyContractTest {
  @TempDir static Path tmp;

  private static final int HEADS = 2;
  private static final int D = OracleCase.D;
  private static final int DV = OracleCase.DV;
  private static final long SEED = 5;

  /** A family's flags, its input and its reference check of an output directory. */
  private record Case(List<String> flags, Input input, Consumer<String> reference) {}

  private enum Input {
    SOFTMAX,
    SQUARE,
    STATES
  }

  private static final List<TokenTables.Doc> SOFTMAX_DOCS =
      List.of(
          TokenTables.random("a", 150, HEADS * D, HEADS * DV, 3, 41),
          TokenTables.random("b", 37, HEADS * D, HEADS * DV, 1, 42));
  private static final List<TokenTables.Doc> SQUARE_DOCS =
      List.of(
          TokenTables.random("a", 150, HEADS * D, HEADS * D, 0, 43),
          TokenTables.random("b", 37, HEADS * D, HEADS * D, 0, 44));
  private static final List<LinearAttendEndToEndTest.Doc> STATE_DOCS =
      LinearAttendEndToEndTest.docs(false, 45);
  private static final Map<Input, String> INPUTS = new HashMap<>();

  private static Consumer<String> softmax(
      String name, boolean causal, boolean anti, Map<Param, Integer> v) {
    PatternSpec spec = PatternSpec.of(name, 16, SEED, causal, anti, v);
    return out -> OracleCase.checkOutput(SOFTMAX_DOCS, out, spec.build(), HEADS, Map.of());
  }

  private static Consumer<String> states(String name, boolean causal, int param) {
    long seed = LinearAttendEndToEndTest.SEED;
    return out -> {
      Map<String, float[]> rows = outRows(out);
      for (LinearAttendEndToEndTest.Doc d : STATE_DOCS) {
        double[][] ref =
            switch (name) {
              case "gated-linear" ->
                  LinearOracle.gla(d.q(), d.k(), d.v(), null, d.n(), HEADS, D, DV, seed);
              case "linformer" ->
                  LinearOracle.linformer(d.q(), d.k(), d.v(), d.n(), HEADS, D, DV, param, seed);
              default ->
                  LinearOracle.linear(
                      d.q(), d.k(), d.v(), d.n(), HEADS, D, DV, causal, param, seed);
            };
        LinearAttendEndToEndTest.check(rows, d, ref, name.equals("linformer") ? 1e-4 : 1e-5, name);
      }
    };
  }

  private static final Map<String, Case> CASES =
      Map.ofEntries(
          Map.entry(
              "dense",
              new Case(
                  List.of("--stats"), Input.SOFTMAX, softmax("dense", false, false, Map.of()))),
          Map.entry(
              "blocked",
              new Case(
                  List.of("--stats", "--anticausal"),
                  Input.SOFTMAX,
                  softmax("blocked", false, true, Map.of()))),
          Map.entry(
              "longformer",
              new Case(
                  List.of("--stats", "--window", "20", "--dilation", "2"),
                  Input.SOFTMAX,
                  softmax(
                      "longformer", false, false, Map.of(Param.WINDOW, 20, Param.DILATION, 2)))),
          Map.entry(
              "bigbird",
              new Case(
                  List.of("--stats", "--random-blocks", "2"),
                  Input.SOFTMAX,
                  softmax("bigbird", false, false, Map.of(Param.RANDOM_BLOCKS, 2)))),
          Map.entry(
              "strided",
              new Case(
                  List.of("--stats", "--stride", "8", "--causal"),
                  Input.SOFTMAX,
                  softmax("strided", true, false, Map.of(Param.STRIDE, 8)))),
          Map.entry(
              "fixed",
              new Case(
                  List.of("--stats", "--stride", "16", "--summary", "4"),
                  Input.SOFTMAX,
                  softmax("fixed", false, false, Map.of(Param.STRIDE, 16, Param.SUMMARY, 4)))),
          Map.entry(
              "sink",
              new Case(
                  List.of("--stats", "--sinks", "3", "--window", "20"),
                  Input.SOFTMAX,
                  softmax("sink", true, false, Map.of(Param.SINKS, 3, Param.WINDOW, 20)))),
          Map.entry(
              "conv-band",
              new Case(List.of("--radius", "5"), Input.SOFTMAX, FamilyContractTest::convBand)),
          Map.entry(
              "hyena", new Case(List.of("--order", "2"), Input.SQUARE, FamilyContractTest::hyena)),
          Map.entry(
              "linear", new Case(List.of("--causal"), Input.STATES, states("linear", true, 0))),
          Map.entry(
              "gated-linear", new Case(List.of(), Input.STATES, states("gated-linear", true, 0))),
          Map.entry(
              "performer",
              new Case(List.of("--features", "16"), Input.STATES, states("performer", false, 16))),
          Map.entry(
              "linformer",
              new Case(List.of("--rank", "12"), Input.STATES, states("linformer", false, 12))));

  static Stream<String> families() {
    return Families.all().stream().map(Family::name);
  }

  static Stream<Arguments> familiesAndBackends() {
    return families().flatMap(f -> Stream.of(Arguments.of(f, "java"), Arguments.of(f, "opencl")));
  }

  private static Case contractCase(String family) {
    Case c = CASES.get(family);
    assertNotNull(
        c, "family '" + family + "' is registered but has no contract case: add its reference");
    return c;
  }

  private static AttendRun run(String family, Case c, String out, int parts) {
    return AttendRun.of(input(c.input()), out)
        .pattern(family)
        .heads(HEADS)
        .blockSize(16)
        .spanTokens(32)
        .seed(c.input() == Input.STATES ? LinearAttendEndToEndTest.SEED : SEED)
        .partitions(parts)
        .flags(c.flags());
  }

  /**
   * On each backend the family declares ({@code java}: the Vector API kernels in this JVM; {@code
   * opencl}: Aparapi on the machine's OpenCL device, PoCL in CI), its output matches the reference
   * and is bitwise the same for 1, 3 and 8 partitions; a backend it does not declare is refused
   * (exit 2, one line naming the backend), never run silently elsewhere.
   */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("familiesAndBackends")
  void exactAndBitwiseEqualFor1And3And8Partitions(String family, String backend) {
    Case c = contractCase(family);
    if (backend.equals("opencl")) {
      BackendsUnderTest.assumeOpenCl();
    }
    String tag = family + "-" + backend;
    if (!Families.of(family).backends().contains(backend)) {
      String out = tmp.resolve(tag + "-refused").toString();
      CliRunner.Result r = run(family, c, out, 1).flag("--backend", backend).run();
      assertEquals(2, r.code(), family + " on " + backend + ": " + r.err());
      assertTrue(r.err().contains(backend), r.err());
      assertFalse(Files.exists(Path.of(out)), "a refused run writes nothing");
      return;
    }
    Map<String, int[]> first = null;
    for (int parts : new int[] {1, 3, 8}) {
      String out = tmp.resolve(tag + "-p" + parts).toString();
      CliRunner.Result r = run(family, c, out, parts).flag("--backend", backend).run();
      assertEquals(0, r.code(), r.err());
      Map<String, int[]> bits = bits(out);
      if (first == null) {
        c.reference().accept(out);
        first = bits;
      } else {
        assertEquals(first.keySet(), bits.keySet());
        for (Map.Entry<String, int[]> e : first.entrySet()) {
          assertEquals(
              Arrays.toString(e.getValue()),
              Arrays.toString(bits.get(e.getKey())),
              family + " on " + backend + " " + e.getKey() + " with " + parts + " partitions");
        }
      }
    }
  }

  /**
   * The plain-Java kernels ({@code -Dlongattn.kernels=scalar}, what runs where the Vector API
   * module is absent; chosen once per JVM, so in a child JVM — one for every family, started by the
   * first of these tests): the same reference holds with 3 partitions, and the run record names the
   * scalar kernels.
   */
  @ParameterizedTest(name = "{0} on scalar kernels")
  @MethodSource("families")
  void scalarKernelsMatchTheReference(String family) throws Exception {
    Case c = contractCase(family);
    ChildCli.Result r = scalarRuns().get(family);
    assertEquals(0, r.code(), r.err());
    String out = scalarOutput(family);
    String record = Files.readString(Path.of(out, "_longattn.json"));
    assertTrue(record.contains("scalar"), "the run record names the scalar kernels: " + record);
    c.reference().accept(out);
  }

  private static Map<String, ChildCli.Result> scalarResults;

  /** Every family that has a case, run on the scalar kernels in one child JVM (once). */
  private static synchronized Map<String, ChildCli.Result> scalarRuns() throws Exception {
    if (scalarResults == null) {
      List<String> names = families().filter(CASES::containsKey).toList();
      List<String[]> commands = new ArrayList<>();
      for (String f : names) {
        commands.add(run(f, CASES.get(f), scalarOutput(f), 3).flag("--backend", "java").args());
      }
      List<ChildCli.Result> results =
          ChildCli.runAll(
              60 + 90L * names.size(),
              List.of("-D" + FloatOpsProvider.PROPERTY + "=scalar"),
              commands);
      Map<String, ChildCli.Result> byFamily = new HashMap<>();
      for (int i = 0; i < names.size(); i++) {
        byFamily.put(names.get(i), results.get(i));
      }
      scalarResults = byFamily;
    }
    return scalarResults;
  }

  private static String scalarOutput(String family) {
    return tmp.resolve(family + "-scalar").toString();
  }

  private static synchronized String input(Input which) {
    return INPUTS.computeIfAbsent(
        which,
        w -> {
          Path p = tmp.resolve("in-" + w);
          switch (w) {
            case SOFTMAX -> TokenTables.write(TokenTables.rows(SOFTMAX_DOCS, 7), p.toString(), 3);
            case SQUARE -> TokenTables.write(TokenTables.rows(SQUARE_DOCS, 8), p.toString(), 3);
            case STATES -> LinearAttendEndToEndTest.write(STATE_DOCS, p);
          }
          return p.toString();
        });
  }

  private static void convBand(String out) {
    Map<String, float[]> rows = outRows(out);
    for (TokenTables.Doc doc : SOFTMAX_DOCS) {
      double[][] ref =
          ConvBandOracle.attend(
              doc.q(),
              doc.k(),
              doc.v(),
              doc.n(),
              HEADS,
              D,
              DV,
              5,
              0,
              new boolean[doc.n()],
              new float[] {0.25f, 0.5f, 0.25f},
              1);
      for (int i = 0; i < doc.n(); i++) {
        float[] o = rows.get(doc.id() + "#" + i);
        for (int x = 0; x < HEADS * DV; x++) {
          Tolerance.assertClose(ref[i][x], o[x], Tolerance.REL, doc.id() + " pos " + i);
        }
      }
    }
  }

  private static void hyena(String out) {
    Map<String, float[]> rows = outRows(out);
    for (TokenTables.Doc doc : SQUARE_DOCS) {
      float[] got = new float[doc.n() * HEADS * D];
      for (int i = 0; i < doc.n(); i++) {
        System.arraycopy(rows.get(doc.id() + "#" + i), 0, got, i * HEADS * D, HEADS * D);
      }
      HyenaFilter filter = new HyenaFilter(SEED, 2, HEADS, D, doc.n());
      HyenaOracle.assertClose(HyenaOracle.apply(filter, doc.q(), doc.k(), doc.v()), got, doc.id());
    }
  }

  /** doc#pos → the out column. */
  private static Map<String, float[]> outRows(String out) {
    Map<String, float[]> m = new HashMap<>();
    for (Row r : SparkTestSession.get().read().parquet(out).collectAsList()) {
      List<Float> o = r.getList(2);
      float[] a = new float[o.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = o.get(i);
      }
      m.put(r.getString(0) + "#" + r.getInt(1), a);
    }
    return m;
  }

  /** doc#pos → the raw bits of every float of every vector column (out and stats). */
  private static Map<String, int[]> bits(String out) {
    Map<String, int[]> m = new HashMap<>();
    for (Row r : SparkTestSession.get().read().parquet(out).collectAsList()) {
      int[] a = new int[0];
      for (int c = 2; c < r.length(); c++) {
        if (r.isNullAt(c)) {
          continue;
        }
        List<Float> col = r.getList(c);
        int[] b = Arrays.copyOf(a, a.length + col.size());
        for (int i = 0; i < col.size(); i++) {
          b[a.length + i] = Float.floatToRawIntBits(col.get(i));
        }
        a = b;
      }
      m.put(r.getString(0) + "#" + r.getInt(1), a);
    }
    return m;
  }
}
