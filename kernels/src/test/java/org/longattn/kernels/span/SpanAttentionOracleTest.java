package org.longattn.kernels.span;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.DenseOracle;
import org.longattn.kernels.TestData;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;

/**
 * Every pattern × causal × awkward shapes, every backend, against the double-precision oracle
 * within {@link Tolerance#REL}; and bitwise equality across span sizes.
 */
class SpanAttentionOracleTest {

  record Case(
      String pattern,
      boolean causal,
      int n,
      int heads,
      int d,
      int dv,
      int block,
      int window,
      int random,
      int spanBlocks,
      int globals) {
    @Override
    public String toString() {
      return pattern
          + (causal ? "+causal" : "")
          + " n="
          + n
          + " "
          + heads
          + "x"
          + d
          + "/"
          + dv
          + " b="
          + block
          + " w="
          + window
          + " r="
          + random
          + " span="
          + spanBlocks
          + " g="
          + globals;
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    int[][] shapes = { // n, heads, d, dv, block
      {1, 1, 8, 8, 4},
      {7, 1, 16, 16, 4},
      {64, 1, 32, 32, 16},
      {65, 2, 16, 16, 16},
      {200, 3, 24, 16, 16},
      {333, 1, 64, 64, 32},
      {517, 2, 8, 12, 8}
    };
    for (String pattern : PatternSpec.NAMES) {
      for (boolean causal : new boolean[] {false, true}) {
        for (int[] s : shapes) {
          for (String backend : BackendsUnderTest.names()) {
            int window = s[0] < 50 ? 3 * s[0] : 37; // also wider than the document
            int spanBlocks = s[0] % 2 == 0 ? 1 : 4;
            int globals = pattern.equals("dense") ? 1 : 3;
            out.add(
                Arguments.of(
                    backend,
                    new Case(
                        pattern,
                        causal,
                        s[0],
                        s[1],
                        s[2],
                        s[3],
                        s[4],
                        window,
                        2,
                        spanBlocks,
                        globals)));
          }
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void matchesOracle(String backendName, Case c) {
    SplittableRandom rng = new SplittableRandom(c.hashCode());
    HeadShape shape = new HeadShape(c.heads, c.d, c.dv);
    float[] q = TestData.gaussian(rng, c.n, shape.qkWidth(), 1.0);
    float[] k = TestData.gaussian(rng, c.n, shape.qkWidth(), 1.0);
    float[] v = TestData.gaussian(rng, c.n, shape.vWidth(), 1.0);
    int[] colGlobals = new int[Math.min(c.globals, c.n)];
    for (int g = 0; g < colGlobals.length; g++) {
      colGlobals[g] = (int) ((long) g * 7919 % c.n);
    }
    AttentionPattern p =
        new PatternSpec(c.pattern, c.block, c.window, 1, c.random, 42, c.causal).build();
    long docHash = Seeds.docHash("doc-" + c.n);
    DenseOracle.Result ref =
        DenseOracle.attend(p, q, k, v, c.n, c.heads, c.d, c.dv, docHash, colGlobals);
    try (AttentionBackend backend = BackendsUnderTest.create(backendName)) {
      DocumentRunner.Output got =
          DocumentRunner.run(
              p, backend, shape, q, k, v, c.n, docHash, colGlobals, c.spanBlocks, true);
      for (int i = 0; i < c.n; i++) {
        for (int x = 0; x < shape.vWidth(); x++) {
          Tolerance.assertClose(
              ref.out()[i][x],
              got.out()[i * shape.vWidth() + x],
              Tolerance.REL,
              "out[" + i + "][" + x + "]");
        }
        for (int h = 0; h < c.heads; h++) {
          int idx = i * c.heads + h;
          Tolerance.assertClose(
              ref.entropy()[i][h],
              got.entropy()[idx],
              Tolerance.REL,
              "entropy[" + i + "][" + h + "]");
          Tolerance.assertClose(
              ref.meanDistance()[i][h],
              got.meanDistance()[idx],
              Tolerance.REL,
              "mean_distance[" + i + "][" + h + "]");
          Tolerance.assertClose(
              ref.maxWeight()[i][h],
              got.maxWeight()[idx],
              Tolerance.REL,
              "max_weight[" + i + "][" + h + "]");
          Tolerance.assertClose(
              ref.globalMass()[i][h],
              got.globalMass()[idx],
              Tolerance.REL,
              "global_mass[" + i + "][" + h + "]");
        }
      }
      // Same document, other power-of-two span sizes: bitwise the same output.
      for (int spanBlocks : new int[] {1, 2, 8, 1 << 20}) {
        DocumentRunner.Output other =
            DocumentRunner.run(
                p, backend, shape, q, k, v, c.n, docHash, colGlobals, spanBlocks, true);
        assertArrayEquals(got.out(), other.out(), "out differs with span " + spanBlocks);
        assertArrayEquals(
            got.entropy(), other.entropy(), "entropy differs with span " + spanBlocks);
      }
    }
  }
}
