package org.longattn.jobs;

import org.longattn.kernels.feature.GateProjection;
import org.longattn.kernels.feature.PositiveRandomFeatures;
import org.longattn.kernels.linear.LinearFamilies;
import org.longattn.kernels.state.LinformerProjection;

/**
 * Double-precision oracles of the linear-attention families from their direct definitions, one
 * document at a time, rows head-major as the token table stores them (q, k: heads·d per token, v:
 * heads·dv, gate: heads·d or null). Shares nothing with the job but the seeded matrices (ω, E/F,
 * the gate projection W), which it fetches from the same public functions.
 *
 * <p>Every result is {@code double[n][2·heads·dv]}: the output, then per value the magnitude of its
 * terms (the scale float rounding is relative to), for tolerances.
 */
public final class LinearOracle {
  private LinearOracle() {}

  /**
   * Linear attention with an explicit mask: o_i = Σ_{j∈M(i)} w_ij v_j / Σ_{j∈M(i)} w_ij, w_ij =
   * φ(q_i)·φ(k_j), M(i) = {j ≤ i} (causal) or all j. φ = elu+1 ({@code features} = 0) or FAVOR+
   * with m = {@code features} and the job's ω.
   */
  public static double[][] linear(
      float[] q,
      float[] k,
      float[] v,
      int n,
      int heads,
      int d,
      int dv,
      boolean causal,
      int features,
      long seed) {
    double[][] out = new double[n][2 * heads * dv];
    for (int h = 0; h < heads; h++) {
      double[][] pq = new double[n][];
      double[][] pk = new double[n][];
      double[] omega =
          features > 0
              ? PositiveRandomFeatures.orthogonalGaussian(
                  features, d, LinearFamilies.headSeed(seed, LinearFamilies.PERFORMER, h))
              : null;
      for (int i = 0; i < n; i++) {
        pq[i] = phi(q, (i * heads + h) * d, d, omega, features);
        pk[i] = phi(k, (i * heads + h) * d, d, omega, features);
      }
      for (int i = 0; i < n; i++) {
        double den = 0;
        double[] num = new double[dv];
        double[] abs = new double[dv];
        for (int j = 0; j < n; j++) {
          if (causal && j > i) {
            continue; // the mask
          }
          double w = 0;
          for (int t = 0; t < pq[i].length; t++) {
            w += pq[i][t] * pk[j][t];
          }
          den += w;
          for (int c = 0; c < dv; c++) {
            double x = v[(j * heads + h) * dv + c];
            num[c] += w * x;
            abs[c] += w * Math.abs(x);
          }
        }
        for (int c = 0; c < dv; c++) {
          out[i][h * dv + c] = den == 0 ? 0 : num[c] / den;
          out[i][heads * dv + h * dv + c] = den == 0 ? 0 : abs[c] / den;
        }
      }
    }
    return out;
  }

  private static double[] phi(float[] x, int off, int d, double[] omega, int m) {
    if (omega == null) {
      double[] f = new double[d];
      for (int c = 0; c < d; c++) {
        double e = x[off + c];
        f[c] = e > 0 ? e + 1 : Math.exp(e); // elu(x) + 1
      }
      return f;
    }
    // FAVOR+: exp(ω_i·x/d^¼ − |x|²/(2√d)) / √m, stabiliser 0
    double[] f = new double[m];
    double sq = 0;
    for (int c = 0; c < d; c++) {
      sq += (double) x[off + c] * x[off + c];
    }
    for (int i = 0; i < m; i++) {
      double dot = 0;
      for (int c = 0; c < d; c++) {
        dot += omega[i * d + c] * x[off + c];
      }
      f[i] = Math.exp(dot / Math.pow(d, 0.25) - sq / (2 * Math.sqrt(d))) / Math.sqrt(m);
    }
    return f;
  }

