package org.longattn.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.longattn.kernels.linear.LinearOracles.assertWithin;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.TestData;
import org.longattn.kernels.state.LinformerProjection;
import org.longattn.kernels.state.TreeFold;

/**
 * {@link LinformerProjection} reduced over blocks against the dense formula softmax(scale·q(EK)ᵀ)FV
 * in double, with E and F built from the same seeded columns.
 *
 * <p>Tolerance: |o − o_ref| ≤ 1e-5·max|V'|. K' and V' entries are fp32 sums of n terms of both
 * signs (a block sequentially, then a tree), so their error is ≈ 6e-8·√n relative to Σ|terms|,
 * which is ≈ |K'| here (Gaussian sums); the scores inherit it (|scale·q·δK'| ≈ 1e-6 for n ≤ 400)
 * and the output moves by that times the spread of V'. Measured worst 3.2e-7.
 */
class LinformerProjectionTest {

  static List<LinformerProjection> blocks(
      long seed, int rank, float[] k, float[] v, int n, int d, int dv, int block) {
    List<LinformerProjection> out = new ArrayList<>();
    for (int lo = 0; lo < n; lo += block) {
      LinformerProjection p = LinformerProjection.identity(seed, rank, d, dv);
      p.accumulate(k, lo * d, d, v, lo * dv, dv, Math.min(block, n - lo), lo);
      out.add(p);
    }
    return out;
  }

  /** softmax(scale·q K'ᵀ) V' with K' = E K, V' = F V in double, E/F from the seeded columns. */
  static double[][] dense(
      long seed,
      int rank,
      float[] q,
      float[] k,
      float[] v,
      int nq,
      int n,
      int d,
      int dv,
      double scale) {
    double[][] kp = new double[rank][d];
    double[][] vp = new double[rank][dv];
    for (int p = 0; p < n; p++) {
      float[] e = LinformerProjection.keyColumn(seed, p, rank);
      float[] f = LinformerProjection.valueColumn(seed, p, rank);
      for (int r = 0; r < rank; r++) {
        for (int c = 0; c < d; c++) {
          kp[r][c] += (double) e[r] * k[p * d + c];
        }
        for (int c = 0; c < dv; c++) {
          vp[r][c] += (double) f[r] * v[p * dv + c];
        }
      }
    }
    double[][] out = new double[nq][dv + 1];
    for (int i = 0; i < nq; i++) {
      double[] s = new double[rank];
      double max = Double.NEGATIVE_INFINITY;
      for (int r = 0; r < rank; r++) {
        for (int c = 0; c < d; c++) {
          s[r] += scale * q[i * d + c] * kp[r][c];
        }
        max = Math.max(max, s[r]);
      }
      double l = 0;
      for (int r = 0; r < rank; r++) {
        double p = Math.exp(s[r] - max);
        l += p;
        for (int c = 0; c < dv; c++) {
          out[i][c] += p * vp[r][c];
        }
      }
      double vmax = 0;
      for (int c = 0; c < dv; c++) {
        out[i][c] /= l;
        for (int r = 0; r < rank; r++) {
          vmax = Math.max(vmax, Math.abs(vp[r][c]));
        }
      }
      out[i][dv] = vmax;
    }
    return out;
  }

  @Test
  void blockSumMatchesDenseFormula() {
    SplittableRandom rng = new SplittableRandom(71);
    int[][] cases = {
      {1, 8, 8, 4, 16}, {50, 16, 24, 8, 16}, {333, 16, 8, 32, 64}, {400, 32, 32, 16, 1}
    };
    for (int[] cs : cases) {
      int n = cs[0];
      int d = cs[1];
      int dv = cs[2];
      int rank = cs[3];
      int block = cs[4];
      long seed = 99 + n;
      float[] q = TestData.gaussian(rng, 20, d, 1);
      float[] k = TestData.gaussian(rng, n, d, 1);
      float[] v = TestData.gaussian(rng, n, dv, 1);
      float scale = (float) (1 / Math.sqrt(d));
      LinformerProjection all =
          TreeFold.fold(blocks(seed, rank, k, v, n, d, dv, block), LinformerProjection::merge);
      assertEquals(n, all.tokens());
      float[] out = new float[20 * dv];
      all.attend(q, 0, d, 20, scale, out, 0, dv);
      double[][] ref = dense(seed, rank, q, k, v, 20, n, d, dv, scale);
      for (int i = 0; i < 20; i++) {
        for (int c = 0; c < dv; c++) {
          assertWithin(ref[i][c], out[i * dv + c], ref[i][dv], 1e-5, "n=" + n + " row " + i);
        }
      }
    }
  }

