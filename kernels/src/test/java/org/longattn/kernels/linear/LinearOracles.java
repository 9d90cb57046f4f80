package org.longattn.kernels.linear;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Double-precision oracles from the direct definitions, O(n²) or token by token, sharing nothing
 * with the state classes but the meaning of the inputs. Rows are contiguous: row i of a width-w
 * array is {@code a[i·w .. i·w + w)}.
 */
final class LinearOracles {
  private LinearOracles() {}

  /** elu(x) + 1 in double. */
  static double[] eluPlusOne(float[] x) {
    double[] f = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      f[i] = x[i] > 0 ? x[i] + 1.0 : Math.exp(x[i]);
    }
    return f;
  }

  /**
   * o_i = Σ_j w_ij v_j / Σ_j w_ij with w_ij = φ(q_i)·φ(k_j) over j ≤ i (causal) or all j. Row i
   * holds o_i (dv values) and then Σ_j w_ij |v_j| / Σ_j w_ij (dv values): the magnitude of the
   * output's terms, the scale fp32 rounding is relative to.
   */
  static double[][] linear(
      double[] phiQ, double[] phiK, float[] v, int n, int m, int dv, boolean causal) {
    double[][] out = new double[n][2 * dv];
    for (int i = 0; i < n; i++) {
      double den = 0;
      double[] num = new double[dv];
      double[] abs = new double[dv];
      for (int j = 0; j < (causal ? i + 1 : n); j++) {
        double w = 0;
        for (int t = 0; t < m; t++) {
          w += phiQ[i * m + t] * phiK[j * m + t];
        }
        den += w;
        for (int c = 0; c < dv; c++) {
          num[c] += w * v[j * dv + c];
          abs[c] += w * Math.abs(v[j * dv + c]);
        }
      }
      for (int c = 0; c < dv; c++) {
        out[i][c] = num[c] / den;
        out[i][dv + c] = abs[c] / den;
      }
    }
    return out;
  }

  /** Exact softmax(scale·q·k) attention over all keys: out[i][c]. */
  static double[][] softmax(
      float[] q, float[] k, float[] v, int nq, int nk, int d, int dv, double scale) {
    double[][] out = new double[nq][dv];
    double[] s = new double[nk];
    for (int i = 0; i < nq; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < nk; j++) {
        double dot = 0;
        for (int c = 0; c < d; c++) {
          dot += (double) q[i * d + c] * k[j * d + c];
        }
        s[j] = scale * dot;
        max = Math.max(max, s[j]);
      }
      double l = 0;
      for (int j = 0; j < nk; j++) {
        double p = Math.exp(s[j] - max);
        l += p;
        for (int c = 0; c < dv; c++) {
          out[i][c] += p * v[j * dv + c];
        }
      }
      for (int c = 0; c < dv; c++) {
        out[i][c] /= l;
      }
    }
    return out;
  }

  /**
   * GLA token by token: S_t = diag(e^{g_t})S_{t−1} + k_t v_tᵀ, o_t = S_tᵀq_t. Row t of the result
   * holds o_t (dv values) and then the same recurrence on |q|, |k|, |v| (dv values): the sum of the
   * magnitudes of o_t's terms, the scale fp32 rounding is relative to.
   */
  static double[][] gla(float[] q, float[] k, float[] v, float[] g, int n, int dk, int dv) {
    double[][] out = new double[n][2 * dv];
    double[] st = new double[dk * dv];
    double[] ab = new double[dk * dv];
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < dk; i++) {
        double decay = Math.exp(g[t * dk + i]);
        double ki = k[t * dk + i];
        for (int c = 0; c < dv; c++) {
          double vc = v[t * dv + c];
          st[i * dv + c] = decay * st[i * dv + c] + ki * vc;
          ab[i * dv + c] = decay * ab[i * dv + c] + Math.abs(ki * vc);
        }
      }
      for (int i = 0; i < dk; i++) {
        double qi = q[t * dk + i];
        for (int c = 0; c < dv; c++) {
          out[t][c] += st[i * dv + c] * qi;
          out[t][dv + c] += ab[i * dv + c] * Math.abs(qi);
        }
      }
    }
    return out;
  }

  /** |expected − actual| ≤ rel·scale + 1e-30. */
  static void assertWithin(double expected, double actual, double scale, double rel, String what) {
    if (!(Math.abs(expected - actual) <= rel * scale + 1e-30)) {
      fail(
          what
              + ": expected "
              + expected
              + " got "
              + actual
              + " (rel "
              + rel
              + " of "
              + scale
              + ")");
    }
  }
}
