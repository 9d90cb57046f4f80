package org.longattn.kernels.feature;

import java.util.SplittableRandom;

/**
 * Log-gates for gated linear attention when the token table has no {@code gate} column: a seeded
 * projection of the key, as GLA derives its gates from the token (Yang et al. 2023 use
 * logσ(x·W)/16):
 *
 * <pre>
 *   g_t[i] = logσ((W k_t)[i]) / 16       W: d × d, entries N(0, 1)/√d from the seed alone
 *   logσ(x) = −softplus(−x) = −(max(−x, 0) + log1p(e^{−|x|}))   ≤ 0
 * </pre>
 *
 * so every gate is in (−∞, 0] and a key's decay e^g is in (0, 1]; with |k| ≈ √d the gates sit
 * around logσ(0)/16 ≈ −0.043 (a memory of a few dozen tokens). W is drawn with {@link
 * StableGaussian} (bitwise the same on every executor); gates are computed in double and rounded
 * once to float.
 */
public final class GateProjection {
  /** The temperature τ of g = logσ(Wk)/τ. */
  public static final double TEMPERATURE = 16;

  private final int d;
  private final double[] w;

  /** The projection of one head (pass a per-head seed). */
  public GateProjection(int d, long seed) {
    this.d = d;
    this.w = matrix(d, seed);
  }

  /** W (d × d, row-major): the seeded matrix, also for oracles. */
  public static double[] matrix(int d, long seed) {
    if (d < 1) {
      throw new IllegalArgumentException("d must be >= 1: " + d);
    }
    SplittableRandom rng = new SplittableRandom(seed);
    double scale = 1 / Math.sqrt(d);
    double[] w = new double[d * d];
    for (int i = 0; i < w.length; i++) {
      w[i] = StableGaussian.next(rng) * scale;
    }
    return w;
  }

  /** logσ(x) = −softplus(−x), never positive. */
  public static double logSigmoid(double x) {
    return -(Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
  }

  /**
   * Gate rows for n keys: key row r is {@code k[kOff + r·kStride .. + d)}, gate row r is written to
   * {@code g[gOff + r·gStride .. + d)}.
   */
  public void apply(float[] k, int kOff, int kStride, int n, float[] g, int gOff, int gStride) {
    FlatRows.check(k, kOff, kStride, n, d, "key");
    FlatRows.check(g, gOff, gStride, n, d, "gate");
    for (int r = 0; r < n; r++) {
      int kr = kOff + r * kStride;
      for (int i = 0; i < d; i++) {
        double x = 0;
        for (int c = 0; c < d; c++) {
          x += w[i * d + c] * k[kr + c];
        }
        g[gOff + r * gStride + i] = (float) (logSigmoid(x) / TEMPERATURE);
      }
    }
  }
}