  /** Columns come from (seed, position): another blocking gives the same K', V' up to rounding. */
  @Test
  void blockingDoesNotChangeTheProjection() {
    SplittableRandom rng = new SplittableRandom(72);
    int n = 100;
    float[] k = TestData.gaussian(rng, n, 8, 1);
    float[] v = TestData.gaussian(rng, n, 4, 1);
    LinformerProjection a =
        TreeFold.fold(blocks(5, 16, k, v, n, 8, 4, 7), LinformerProjection::merge);
    LinformerProjection b =
        TreeFold.fold(blocks(5, 16, k, v, n, 8, 4, 32), LinformerProjection::merge);
    LinformerProjection c =
        TreeFold.fold(blocks(6, 16, k, v, n, 8, 4, 32), LinformerProjection::merge);
    double diffSeed = 0;
    for (int i = 0; i < a.kp.length; i++) {
      assertEquals(a.kp[i], b.kp[i], 1e-5 * Math.sqrt(n));
      diffSeed = Math.max(diffSeed, Math.abs(b.kp[i] - c.kp[i]));
    }
    for (int i = 0; i < a.vp.length; i++) {
      assertEquals(a.vp[i], b.vp[i], 1e-5 * Math.sqrt(n));
    }
    assertEquals(true, diffSeed > 0.1, "another seed, another projection");
    assertArrayEquals(
        LinformerProjection.keyColumn(5, 42, 16), LinformerProjection.keyColumn(5, 42, 16));
  }

  @Test
  void monoidLawsAndSerialisation() {
    SplittableRandom rng = new SplittableRandom(73);
    float[] k = TestData.gaussian(rng, 30, 4, 1);
    float[] v = TestData.gaussian(rng, 30, 3, 1);
    List<LinformerProjection> bs = blocks(3, 8, k, v, 30, 4, 3, 10);
    LinformerProjection e = LinformerProjection.identity(3, 8, 4, 3);
    LinformerProjection x = bs.get(0);
    x.kp[0] = -0.0f;
    assertBits(x, LinformerProjection.merge(e, x));
    assertBits(x, LinformerProjection.merge(x, e));
    assertBits(
        LinformerProjection.merge(bs.get(1), bs.get(2)),
        LinformerProjection.merge(bs.get(2), bs.get(1)));
    ByteBuffer buf = ByteBuffer.allocate(x.byteSize());
    x.writeTo(buf);
    assertEquals(x.byteSize(), buf.position());
    buf.flip();
    assertBits(x, LinformerProjection.readFrom(buf));
    float[] out = {7, 7, 7};
    e.attend(new float[4], 0, 4, 1, 1f, out, 0, 3);
    assertArrayEquals(new float[3], out, "no key: zeros");
    assertThrows(
        IllegalArgumentException.class,
        () -> x.mergeInPlace(LinformerProjection.identity(4, 8, 4, 3)));
  }

  static void assertBits(LinformerProjection a, LinformerProjection b) {
    assertEquals(a.seed, b.seed);
    assertEquals(a.tokens(), b.tokens());
    assertArrayEquals(LinearStateTest.bits(a.kp), LinearStateTest.bits(b.kp));
    assertArrayEquals(LinearStateTest.bits(a.vp), LinearStateTest.bits(b.vp));
  }
}
