package org.longattn.kernels.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.TestData;

/**
 * {@link Gemm} and {@link RowOps} against double-precision loops. Tolerance: relative to Σ|x·w|,
 * 1e-6 per unit of k (fp32 FMA accumulation of up to 1,600 terms).
 */
class GemmTest {
  @Test
  void multiplyMatchesDoubleLoopsOnAwkwardShapes() {
    SplittableRandom rng = new SplittableRandom(16);
    int[] ns = {1, 3, 4, 5, 9, 130};
    int[] ins = {1, 7, 384};
    int[] outs = {1, 15, Gemm.NR, Gemm.NR + 1, 3 * Gemm.NR - 5};
    for (int n : ns) {
      for (int in : ins) {
        for (int out : outs) {
          int ldx = in + 3;
          int ldy = out + 2;
          float[] x = TestData.gaussian(rng, n * ldx + 5, 1, 1);
          float[] w = TestData.gaussian(rng, in * out, 1, 1);
          float[] b = TestData.gaussian(rng, out, 1, 1);
          float[] y = new float[n * ldy + 7];
          y[y.length - 1] = 42;
          Gemm.multiply(x, 5, ldx, n, new PackedMatrix(w, b, in, out), y, 7, ldy);
          for (int r = 0; r < n; r++) {
            for (int c = 0; c < out; c++) {
              double s = b[c];
              double mag = Math.abs(b[c]);
              for (int k = 0; k < in; k++) {
                s += (double) x[5 + r * ldx + k] * w[k * out + c];
                mag += Math.abs((double) x[5 + r * ldx + k] * w[k * out + c]);
              }
              double err = Math.abs(s - y[7 + r * ldy + c]);
              assertTrue(
                  err <= 1e-6 * mag * Math.max(1, Math.sqrt(in)),
                  n + "×" + in + "×" + out + " at " + r + "," + c + ": error " + err);
            }
          }
          // padding columns of the last panel are not written past the row
          assertTrue(y[y.length - 1] == 42 || out + 2 > ldy, "wrote past the last row");
        }
      }
    }
  }

  @Test
  void concatIsTheProjectionsSideBySide() {
    SplittableRandom rng = new SplittableRandom(3);
    int in = 9;
    float[] w1 = TestData.gaussian(rng, in * 5, 1, 1);
    float[] w2 = TestData.gaussian(rng, in * 70, 1, 1);
    float[] b1 = TestData.gaussian(rng, 5, 1, 1);
    float[] b2 = TestData.gaussian(rng, 70, 1, 1);
    float[] x = TestData.gaussian(rng, 6 * in, 1, 1);
    float[] both = new float[6 * 75];
    Gemm.multiply(
        x,
        0,
        in,
        6,
        PackedMatrix.concat(in, new float[][] {w1, w2}, new float[][] {b1, b2}),
        both,
        0,
        75);
    float[] y1 = new float[6 * 5];
    float[] y2 = new float[6 * 70];
    Gemm.multiply(x, 0, in, 6, new PackedMatrix(w1, b1, in, 5), y1, 0, 5);
    Gemm.multiply(x, 0, in, 6, new PackedMatrix(w2, b2, in, 70), y2, 0, 70);
    for (int r = 0; r < 6; r++) {
      for (int c = 0; c < 75; c++) {
        float e = c < 5 ? y1[r * 5 + c] : y2[r * 70 + c - 5];
        assertTrue(e == both[r * 75 + c], "row " + r + " col " + c);
      }
    }
  }

  @Test
  void erfAndGeluMatchTheSeries() {
    double maxErf = 0;
    for (double x = -7; x <= 7; x += 1e-3) {
      maxErf = Math.max(maxErf, Math.abs(RowOps.erf((float) x) - EncoderOracle.erf((float) x)));
    }
    assertTrue(maxErf < 6e-7, "erf max abs error " + maxErf);
    float[] v = new float[1001];
    for (int i = 0; i < v.length; i++) {
      v[i] = (i - 500) / 50f; // −10 .. 10, and a scalar tail when 1001 % lanes ≠ 0
    }
    float[] g = v.clone();
    RowOps.gelu(g, 0, g.length);
    for (int i = 0; i < v.length; i++) {
      double x = v[i];
      double e = 0.5 * x * (1 + EncoderOracle.erf(x / Math.sqrt(2)));
      assertTrue(Math.abs(e - g[i]) <= 1e-6 * Math.max(1, Math.abs(x)), "gelu(" + x + ")");
    }
  }

  @Test
  void layerNormMatchesDoubleLoops() {
    SplittableRandom rng = new SplittableRandom(5);
    for (int h : new int[] {1, 7, 384, 385}) {
      int n = 3;
      float[] x = TestData.gaussian(rng, 2 + n * h, 1, 3);
      float[] a = TestData.gaussian(rng, 1 + n * h, 1, 1);
      float[] g = TestData.gaussian(rng, h, 1, 1);
      float[] b = TestData.gaussian(rng, h, 1, 1);
      double[] e = new double[n * h];
      for (int i = 0; i < n * h; i++) {
        e[i] = (double) x[2 + i] + a[1 + i];
      }
      EncoderOracle.layerNorm(e, n, h, g, b, 1e-5);
      RowOps.addLayerNorm(a, 1, x, 2, n, h, g, b, 1e-5f);
      for (int i = 0; i < n * h; i++) {
        assertTrue(
            Math.abs(e[i] - x[2 + i]) <= 1e-5 * (1 + Math.abs(b[i % h]) + Math.abs(g[i % h]) * 4),
            "h " + h + " at " + i);
      }
    }
  }
}
