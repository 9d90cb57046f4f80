package org.longattn.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.longattn.kernels.Backends;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.InputRangeException;
import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.TestData;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;

/**
 * Linear families with large q and k. FAVOR+ with its stabiliser (a per-row max for query features,
 * a per-block max for key features carried by the state): four identical tokens q = k = s·1 (d = 4,
 * one head) attend uniformly for every s, so the answer is mean(v) (causal: the mean of the values
 * so far) — without the stabiliser every feature underflows and the output is 0 for s ≥ 8. And the
 * outputs stay bitwise independent of how blocks are grouped into spans when blocks carry different
 * shifts; elu+1 at 1e30 is finite.
 */
class LargeInputLinearTest {
  @ParameterizedTest(name = "s={0} causal={1} {2}")
  @CsvSource({
    "1,false,java", "8,false,java", "10,false,java", "30,false,java",
    "1,true,java", "8,true,java", "10,true,java", "30,true,java",
    "8,false,opencl", "30,false,opencl", "30,true,opencl"
  })
  void performerOnEqualTokensGivesTheMeanOfTheValues(float s, boolean causal, String backend) {
    int n = 4;
    int d = 4;
    int dv = 3;
    float[] q = new float[n * d];
    java.util.Arrays.fill(q, s);
    float[] v = TestData.gaussian(new SplittableRandom(5), n, dv, 1.0);
    if (backend.equals("opencl")) {
      BackendsUnderTest.assumeOpenCl();
    }
    for (int block : new int[] {4, 1, 2}) {
      PatternSpec spec =
          PatternSpec.of(
              "performer", block, 11, causal, false, Map.of(Param.FEATURES, 16, Param.RANK, 8));
      HeadShape shape = new HeadShape(1, d, dv);
      float[] out;
      try (LinearAttentionBackend be = Backends.linear(backend, -1)) {
        LinearSpanAttention<?> a =
            new LinearSpanAttention<>(LinearFamilies.create(spec, shape, false, be), 1, dv);
        out = run(a, blocks(q, q, v, n, d, dv, block), 1, 0, dv);
      }
      for (int i = 0; i < n; i++) {
        int seen = causal ? i + 1 : n;
        for (int c = 0; c < dv; c++) {
          double mean = 0;
          for (int j = 0; j < seen; j++) {
            mean += v[j * dv + c];
          }
          mean /= seen;
          assertEquals(mean, out[i * dv + c], 1e-5, "row " + i + " col " + c + " block " + block);
        }
      }
    }
  }

  /**
   * Blocks of very different magnitudes carry different key shifts; merges rescale them. The output
   * must not depend on the span grouping (bitwise) and must be finite.
   */
  @ParameterizedTest(name = "{0} causal={1}")
  @CsvSource({"performer,false", "performer,true", "linear,false", "linear,true"})
  void rescaledStatesStayBitwiseIndependentOfSpans(String family, boolean causal) {
    int n = 200;
    int block = 8;
    HeadShape shape = new HeadShape(LinearSpanAttentionTest.HEADS, 8, 4);
    SplittableRandom rng = new SplittableRandom(17);
    int w = shape.qkWidth();
    float[] q = TestData.gaussian(rng, n, w, 1);
    float[] k = TestData.gaussian(rng, n, w, 1);
    float[] v = TestData.gaussian(rng, n, shape.vWidth(), 1);
    float big = family.equals("linear") ? 1e25f : 6f;
    for (int r = 0; r < n; r++) {
      float f = (r / block) % 3 == 1 ? big : 1f; // every third block large
      for (int c = 0; c < w; c++) {
        q[r * w + c] *= f;
        k[r * w + c] *= f;
      }
    }
    PatternSpec spec =
        PatternSpec.of(family, block, 3, causal, false, Map.of(Param.FEATURES, 16, Param.RANK, 8));
    LinearSpanAttention<?> a =
        new LinearSpanAttention<>(
            LinearFamilies.create(spec, shape, false), shape.heads(), shape.vWidth());
    TokenBlock[] blocks = blocks(q, k, v, n, w, shape.vWidth(), block);
    float[] whole = run(a, blocks, 32, 0, shape.vWidth());
    for (float x : whole) {
      assertTrue(Float.isFinite(x), "non-finite output " + x);
    }
    for (int spanBlocks : new int[] {1, 2, 8}) {
      assertArrayEquals(whole, run(a, blocks, spanBlocks, 0, shape.vWidth()), "span " + spanBlocks);
      assertArrayEquals(
          whole, run(a, blocks, spanBlocks, 2, shape.vWidth()), "span " + spanBlocks + " rounds");
    }
  }

