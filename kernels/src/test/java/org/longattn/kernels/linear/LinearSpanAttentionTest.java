package org.longattn.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.longattn.kernels.TestData;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;

/**
 * {@link LinearSpanAttention} over one document: the outputs do not depend on how blocks are
 * grouped into spans — bitwise — for every family, causal and not (the association of every
 * reduction and scan depends on block ids only); and they match the direct definition.
 */
class LinearSpanAttentionTest {
  static final int HEADS = 2;
  static final int D = 8;
  static final int DV = 4;

  static TokenBlock[] blocks(int n, int block, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] q = TestData.gaussian(rng, n, HEADS * D, 0.5);
    float[] k = TestData.gaussian(rng, n, HEADS * D, 0.5);
    float[] v = TestData.gaussian(rng, n, HEADS * DV, 1);
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
              java.util.Arrays.copyOfRange(q, lo * HEADS * D, (lo + len) * HEADS * D),
              java.util.Arrays.copyOfRange(k, lo * HEADS * D, (lo + len) * HEADS * D),
              java.util.Arrays.copyOfRange(v, lo * HEADS * DV, (lo + len) * HEADS * DV));
    }
    return out;
  }

  /** The job's three steps for one document cut into spans of {@code spanBlocks} blocks. */
  static float[] run(LinearSpanAttention<?> a, TokenBlock[] blocks, int spanBlocks) {
    return run(a, blocks, spanBlocks, 0);
  }

  /**
   * As the job: step 2 flat ({@code fanout} 0) or in rounds of {@code fanout} aligned items (up:
   * foldRun; down: scanRun from the parent's prefix), as {@code StateRounds} does with Spark.
   */
  static List<byte[]> inputs(LinearSpanAttention<?> a, List<byte[]> totals, int fanout) {
    if (fanout == 0) {
      return a.spanInputs(totals);
    }
    List<List<byte[]>> levels = new ArrayList<>();
    levels.add(totals);
    while (levels.get(levels.size() - 1).size() > 1) {
      List<byte[]> below = levels.get(levels.size() - 1);
      List<byte[]> up = new ArrayList<>();
      for (int g = 0; g * fanout < below.size(); g++) {
        up.add(a.foldRun(below.subList(g * fanout, Math.min(below.size(), (g + 1) * fanout))));
      }
      levels.add(up);
    }
    if (!a.family().causal()) {
      return java.util.Collections.nCopies(totals.size(), levels.get(levels.size() - 1).get(0));
    }
    List<byte[]> prefixes = List.of(new byte[0]);
    for (int l = levels.size() - 2; l >= 0; l--) {
      List<byte[]> items = levels.get(l);
      List<byte[]> next = new ArrayList<>();
      for (int g = 0; g * fanout < items.size(); g++) {
        next.addAll(
            a.scanRun(
                items.subList(g * fanout, Math.min(items.size(), (g + 1) * fanout)),
                (long) g * fanout,
                prefixes.get(g)));
      }
      prefixes = next;
    }
    return prefixes;
  }

  static float[] run(LinearSpanAttention<?> a, TokenBlock[] blocks, int spanBlocks, int fanout) {
    int nb = blocks.length;
    List<byte[]> totals = new ArrayList<>();
    for (int lo = 0; lo < nb; lo += spanBlocks) {
      totals.add(a.spanTotal(b -> blocks[b], lo, Math.min(nb, lo + spanBlocks)));
    }
    List<byte[]> inputs = inputs(a, totals, fanout);
    TokenBlock last = blocks[nb - 1];
    float[] out = new float[(last.firstPos() + last.n()) * HEADS * DV];
    for (int s = 0, lo = 0; lo < nb; s++, lo += spanBlocks) {
      float[] o = a.outputs(b -> blocks[b], lo, Math.min(nb, lo + spanBlocks), inputs.get(s));
      System.arraycopy(o, 0, out, blocks[lo].firstPos() * HEADS * DV, o.length);
    }
    return out;
  }

  @ParameterizedTest(name = "{0} causal={1} n={2} block={3}")
  @CsvSource({
    "linear,false,517,16",
    "linear,true,517,16",
    "linear,true,1,16",
    "performer,false,300,8",
    "performer,true,300,8",
    "gated-linear,true,517,16",
    "gated-linear,true,65,7",
    "linformer,false,200,16"
  })
  void spansDoNotChangeABit(String family, boolean causal, int n, int block) {
    PatternSpec spec =
        PatternSpec.of(family, block, 3, causal, false, Map.of(Param.FEATURES, 16, Param.RANK, 8));
    LinearSpanAttention<?> a =
        new LinearSpanAttention<>(
            LinearFamilies.create(spec, new HeadShape(HEADS, D, DV), false), HEADS, HEADS * DV);
    TokenBlock[] blocks = blocks(n, block, n * 7L + block);
    float[] whole = run(a, blocks, Integer.highestOneBit(blocks.length) * 2);
    for (int spanBlocks : new int[] {1, 2, 4}) {
      assertArrayEquals(whole, run(a, blocks, spanBlocks), family + " spans of " + spanBlocks);
      for (int fanout : new int[] {2, 4, 16}) {
        assertArrayEquals(
            whole,
            run(a, blocks, spanBlocks, fanout),
            family + " spans of " + spanBlocks + ", scan in rounds of " + fanout);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"linear", "performer"})
  void causalMatchesTheDirectDefinition(String family) {
    int n = 133;
    PatternSpec spec =
        PatternSpec.of(family, 16, 3, true, false, Map.of(Param.FEATURES, 16, Param.RANK, 8));
    HeadShape shape = new HeadShape(HEADS, D, DV);
    LinearFamily<?> f = LinearFamilies.create(spec, shape, false);
    TokenBlock[] blocks = blocks(n, 16, 5);
    float[] out = run(new LinearSpanAttention<>(f, HEADS, HEADS * DV), blocks, 2);
    // direct: out_i = Σ_{j≤i} φ(q_i)·φ(k_j) v_j / Σ_{j≤i} φ(q_i)·φ(k_j), φ from the family's map
    for (int h = 0; h < HEADS; h++) {
      for (int i = 0; i < n; i += 11) {
        TokenBlock bi = blocks[i / 16];
        double[] fq = features(family, bi.q(), ((i % 16) * HEADS + h) * D, h);
        double den = 0;
        double[] num = new double[DV];
        for (int j = 0; j <= i; j++) {
          TokenBlock bj = blocks[j / 16];
          double[] fk = features(family, bj.k(), ((j % 16) * HEADS + h) * D, h);
          double w = 0;
          for (int t = 0; t < fq.length; t++) {
            w += fq[t] * fk[t];
          }
          den += w;
          for (int c = 0; c < DV; c++) {
            num[c] += w * bj.v()[((j % 16) * HEADS + h) * DV + c];
          }
        }
        for (int c = 0; c < DV; c++) {
          assertEquals(num[c] / den, out[(i * HEADS + h) * DV + c], 1e-5, "i=" + i + " h=" + h);
        }
      }
    }
  }

  private static double[] features(String family, float[] x, int off, int head) {
    if (family.equals("linear")) {
      double[] f = new double[D];
      for (int c = 0; c < D; c++) {
        f[c] = x[off + c] > 0 ? x[off + c] + 1.0 : Math.exp(x[off + c]);
      }
      return f;
    }
    double[] w =
        org.longattn.kernels.feature.PositiveRandomFeatures.orthogonalGaussian(
            16, D, LinearFamilies.headSeed(3, LinearFamilies.PERFORMER, head));
    double sq = 0;
    for (int c = 0; c < D; c++) {
      sq += (double) x[off + c] * x[off + c];
    }
    double[] f = new double[16];
    for (int i = 0; i < 16; i++) {
      double dot = 0;
      for (int c = 0; c < D; c++) {
        dot += w[i * D + c] * x[off + c];
      }
      f[i] = Math.exp(dot / Math.pow(D, 0.25) - sq / (2 * Math.sqrt(D))) / 4;
    }
    return f;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"dense", "bigbird", "nonsense"})
  void onlyLinearFamiliesAreBuilt(String name) {
    PatternSpec spec = PatternSpec.of(name, 16, 3, false, false, Map.of());
    assertThrows(
        IllegalArgumentException.class,
        () -> LinearFamilies.create(spec, new HeadShape(1, 4, 4), false));
  }
}
