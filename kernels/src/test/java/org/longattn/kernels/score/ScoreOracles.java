package org.longattn.kernels.score;

import org.longattn.kernels.DenseOracle;

/**
 * The oracle's scores, in double, from the raw weight layout documented on {@link ScoreFunction}.
 */
public final class ScoreOracles {
  private ScoreOracles() {}

  /** qᵀWk and vᵀtanh(Wq + Uk) written out from the stored weights (no projection). */
  public static DenseOracle.Scorer scorer(String name, float[] w, int d) {
    return switch (name) {
      case "scaled-dot" -> DenseOracle.Scorer.scaledDot(d);
      case "dot" -> (h, q, k) -> DenseOracle.Scorer.dot(q, k);
      case "bilinear" ->
          (h, q, k) -> {
            double s = 0;
            for (int a = 0; a < d; a++) {
              for (int b = 0; b < d; b++) {
                s += q[a] * w[h * d * d + a * d + b] * k[b];
              }
            }
            return s;
          };
      case "additive" ->
          (h, q, k) -> {
            int base = h * (2 * d + 1) * d;
            double s = 0;
            for (int a = 0; a < d; a++) {
              double x = 0;
              for (int c = 0; c < d; c++) {
                x += w[base + a * d + c] * q[c] + w[base + (d + a) * d + c] * k[c];
              }
              s += w[base + 2 * d * d + a] * Math.tanh(x);
            }
            return s;
          };
      default -> throw new AssertionError(name);
    };
  }
}
