package org.longattn.kernels.conv;

import java.io.Serializable;
import java.util.Arrays;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.pattern.Band;

/**
 * Banded convolutional attention, the formula as stated (no softmax, no 1/√d):
 *
 * <pre>
 *   A   = Q Kᵀ,  Ã = A masked to the band (|i − j| ≤ r, the direction, padding) — 0 outside
 *   Â_ij = Σ_{k=−r'..r'} φ_k · Ã_{i, j+k}        (Ã is 0 where j+k is outside the band or document)
 *   Ã ← Â masked again; repeated N times (N = 0: no convolution)
 *   Y   = Ã V
 * </pre>
 *
 * φ has 2r'+1 taps listed for k = −r'..r'; r' need not equal r. Rows are independent: query i only
 * needs the keys of its band, so a span needs a halo of r tokens (the Longformer routing). Scores
 * and the convolution run in double per row; outputs are rounded once. Immutable.
 */
public final class ConvBand implements Serializable {
  private final float[] phi;
  private final int iterations;

  /**
   * @param phi the taps φ_{−r'}..φ_{r'} (odd length)
   * @param iterations N ≥ 0
   */
  public ConvBand(float[] phi, int iterations) {
    if (phi.length % 2 == 0) {
      throw new IllegalArgumentException(
          "--conv-kernel must have an odd number of taps (2r'+1), got " + phi.length);
    }
    if (iterations < 0) {
      throw new IllegalArgumentException("--iterations must be >= 0, got " + iterations);
    }
    for (float f : phi) {
      if (!Float.isFinite(f)) {
        throw new IllegalArgumentException("--conv-kernel: taps must be finite numbers");
      }
    }
    this.phi = phi.clone();
    this.iterations = iterations;
  }

  /** The taps φ (a copy). */
  public float[] phi() {
    return phi.clone();
  }

  public int iterations() {
    return iterations;
  }

  /**
   * Output rows of the queries: {@code out[outOff + r·outStride + c]} = Σ_j Ã_ij·v_j[c] for query
   * r. {@code keys} holds a contiguous run of positions covering every query's band (keys flagged
   * {@link KeyRows#EXCLUDED} are masked like positions outside the band).
   */
  public void compute(
      QueryRows queries, KeyRows keys, Band band, float[] out, int outOff, int outStride) {
    int d = queries.d();
    int dv = keys.dv();
    int r2 = phi.length / 2;
    int kLo = keys.n() == 0 ? 0 : keys.position(0);
    int kHi = kLo + keys.n() - 1;
    double[] a = new double[0];
    double[] b = new double[0];
    double[] y = new double[dv];
    for (int r = 0; r < queries.n(); r++) {
      int pi = queries.position(r);
      int lo = (int) Math.max(kLo, (long) pi - band.left());
      int hi = (int) Math.min(kHi, (long) pi + band.right());
      int m = hi - lo + 1;
      Arrays.fill(y, 0);
      if (m > 0) {
        if (a.length < m) {
          a = new double[m];
          b = new double[m];
        }
        int qo = queries.off() + r * queries.stride();
        for (int t = 0; t < m; t++) {
          int kr = lo + t - kLo;
          a[t] = 0;
          if ((keys.flag(kr) & KeyRows.EXCLUDED) == 0) {
            int ko = keys.kOff() + kr * keys.kStride();
            double s = 0;
            for (int c = 0; c < d; c++) {
              s += (double) queries.q()[qo + c] * keys.k()[ko + c];
            }
            a[t] = s;
          }
        }
        for (int it = 0; it < iterations; it++) {
          for (int t = 0; t < m; t++) {
            double s = 0;
            for (int k = -r2; k <= r2; k++) {
              int u = t + k;
              if (u >= 0 && u < m) {
                s += phi[k + r2] * a[u];
              }
            }
            boolean excluded = (keys.flag(lo + t - kLo) & KeyRows.EXCLUDED) != 0;
            b[t] = excluded ? 0 : s;
          }
          double[] swap = a;
          a = b;
          b = swap;
        }
        for (int t = 0; t < m; t++) {
          int vo = keys.vOff() + (lo + t - kLo) * keys.vStride();
          for (int c = 0; c < dv; c++) {
            y[c] += a[t] * keys.v()[vo + c];
          }
        }
      }
      int o = outOff + r * outStride;
      for (int c = 0; c < dv; c++) {
        out[o + c] = (float) y[c];
      }
    }
  }
}
