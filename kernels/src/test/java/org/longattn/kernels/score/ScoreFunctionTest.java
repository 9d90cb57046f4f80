package org.longattn.kernels.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.DenseOracle;
import org.longattn.kernels.TestData;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.io.Npy;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.span.DocumentRunner;
import org.longattn.kernels.span.HeadShape;

/**
 * Every score function × softmax pattern × direction against the double-precision oracle, whose
 * scores are written out here from the raw weights (qᵀWk and vᵀtanh(Wq + Uk) in double, no
 * projection); the .npy reader and writer; bad names and shapes.
 */
class ScoreFunctionTest {

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    int[][] shapes = {{1, 1, 8, 8, 4}, {65, 2, 16, 8, 16}, {203, 3, 8, 12, 16}};
    for (String backend : BackendsUnderTest.names()) {
      for (String score : ScoreFunction.NAMES) {
        if (score.equals("additive") && !backend.equals("java")) {
          continue; // additive: java only (OpenCL throws, tested below)
        }
        for (String pattern : Families.softmaxAnyDirection()) {
          for (int dir = 0; dir < 3; dir++) {
            int[] s = shapes[Math.floorMod(pattern.hashCode() + dir, shapes.length)];
            PatternSpec spec =
                PatternSpec.of(
                    pattern,
                    s[4],
                    7,
                    dir == 1,
                    dir == 2,
                    Map.of(
                        Param.WINDOW,
                        11,
                        Param.RANDOM_BLOCKS,
                        2,
                        Param.STRIDE,
                        6,
                        Param.SUMMARY,
                        2,
                        Param.RADIUS,
                        11));
            out.add(Arguments.of(backend, score, spec, s));
          }
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2} n={3}")
  @MethodSource("cases")
  void matchesOracle(String backendName, String score, PatternSpec spec, int[] s) {
    int n = s[0];
    HeadShape shape = new HeadShape(s[1], s[2], s[3]);
    SplittableRandom rng = new SplittableRandom(spec.hashCode() + score.hashCode());
    float[] q = TestData.gaussian(rng, n, shape.qkWidth(), 1.0);
    float[] k = TestData.gaussian(rng, n, shape.qkWidth(), 1.0);
    float[] v = TestData.gaussian(rng, n, shape.vWidth(), 1.0);
    ScoreFunction f = ScoreFunction.of(score, shape.heads(), shape.d(), null, 99);
    int[] globals = {0, n / 2};
    boolean[] padded = new boolean[n];
    var p = spec.build();
    DenseOracle.Result ref =
        DenseOracle.attend(
            p,
            q,
            k,
            v,
            n,
            shape.heads(),
            shape.d(),
            shape.dv(),
            3,
            globals,
            padded,
            ScoreOracles.scorer(score, f.weights(), shape.d()));
    try (AttentionBackend backend = BackendsUnderTest.create(backendName)) {
      DocumentRunner.Output got =
          DocumentRunner.run(p, backend, shape, q, k, v, n, 3, globals, new int[0], 2, true, f);
      for (int i = 0; i < n; i++) {
        for (int x = 0; x < shape.vWidth(); x++) {
          Tolerance.assertClose(
              ref.out()[i][x], got.out()[i * shape.vWidth() + x], Tolerance.REL, "out" + i);
        }
        for (int h = 0; h < shape.heads(); h++) {
          Tolerance.assertClose(
              ref.entropy()[i][h], got.entropy()[i * shape.heads() + h], Tolerance.REL, "H" + i);
        }
      }
    }
  }

  @Test
  void weightsFromAFileAreUsedAsStoredAndSeededOnesDependOnTheSeed() {
    float[] w = new float[2 * 4 * 4];
    for (int x = 0; x < w.length; x++) {
      w[x] = x * 0.25f - 3;
    }
    Npy.Array a = Npy.parse(Npy.write(new int[] {2, 4, 4}, w));
    assertArrayEquals(new int[] {2, 4, 4}, a.shape());
    assertArrayEquals(w, a.data());
    assertArrayEquals(w, ScoreFunction.of("bilinear", 2, 4, a, 0).weights());
    float[] s1 = ScoreFunction.of("bilinear", 2, 4, null, 1).weights();
    assertArrayEquals(s1, ScoreFunction.of("bilinear", 2, 4, null, 1).weights());
    assertTrue(!java.util.Arrays.equals(s1, ScoreFunction.of("bilinear", 2, 4, null, 2).weights()));
    assertEquals(2 * 9 * 4, ScoreFunction.of("additive", 2, 4, null, 1).weights().length);
  }

  @Test
  void badNamesShapesAndFilesAreRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> ScoreFunction.of("cosine", 1, 4, null, 0));
    assertTrue(e.getMessage().contains("--score") && e.getMessage().contains("cosine"));
    Npy.Array wrong = Npy.parse(Npy.write(new int[] {1, 4, 5}, new float[20]));
    e =
        assertThrows(
            IllegalArgumentException.class, () -> ScoreFunction.of("bilinear", 1, 4, wrong, 0));
    assertTrue(e.getMessage().contains("--score-weights") && e.getMessage().contains("[1, 4, 4]"));
    e =
        assertThrows(
            IllegalArgumentException.class, () -> ScoreFunction.of("additive", 1, 4, wrong, 0));
    assertTrue(e.getMessage().contains("[1, 9, 4]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Npy.parse(new byte[] {1, 2, 3}));
    byte[] f8 = Npy.write(new int[] {2}, new float[2]);
    String header =
        new String(f8, java.nio.charset.StandardCharsets.ISO_8859_1).replace("<f4", "<f8");
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Npy.parse(header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
    assertTrue(e.getMessage().contains("<f8"), e.getMessage());
  }

  @Test
  void additiveOnOpenClIsAClearError() {
    BackendsUnderTest.assumeOpenCl();
    try (AttentionBackend backend = BackendsUnderTest.create("opencl")) {
      UnsupportedOperationException e =
          assertThrows(
              UnsupportedOperationException.class,
              () -> backend.accumulateAdditive(null, List.of(), new float[1], null, false, null));
      assertTrue(e.getMessage().contains("opencl") && e.getMessage().contains("additive"));
    }
  }
}
