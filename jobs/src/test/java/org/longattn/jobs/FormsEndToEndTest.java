package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.datasets.SparkTestSession;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.conv.ConvBandOracle;
import org.longattn.kernels.io.Npy;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.score.ScoreFunction;
import org.longattn.kernels.score.ScoreOracles;

/**
 * The attention forms of issue 5 through the real CLI, against the double-precision oracle: strided
 * and fixed (small strides, every direction), Longformer with dilation, --anticausal, the token
 * table's mask column (padding rows: null out and stats), bitwise equality across 1, 3 and 8
 * partitions, and the new flags' bad values.
 */
class FormsEndToEndTest {
  @TempDir static Path tmp;

  private static final int HEADS = 2;

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("strided", "--stride 5", ""),
        Arguments.of("strided", "--stride 7", "--causal"),
        Arguments.of("strided", "--stride 3", "--anticausal"),
        Arguments.of("fixed", "--stride 6 --summary 2", ""),
        Arguments.of("fixed", "--stride 20 --summary 3", "--causal"),
        Arguments.of("fixed", "--stride 4 --summary 4", "--anticausal"),
        Arguments.of("longformer", "--window 9 --dilation 3", ""),
        Arguments.of("longformer", "--window 500 --dilation 2", "--causal"), // window > document
        Arguments.of("bigbird", "--random-blocks 1", "--anticausal"),
        Arguments.of("dense", "", "--anticausal"));
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("cases")
  void matchesOracleWithPadding(String pattern, String flags, String direction) {
    int id = (pattern + flags + direction).hashCode() & 0x7fffffff;
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("a" + id, 173, HEADS * OracleCase.D, HEADS * OracleCase.DV, 3, id),
            TokenTables.random(
                "b" + id, 9, HEADS * OracleCase.D, HEADS * OracleCase.DV, 1, id + 1));
    boolean[] padA = new boolean[173];
    for (int i = 150; i < 173; i++) {
      padA[i] = true; // a padded tail
    }
    padA[docs.get(0).globals()[0]] = true; // a global token that is padding: padding wins
    padA[40] = true;
    Map<String, boolean[]> padding = Map.of("a" + id, padA);
    String in = tmp.resolve("in-" + id).toString();
    String out = tmp.resolve("out-" + id).toString();
    TokenTables.write(
        TokenTables.rowsWithMask(docs, padding, id), TokenTables.SCHEMA_WITH_MASK, in, 3);
    AttendRun attend = statsRun(in, out, pattern);
    attend.flags(split(flags));
    attend.flags(split(direction));
    CliRunner.Result r = attend.run();
    assertEquals(0, r.code(), r.err());
    OracleCase.checkOutput(docs, out, spec(pattern, flags, direction).build(), HEADS, padding);
  }

  /** The spec the CLI builds from these flags, written out independently of PatternOptions. */
  private static PatternSpec spec(String pattern, String flags, String direction) {
    List<String> f = split(flags);
    int stride = intFlag(f, "--stride", PatternSpec.DEFAULT_STRIDE);
    return PatternSpec.of(
        pattern,
        16,
        5,
        direction.equals("--causal"),
        direction.equals("--anticausal"),
        Map.of(
            Param.WINDOW,
            intFlag(f, "--window", 256),
            Param.DILATION,
            intFlag(f, "--dilation", 1),
            Param.RANDOM_BLOCKS,
            intFlag(f, "--random-blocks", 3),
            Param.STRIDE,
            stride,
            Param.SUMMARY,
            intFlag(f, "--summary", Math.min(8, stride)),
            Param.RADIUS,
            intFlag(f, "--window", 256)));
  }

  private static int intFlag(List<String> f, String name, int dflt) {
    int i = f.indexOf(name);
    return i < 0 ? dflt : Integer.parseInt(f.get(i + 1));
  }

  private static List<String> split(String s) {
    return s.isBlank() ? List.of() : Arrays.asList(s.trim().split(" +"));
  }

  /** strided and fixed give bitwise the same rows for 1, 3 and 8 partitions. */
  @Test
  void bitwiseEqualAcrossPartitions() {
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("p", 700, 16, 8, 2, 11), TokenTables.random("q", 90, 16, 8, 0, 12));
    String in = tmp.resolve("parts-in").toString();
    TokenTables.write(TokenTables.rows(docs, 3), in, 4);
    for (String[] pattern :
        new String[][] {{"strided", "--stride", "9"}, {"fixed", "--stride", "24", "--causal"}}) {
      List<Row> first = null;
      for (int parts : new int[] {1, 3, 8}) {
        String out = tmp.resolve("parts-" + pattern[0] + parts).toString();
        CliRunner.Result r =
            AttendRun.of(in, out)
                .blockSize(16)
                .spanTokens(64)
                .partitions(parts)
                .stats()
                .heads(1)
                .pattern(pattern[0])
                .flags(Arrays.asList(pattern).subList(1, pattern.length))
                .run();
        assertEquals(0, r.code(), r.err());
        List<Row> rows =
            SparkTestSession.get().read().parquet(out).orderBy("doc_id", "pos").collectAsList();
        if (first == null) {
          first = rows;
        } else {
          assertEquals(first, rows, pattern[0] + ": " + parts + " partitions differ from 1");
        }
      }
    }
  }

  static Stream<Arguments> scores() {
    return Stream.of(
        Arguments.of("dot", false, "fixed", "--stride 8 --summary 2"),
        Arguments.of("bilinear", true, "longformer", "--window 12"),
        Arguments.of("bilinear", false, "strided", "--stride 6"),
        Arguments.of("additive", true, "bigbird", "--random-blocks 2"),
        Arguments.of("additive", false, "dense", ""));
  }

  /** Each score function through the CLI, weights from an .npy file or drawn from --seed. */
  @ParameterizedTest(name = "{0} file={1} {2}")
  @MethodSource("scores")
  void scoreFunctionsMatchTheOracle(String score, boolean file, String pattern, String flags)
      throws Exception {
    int id = (score + file + pattern).hashCode() & 0x7fffffff;
    int d = OracleCase.D;
    List<TokenTables.Doc> docs =
        List.of(TokenTables.random("s" + id, 150, HEADS * d, HEADS * OracleCase.DV, 2, id));
    String in = tmp.resolve("score-in-" + id).toString();
    String out = tmp.resolve("score-out-" + id).toString();
    TokenTables.write(TokenTables.rows(docs, id), in, 2);
    AttendRun attend = statsRun(in, out, pattern).flag("--score", score);
    attend.flags(split(flags));
    float[] w = null;
    if (score.equals("bilinear") || score.equals("additive")) {
      int rows = score.equals("bilinear") ? d : 2 * d + 1;
      w = new float[HEADS * rows * d];
      if (file) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(id);
        for (int x = 0; x < w.length; x++) {
          w[x] = (float) (rng.nextGaussian() / 4);
        }
        Path npy = tmp.resolve("w-" + id + ".npy");
        Files.write(npy, Npy.write(new int[] {HEADS, rows, d}, w));
        attend.flags(List.of("--score-weights", npy.toString()));
      } else {
        w = ScoreFunction.of(score, HEADS, d, null, 5).weights(); // the seeded draw
      }
    }
    CliRunner.Result r = attend.run();
    assertEquals(0, r.code(), r.err());
    OracleCase.checkOutput(
        docs,
        out,
        spec(pattern, flags, "").build(),
        HEADS,
        Map.of(),
        ScoreOracles.scorer(score, w, d));
  }

  /** Bad score flags and weights files: exit 2, one line naming the flag, no output. */
  @Test
  void badScoresAreRejected() throws Exception {
    List<TokenTables.Doc> docs = List.of(TokenTables.random("w", 20, 2 * 16, 2 * 8, 0, 3));
    String in = tmp.resolve("badscore-in").toString();
    TokenTables.write(TokenTables.rows(docs, 1), in, 1);
    Path wrong = tmp.resolve("wrong.npy");
    Files.write(wrong, Npy.write(new int[] {2, 16, 15}, new float[2 * 16 * 15]));
    Path notNpy = tmp.resolve("text.npy");
    Files.writeString(notNpy, "not numpy");
    String[][] cases = {
      {"--score cosine", "--score"},
      {"--score bilinear --score-weights " + tmp.resolve("missing.npy"), "does not exist"},
      {"--score bilinear --score-weights " + wrong, "[2, 16, 16]"},
      {"--score additive --score-weights " + wrong, "[2, 33, 16]"},
      {"--score bilinear --score-weights " + notNpy, "--score-weights"},
      {"--score dot --score-weights " + wrong, "--score-weights"},
      {"--score additive --backend opencl", "java backend"}
    };
    for (String[] c : cases) {
      Path out = tmp.resolve("badscore-out");
      AttendRun attend = AttendRun.of(in, out.toString()).heads(2).pattern("dense");
      attend.flags(split(c[0]));
      CliRunner.Result r = attend.run();
      assertEquals(2, r.code(), c[0] + ": " + r.err());
      assertTrue(r.err().contains(c[1]), c[0] + ": " + r.err());
      assertFalse(Files.exists(out), c[0] + ": no output");
    }
  }

  /** conv-band through the CLI, with padding, against the dense conv-band oracle. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("convCases")
  void convBandMatchesTheOracle(String flags, int radius, int dir, float[] phi, int iterations) {
    int id = flags.hashCode() & 0x7fffffff;
    int n = 140;
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("c" + id, n, HEADS * OracleCase.D, HEADS * OracleCase.DV, 2, id));
    boolean[] pad = new boolean[n];
    for (int i = 120; i < n; i++) {
      pad[i] = true;
    }
    pad[7] = true;
    String in = tmp.resolve("conv-in-" + id).toString();
    String out = tmp.resolve("conv-out-" + id).toString();
    TokenTables.write(
        TokenTables.rowsWithMask(docs, Map.of("c" + id, pad), id),
        TokenTables.SCHEMA_WITH_MASK,
        in,
        2);
    AttendRun attend =
        AttendRun.of(in, out).pattern("conv-band").heads(2).blockSize(16).spanTokens(32);
    attend.flags(split(flags));
    CliRunner.Result r = attend.run();
    assertEquals(0, r.code(), r.err());
    TokenTables.Doc doc = docs.get(0);
    double[][] ref =
        ConvBandOracle.attend(
            doc.q(),
            doc.k(),
            doc.v(),
            n,
            HEADS,
            OracleCase.D,
            OracleCase.DV,
            radius,
            dir,
            pad,
            phi,
            iterations);
    List<Row> rows = SparkTestSession.get().read().parquet(out).collectAsList();
    assertEquals(n, rows.size());
    for (Row row : rows) {
      int i = row.getInt(1);
      if (pad[i]) {
        assertTrue(row.isNullAt(2), "padding row " + i + ": out is null");
        continue;
      }
      List<Float> o = row.getList(2);
      for (int x = 0; x < o.size(); x++) {
        Tolerance.assertClose(ref[i][x], o.get(x), Tolerance.REL, "pos " + i + " out[" + x + "]");
      }
    }
  }

  static Stream<Arguments> convCases() {
    return Stream.of(
        Arguments.of("--radius 5", 5, 0, new float[] {0.25f, 0.5f, 0.25f}, 1),
        Arguments.of(
            "--radius 3 --conv-kernel 0.5,-1,2,0.25,1 --iterations 3 --causal",
            3,
            1,
            new float[] {0.5f, -1f, 2f, 0.25f, 1f},
            3),
        Arguments.of(
            "--radius 40 --conv-kernel 1 --iterations 0 --anticausal", 40, 2, new float[] {1f}, 0));
  }

  @Test
  void benchRejectsConvBand() {
    CliRunner.Result r = CliRunner.run("bench", "--pattern", "conv-band", "--kernel-only");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("conv-band"), r.err());
  }

  static Stream<Arguments> badFlags() {
    return Stream.of(
        Arguments.of("--pattern strided --stride 0", "--stride"),
        Arguments.of("--pattern fixed --stride -3", "--stride"),
        Arguments.of("--pattern fixed --stride 4 --summary 5", "--summary"),
        Arguments.of("--pattern fixed --summary 0", "--summary"),
        Arguments.of("--pattern strided --summary 2", "--summary"),
        Arguments.of("--pattern dense --stride 4", "--stride"),
        Arguments.of("--pattern dense --causal --anticausal", "--anticausal"),
        Arguments.of("--pattern longformer --dilation 0", "--dilation"),
        Arguments.of("--pattern conv-band --conv-kernel 1,2", "--conv-kernel"),
        Arguments.of("--pattern conv-band --iterations -1", "--iterations"),
        Arguments.of("--pattern conv-band --radius -2", "--radius"),
        Arguments.of("--pattern conv-band --stats", "--stats"),
        Arguments.of("--pattern conv-band --score dot", "--score"),
        Arguments.of("--pattern dense --iterations 2", "--iterations"),
        Arguments.of("--pattern longformer --radius 2", "--radius"),
        Arguments.of("--pattern conv-band --window 2", "--window"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFlags")
  void badFlagsAreUsageErrors(String flags, String named) {
    Path out = tmp.resolve("bad-out");
    AttendRun attend = AttendRun.of(tmp.toString(), out.toString());
    attend.flags(split(flags));
    CliRunner.Result r = attend.run();
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(named), r.err());
    assertFalse(Files.exists(out), "no output");
  }

  /** 2 heads, block 16, spans of 32, --stats, seed 5: the runs checked against an oracle here. */
  private static AttendRun statsRun(String in, String out, String pattern) {
    return AttendRun.of(in, out)
        .pattern(pattern)
        .heads(2)
        .blockSize(16)
        .spanTokens(32)
        .stats()
        .seed(5);
  }
}
