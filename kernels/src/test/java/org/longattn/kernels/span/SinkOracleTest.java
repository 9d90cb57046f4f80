package org.longattn.kernels.span;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
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
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.score.ScoreFunction;
import org.longattn.kernels.score.ScoreOracles;

/**
 * {@code sink} (sliding window with attention sinks) against the double-precision reference: the
 * pattern's mask must be, pair for pair, the definition written out here (j ≤ i and (j &lt; S or i
 * − j &lt; W), globals and padding as for every softmax pattern), and the span kernels must match
 * the dense oracle over that mask for lengths 1 … 3000, S ∈ {1, 4, 16}, W ∈ {1, 7, 64, 300}, with
 * small spans (many span boundaries), global tokens and padding; every score function too.
 */
class SinkOracleTest {

  private static final int[] LENGTHS = {1, 2, 7, 63, 64, 65, 517, 1000, 3000};
  private static final int[] SINKS = {1, 4, 16};
  private static final int[] WINDOWS = {1, 7, 64, 300};

  static Stream<Arguments> grid() {
    List<Arguments> out = new ArrayList<>();
    for (int n : LENGTHS) {
      for (int s : SINKS) {
        for (int w : WINDOWS) {
          out.add(Arguments.of(n, s, w));
        }
      }
    }
    return out.stream();
  }

  static PatternSpec spec(int block, int sinks, int window) {
    return PatternSpec.of(
            "sink", block, 7, false, false, Map.of(Param.WINDOW, window, Param.RANDOM_BLOCKS, 0))
        .withSinks(sinks);
  }

  /** The definition, written out independently of the pattern classes. */
  static boolean[][] definition(int n, int s, int w, int[] globals, boolean[] padded) {
    boolean[] global = new boolean[n];
    for (int g : globals) {
      global[g] = !padded[g];
    }
    boolean[][] m = new boolean[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        m[i][j] = !padded[i] && !padded[j] && (global[i] || global[j] || j < s || i - j < w);
      }
    }
    return m;
  }

  /** Some scattered padding (and a padded tail) on even lengths; none on odd ones. */
  static boolean[] padding(int n, long seed) {
    boolean[] padded = new boolean[n];
    if (n % 2 == 0 && n > 2) {
      SplittableRandom rng = new SplittableRandom(seed);
      for (int x = 0; x < Math.max(1, n / 20); x++) {
        padded[rng.nextInt(n)] = true;
      }
      padded[n - 1] = true;
    }
    return padded;
  }

  static int[] positions(boolean[] flags) {
    int c = 0;
    int[] p = new int[flags.length];
    for (int i = 0; i < flags.length; i++) {
      if (flags[i]) {
        p[c++] = i;
      }
    }
    return Arrays.copyOf(p, c);
  }

  @ParameterizedTest(name = "n={0} S={1} W={2}")
  @MethodSource("grid")
  void exactAgainstTheReference(int n, int s, int w) {
    int block = n < 100 ? 8 : 32;
    AttentionPattern p = spec(block, s, w).build();
    assertTrue(p.causal());
    int[] globals = OracleCheck.globals(n, 3);
    boolean[] padded = padding(n, n * 31L + s * 7L + w);
    boolean[][] want = definition(n, s, w, globals, padded);
    long docHash = (n * 31L + s) * 131 + w;
    for (int h = 0; h < 2; h++) {
      boolean[][] got = DenseOracle.mask(p, n, docHash, h, globals, padded);
      for (int i = 0; i < n; i++) {
        if (!Arrays.equals(want[i], got[i])) {
          throw new AssertionError("mask row " + i + " differs from the definition (head " + h);
        }
      }
    }
    OracleCheck.check(
        "java", p, new HeadShape(2, 8, 8), n, 2, globals, positions(padded), n * 1000L + s + w);
  }

  static Stream<Arguments> scores() {
    List<Arguments> out = new ArrayList<>();
    for (String backend : BackendsUnderTest.names()) {
      for (String score : ScoreFunction.NAMES) {
        if (score.equals("additive") && !backend.equals("java")) {
          continue; // additive: java only
        }
        out.add(Arguments.of(backend, score, 203, 4, 7));
        out.add(Arguments.of(backend, score, 65, 16, 1));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} n={2} S={3} W={4}")
  @MethodSource("scores")
  void everyScoreFunctionMatchesTheReference(
      String backendName, String score, int n, int s, int w) {
    HeadShape shape = new HeadShape(2, 8, 8);
    SplittableRandom rng = new SplittableRandom(score.hashCode() + n);
    float[] q = TestData.gaussian(rng, n, shape.qkWidth(), 1.0);
    float[] k = TestData.gaussian(rng, n, shape.qkWidth(), 1.0);
    float[] v = TestData.gaussian(rng, n, shape.vWidth(), 1.0);
    ScoreFunction f = ScoreFunction.of(score, shape.heads(), shape.d(), null, 99);
    int[] globals = {n / 2};
    AttentionPattern p = spec(16, s, w).build();
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
            new boolean[n],
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
  void sinkIsCausalByDefinitionAndRejectsBadParameters() {
    PatternSpec causal =
        PatternSpec.of("sink", 8, 7, true, false, Map.of(Param.WINDOW, 5, Param.RANDOM_BLOCKS, 0))
            .withSinks(2);
    assertEquals(spec(8, 2, 5), causal); // --causal changes nothing
    assertEquals(true, spec(8, 2, 5).parameters().get("causal"));
    assertEquals(2, spec(8, 2, 5).parameters().get("sinks"));
    assertEquals(5, spec(8, 2, 5).parameters().get("window"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                PatternSpec.of(
                    "sink",
                    8,
                    7,
                    false,
                    true,
                    Map.of(
                        Param.WINDOW,
                        5,
                        Param.RANDOM_BLOCKS,
                        0,
                        Param.STRIDE,
                        6,
                        Param.SUMMARY,
                        2)));
    assertTrue(e.getMessage().contains("--anticausal"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec(8, 2, 0).build());
    assertTrue(e.getMessage().contains("--window"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec(8, -1, 5));
    assertTrue(e.getMessage().contains("--sinks"), e.getMessage());
    // S = 0 is the plain causal window; keys per query stay S + W whatever the length
    AttentionPattern none = spec(8, 0, 3).build();
    assertEquals(null, none.columnGroups());
    AttentionPattern p = spec(8, 4, 3).build();
    for (int i : new int[] {0, 3, 6, 7, 100, 9999}) {
      long band = Math.min(3, i + 1);
      assertEquals(Math.min(i + 1, 4 + 3), band + p.columnGroups().countKeys(i, 10000), "i=" + i);
    }
    int[] blocks = p.localKeyBlocks(10000, 0, 0, 600);
    assertTrue(blocks.length <= 3, Arrays.toString(blocks));
    assertEquals(0, blocks[0]);
  }
}
