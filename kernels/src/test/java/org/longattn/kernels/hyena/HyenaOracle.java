package org.longattn.kernels.hyena;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Hyena operator straight from its definition, in double precision: full filters h_i[c][0..n)
 * from {@link HyenaFilter} (the same filters), direct O(n²) causal sums y[t] = Σ_{j≤t} h[t−j]·u[j],
 * gates in double. Shares nothing with {@link BlockConvolution} (no FFT, no spans, no float
 * rounding between steps). Public: the jobs module's end-to-end tests use it.
 */
public final class HyenaOracle {
  /**
   * Normwise relative tolerance per channel: max_t |y_t − ŷ_t| ≤ REL · max_t |ŷ_t|. FFT rounding is
   * normwise (≈ ε·log M·‖·‖ per transform), not element-wise, and spectra travel as fp32 (ε ≈ 6e-8)
   * through two convolutions: ≈ 1e-6 is expected, 1e-5 leaves a 10× margin.
   */
  public static final double REL = 1e-5;

  private HyenaOracle() {}

  /** out[t][c] for q, k, v of n rows × C channels (C = filter.channels()). */
  public static double[][] apply(HyenaFilter filter, float[] q, float[] k, float[] v) {
    int n = filter.n();
    int channels = filter.channels();
    double[][] z = new double[channels][n];
    for (int t = 0; t < n; t++) {
      for (int c = 0; c < channels; c++) {
        z[c][t] = v[t * channels + c];
      }
    }
    double[][] h = new double[channels][n];
    for (int step = 1; step <= filter.order(); step++) {
      float[] x = step % 2 == 1 ? q : k;
      filter.segment(step, 0, n, h, 0);
      for (int c = 0; c < channels; c++) {
        double[] u = new double[n];
        for (int t = 0; t < n; t++) {
          u[t] = x[t * channels + c] * z[c][t];
        }
        for (int t = 0; t < n; t++) {
          double s = 0;
          for (int j = 0; j <= t; j++) {
            s += h[c][t - j] * u[j];
          }
          z[c][t] = s;
        }
      }
    }
    double[][] out = new double[n][channels];
    for (int t = 0; t < n; t++) {
      for (int c = 0; c < channels; c++) {
        out[t][c] = z[c][t];
      }
    }
    return out;
  }

  /** Asserts {@code actual} (n rows × C) within {@link #REL}, normwise per channel. */
  public static void assertClose(double[][] expected, float[] actual, String what) {
    int n = expected.length;
    int channels = expected[0].length;
    for (int c = 0; c < channels; c++) {
      double scale = 0;
      double err = 0;
      int worst = 0;
      for (int t = 0; t < n; t++) {
        scale = Math.max(scale, Math.abs(expected[t][c]));
        double e = Math.abs(expected[t][c] - actual[t * channels + c]);
        if (!(e <= err)) {
          err = e;
          worst = t;
        }
      }
      if (!(err <= REL * scale) && !(scale == 0 && err == 0)) {
        fail(
            what
                + " channel "
                + c
                + ": max error "
                + err
                + " at t="
                + worst
                + " exceeds "
                + REL
                + " × max |y| = "
                + scale);
      }
    }
  }
}