  /**
   * GLA token by token: S_t = diag(e^{g_t})·S_{t−1} + k_t v_tᵀ, o_t = S_tᵀq_t per head; g from
   * {@code gate} or, when null, g_t[i] = logσ((W_h k_t)[i])/16 with the job's seeded W_h.
   */
  public static double[][] gla(
      float[] q, float[] k, float[] v, float[] gate, int n, int heads, int d, int dv, long seed) {
    double[][] out = new double[n][2 * heads * dv];
    for (int h = 0; h < heads; h++) {
      double[] w =
          gate == null
              ? GateProjection.matrix(d, LinearFamilies.headSeed(seed, LinearFamilies.GATE, h))
              : null;
      double[] st = new double[d * dv];
      double[] ab = new double[d * dv];
      for (int t = 0; t < n; t++) {
        int ko = (t * heads + h) * d;
        for (int i = 0; i < d; i++) {
          double g;
          if (gate != null) {
            g = gate[ko + i];
          } else {
            double x = 0;
            for (int c = 0; c < d; c++) {
              x += w[i * d + c] * k[ko + c];
            }
            g = -Math.log1p(Math.exp(-x)) / 16; // log σ(x) / 16
            if (x < -30) {
              g = (x - Math.log1p(Math.exp(x))) / 16;
            }
          }
          double decay = Math.exp(g);
          for (int c = 0; c < dv; c++) {
            double kv = k[ko + i] * (double) v[(t * heads + h) * dv + c];
            st[i * dv + c] = decay * st[i * dv + c] + kv;
            ab[i * dv + c] = decay * ab[i * dv + c] + Math.abs(kv);
          }
        }
        for (int i = 0; i < d; i++) {
          double qi = q[ko + i];
          for (int c = 0; c < dv; c++) {
            out[t][h * dv + c] += st[i * dv + c] * qi;
            out[t][heads * dv + h * dv + c] += ab[i * dv + c] * Math.abs(qi);
          }
        }
      }
    }
    return out;
  }

  /**
   * Linformer from the dense formula: K' = E·K, V' = F·V (rank × n times n × d) with the job's
   * seeded columns e_p, f_p; o_i = softmax(q_i K'ᵀ/√d)·V'. The scale column holds Σ_r p_r |V'_r|.
   */
  public static double[][] linformer(
      float[] q, float[] k, float[] v, int n, int heads, int d, int dv, int rank, long seed) {
    double[][] out = new double[n][2 * heads * dv];
    for (int h = 0; h < heads; h++) {
      long hs = LinearFamilies.headSeed(seed, LinearFamilies.LINFORMER, h);
      double[][] kp = new double[rank][d];
      double[][] vp = new double[rank][dv];
      for (int p = 0; p < n; p++) {
        float[] e = LinformerProjection.keyColumn(hs, p, rank);
        float[] f = LinformerProjection.valueColumn(hs, p, rank);
        for (int r = 0; r < rank; r++) {
          for (int c = 0; c < d; c++) {
            kp[r][c] += e[r] * (double) k[(p * heads + h) * d + c];
          }
          for (int c = 0; c < dv; c++) {
            vp[r][c] += f[r] * (double) v[(p * heads + h) * dv + c];
          }
        }
      }
      for (int i = 0; i < n; i++) {
        double[] s = new double[rank];
        double max = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < rank; r++) {
          for (int c = 0; c < d; c++) {
            s[r] += q[(i * heads + h) * d + c] * kp[r][c];
          }
          s[r] /= Math.sqrt(d);
          max = Math.max(max, s[r]);
        }
        double l = 0;
        for (int r = 0; r < rank; r++) {
          s[r] = Math.exp(s[r] - max);
          l += s[r];
        }
        for (int c = 0; c < dv; c++) {
          double o = 0;
          double a = 0;
          for (int r = 0; r < rank; r++) {
            o += s[r] * vp[r][c];
            a += s[r] * Math.abs(vp[r][c]);
          }
          out[i][h * dv + c] = o / l;
          out[i][heads * dv + h * dv + c] = a / l;
        }
      }
    }
    return out;
  }
}
