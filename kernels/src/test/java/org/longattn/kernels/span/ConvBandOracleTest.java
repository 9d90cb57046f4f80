package org.longattn.kernels.span;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.longattn.kernels.TestData;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.conv.ConvBand;
import org.longattn.kernels.conv.ConvBandOracle;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * conv-band against a dense double-precision oracle with an explicit n × n mask (the formula
 * written out: Ã = QKᵀ∘M, Â_ij = Σ_k φ_k Ã_{i,j+k}, re-masked, N times, Y = ÃV): radii 0..beyond
 * the document, kernels of 1–7 taps (r' ≠ r), N = 0..3, every direction, padding, awkward sizes;
 * bitwise equal for any span size.
 */
class ConvBandOracleTest {

  static Stream<Arguments> cases() {
    int[][] shapes = { // n, heads, d, dv, block, radius, taps, iterations, dir
      {1, 1, 8, 8, 4, 3, 3, 1, 0},
      {7, 1, 4, 4, 4, 2, 1, 2, 1},
      {65, 2, 8, 6, 16, 5, 5, 3, 0},
      {65, 1, 8, 8, 8, 0, 3, 1, 2},
      {130, 2, 4, 4, 16, 300, 7, 2, 1}, // radius beyond the document
      {200, 1, 16, 8, 32, 9, 3, 0, 0},
      {211, 3, 4, 4, 8, 4, 9, 2, 2}
    };
    List<Arguments> out = new ArrayList<>();
    for (int[] s : shapes) {
      out.add(Arguments.of((Object) s));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesOracle(int[] s) {
    int n = s[0];
    int heads = s[1];
    int d = s[2];
    int dv = s[3];
    HeadShape shape = new HeadShape(heads, d, dv);
    SplittableRandom rng = new SplittableRandom(n * 31L + s[5]);
    float[] q = TestData.gaussian(rng, n, heads * d, 0.5);
    float[] k = TestData.gaussian(rng, n, heads * d, 0.5);
    float[] v = TestData.gaussian(rng, n, heads * dv, 1.0);
    float[] phi = new float[s[6]];
    for (int x = 0; x < phi.length; x++) {
      phi[x] = (float) (rng.nextDouble() - 0.3);
    }
    boolean[] padded = new boolean[n];
    List<Integer> pads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      padded[i] = n > 3 && (i % 11 == 5 || i >= n - 3);
      if (padded[i]) {
        pads.add(i);
      }
    }
    int[] padding = pads.stream().mapToInt(Integer::intValue).toArray();
    AttentionPattern p =
        PatternSpec.of(
                "conv-band",
                s[4],
                0,
                s[8] == 1,
                s[8] == 2,
                Map.of(
                    Param.WINDOW,
                    s[5],
                    Param.RANDOM_BLOCKS,
                    0,
                    Param.STRIDE,
                    8,
                    Param.SUMMARY,
                    1,
                    Param.RADIUS,
                    s[5]))
            .build();
    ConvBand conv = new ConvBand(phi, s[7]);
    double[][] ref = ConvBandOracle.attend(q, k, v, n, heads, d, dv, s[5], s[8], padded, phi, s[7]);
    float[] got = run(p, shape, conv, q, k, v, n, padding, 2);
    for (int i = 0; i < n; i++) {
      for (int x = 0; x < heads * dv; x++) {
        Tolerance.assertClose(ref[i][x], got[i * heads * dv + x], Tolerance.REL, i + "," + x);
      }
    }
    for (int spanBlocks : new int[] {1, 4, 1 << 20}) {
      assertArrayEquals(got, run(p, shape, conv, q, k, v, n, padding, spanBlocks), "span");
    }
  }

  /** The document span by span, the way the job cuts it. */
  static float[] run(
      AttentionPattern p,
      HeadShape shape,
      ConvBand conv,
      float[] q,
      float[] k,
      float[] v,
      int n,
      int[] padding,
      int spanBlocks) {
    int b = p.blockSize();
    int nb = p.numBlocks(n);
    float[] out = new float[n * shape.vWidth()];
    ConvBandSpan span = new ConvBandSpan(p, shape, conv);
    Globals globals = Globals.none().withPadding(padding);
    for (int s = 0; s * spanBlocks < nb; s++) {
      SpanResult r =
          span.computeRows(
              n,
              s * spanBlocks,
              Math.min(nb, (s + 1) * spanBlocks),
              blk -> DocumentRunner.block(blk, b, n, shape, q, k, v),
              globals);
      System.arraycopy(r.out(), 0, out, r.firstPos() * shape.vWidth(), r.out().length);
    }
    return out;
  }

  @Test
  void rejectsEvenKernelsNegativeIterationsAndNonFiniteTaps() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new ConvBand(new float[2], 1))
            .getMessage()
            .contains("--conv-kernel"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new ConvBand(new float[3], -1))
            .getMessage()
            .contains("--iterations"));
    assertThrows(IllegalArgumentException.class, () -> new ConvBand(new float[] {Float.NaN}, 1));
  }
}