  /** q, k ×1e30: elu+1 features of 1e30 would overflow φ(q)ᵀS; the answer is finite. */
  @ParameterizedTest(name = "causal={0}")
  @CsvSource({"false", "true"})
  void linearAtHugeScaleIsFiniteOrRefused(boolean causal) {
    int n = 64;
    HeadShape shape = new HeadShape(1, 8, 4);
    SplittableRandom rng = new SplittableRandom(3);
    float[] q = TestData.gaussian(rng, n, 8, 1e30);
    float[] k = TestData.gaussian(rng, n, 8, 1e30);
    float[] v = TestData.gaussian(rng, n, 4, 1);
    for (String family : new String[] {"linear", "performer", "gated-linear"}) {
      PatternSpec spec =
          PatternSpec.of(family, 16, 3, causal, false, Map.of(Param.FEATURES, 16, Param.RANK, 8));
      LinearSpanAttention<?> a =
          new LinearSpanAttention<>(LinearFamilies.create(spec, shape, false), 1, 4);
      try {
        float[] out = run(a, blocks(q, k, v, n, 8, 4, 16), 1, 0, 4);
        for (float x : out) {
          assertTrue(Float.isFinite(x), family + ": non-finite output " + x);
        }
      } catch (InputRangeException e) {
        assertTrue(e.getMessage().startsWith("pos "), e.getMessage());
        assertTrue(
            !family.equals("linear"), "linear is rescaled, never refused: " + e.getMessage());
      }
    }
  }

  /** {@link LinearSpanAttentionTest#run} for any output width. */
  static float[] run(
      LinearSpanAttention<?> a, TokenBlock[] blocks, int spanBlocks, int fanout, int outWidth) {
    int nb = blocks.length;
    java.util.List<byte[]> totals = new java.util.ArrayList<>();
    for (int lo = 0; lo < nb; lo += spanBlocks) {
      totals.add(a.spanTotal(b -> blocks[b], lo, Math.min(nb, lo + spanBlocks)));
    }
    java.util.List<byte[]> inputs = LinearSpanAttentionTest.inputs(a, totals, fanout);
    TokenBlock last = blocks[nb - 1];
    float[] out = new float[(last.firstPos() + last.n()) * outWidth];
    for (int s = 0, lo = 0; lo < nb; s++, lo += spanBlocks) {
      float[] o = a.outputs(b -> blocks[b], lo, Math.min(nb, lo + spanBlocks), inputs.get(s));
      System.arraycopy(o, 0, out, blocks[lo].firstPos() * outWidth, o.length);
    }
    return out;
  }

  static TokenBlock[] blocks(float[] q, float[] k, float[] v, int n, int w, int vw, int block) {
    int nb = (n + block - 1) / block;
    TokenBlock[] out = new TokenBlock[nb];
    for (int b = 0; b < nb; b++) {
      int lo = b * block;
      int len = Math.min(n, lo + block) - lo;
      out[b] =
          new TokenBlock(
              b,
              lo,
              len,
              java.util.Arrays.copyOfRange(q, lo * w, (lo + len) * w),
              java.util.Arrays.copyOfRange(k, lo * w, (lo + len) * w),
              java.util.Arrays.copyOfRange(v, lo * vw, (lo + len) * vw));
    }
    return out;
  }
}
