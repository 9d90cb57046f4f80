package org.longattn.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.TestData;

/**
 * {@link LinearKernels} against plain scalar code that sums every element in the documented order
 * with {@link Math#fma}: bitwise equal — so the register blocking, the vector width and the edge
 * paths (4×4, 1×1, scalar columns) never change a result — and against double precision within 1e-5
 * of the terms' magnitude. Sizes cover every path: n, m, dv ∈ {1, 3, 4, 16, 17, 64, 65, 100}.
 */
class LinearKernelsTest {
  static final int[] SIZES = {1, 3, 4, 16, 17, 64, 65, 100};

  @Test
  void accumulateIsTheOrderedSumBitwise() {
    SplittableRandom rng = new SplittableRandom(1);
    for (int n : new int[] {1, 7, 65}) {
      for (int m : SIZES) {
        for (int dv : SIZES) {
          int pStride = m + 3;
          int vStride = dv + 2;
          float[] phi = positive(rng, n * pStride + 5);
          float[] v = TestData.gaussian(rng, n * vStride + 3, 1, 1.0);
          float[] s = TestData.gaussian(rng, m * dv, 1, 1.0);
          float[] z = positive(rng, m);
          float[] s2 = s.clone();
          float[] z2 = z.clone();
          LinearKernels.accumulate(phi, 5, pStride, v, 3, vStride, n, m, dv, s, z);
          for (int i = 0; i < m; i++) {
            float zi = z2[i];
            for (int j = 0; j < n; j++) {
              zi += phi[5 + j * pStride + i];
            }
            assertEquals(zi, z[i], "z n=" + n + " m=" + m);
            for (int c = 0; c < dv; c++) {
              float acc = s2[i * dv + c];
              double ref = s2[i * dv + c];
              for (int j = 0; j < n; j++) {
                acc = Math.fma(phi[5 + j * pStride + i], v[3 + j * vStride + c], acc);
                ref += (double) phi[5 + j * pStride + i] * v[3 + j * vStride + c];
              }
              assertEquals(acc, s[i * dv + c], "S n=" + n + " m=" + m + " dv=" + dv);
              assertEquals(ref, s[i * dv + c], 1e-5 * (n + 1), "S vs double");
            }
          }
        }
      }
    }
  }

  @Test
  void applyAndApplyCausalAreTheOrderedSumsBitwise() {
    SplittableRandom rng = new SplittableRandom(2);
    for (int n : new int[] {1, 5, 16, 33, 64}) {
      for (int m : SIZES) {
        for (int dv : SIZES) {
          for (boolean causal : new boolean[] {false, true}) {
            check(rng, n, m, dv, causal);
          }
        }
      }
    }
  }

  private static void check(SplittableRandom rng, int n, int m, int dv, boolean causal) {
    int pStride = m + 1;
    int vStride = dv + 4;
    int oStride = dv + 2;
    float[] phi = positive(rng, n * pStride + 2);
    float[] psi = positive(rng, n * m);
    float[] v = TestData.gaussian(rng, n * vStride, 1, 1.0);
    float[] s = TestData.gaussian(rng, m * dv, 1, 1.0);
    float[] z = positive(rng, m);
    float[] out = new float[n * oStride + 1];
    if (causal) {
      LinearKernels.applyCausal(
          phi, 2, pStride, psi, 0, m, v, 0, vStride, n, m, dv, s, z, out, 1, oStride);
    } else {
      LinearKernels.apply(phi, 2, pStride, n, m, dv, s, z, out, 1, oStride);
    }
    String at = "n=" + n + " m=" + m + " dv=" + dv + " causal=" + causal;
    for (int r = 0; r < n; r++) {
      int p = 2 + r * pStride;
      float[] a = new float[n];
      double[] ad = new double[n];
      for (int j = 0; causal && j <= r; j++) {
        float x = 0f;
        for (int i = 0; i < m; i++) {
          x = Math.fma(phi[p + i], psi[j * m + i], x);
          ad[j] += (double) phi[p + i] * psi[j * m + i];
        }
        a[j] = x;
      }
      float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        s0 = Math.fma(phi[p + i], z[i], s0);
        s1 = Math.fma(phi[p + i + 1], z[i + 1], s1);
        s2 = Math.fma(phi[p + i + 2], z[i + 2], s2);
        s3 = Math.fma(phi[p + i + 3], z[i + 3], s3);
      }
      for (; i < m; i++) {
        s0 = Math.fma(phi[p + i], z[i], s0);
      }
      float den = (s0 + s1) + (s2 + s3);
      double denD = 0;
      for (i = 0; i < m; i++) {
        denD += (double) phi[p + i] * z[i];
      }
      for (int j = 0; causal && j <= r; j++) {
        den += a[j];
        denD += ad[j];
      }
      for (int c = 0; c < dv; c++) {
        float num = 0f;
        double numD = 0;
        double mag = 0;
        for (i = 0; i < m; i++) {
          num = Math.fma(phi[p + i], s[i * dv + c], num);
          numD += (double) phi[p + i] * s[i * dv + c];
          mag += Math.abs((double) phi[p + i] * s[i * dv + c]);
        }
        for (int j = 0; causal && j <= r; j++) {
          num = Math.fma(a[j], v[j * vStride + c], num);
          numD += ad[j] * v[j * vStride + c];
          mag += Math.abs(ad[j] * v[j * vStride + c]);
        }
        float got = out[1 + r * oStride + c];
        assertEquals(num / den, got, at + " r=" + r + " c=" + c);
        assertEquals(numD / denD, got, 1e-5 * (1 + mag / denD), at + " vs double");
      }
    }
  }

  @Test
  void eluPlusOneMatchesTheDefinition() {
    SplittableRandom rng = new SplittableRandom(3);
    for (int d : SIZES) {
      float[] x = TestData.gaussian(rng, 9 * (d + 1), 1, 4.0);
      float[] out = new float[9 * d];
      LinearKernels.eluPlusOne(x, 1, d + 1, 8, d, out, 0, d);
      for (int r = 0; r < 8; r++) {
        for (int c = 0; c < d; c++) {
          double e = x[1 + r * (d + 1) + c];
          double ref = e > 0 ? e + 1 : Math.exp(e);
          assertEquals(ref, out[r * d + c], 1e-6 * ref, "d=" + d);
        }
      }
    }
  }

  private static float[] positive(SplittableRandom rng, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (0.05 + rng.nextDouble());
    }
    return a;
  }
}
