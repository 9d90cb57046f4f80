package org.longattn.kernels.feature;

import java.util.SplittableRandom;

/**
 * Performer's FAVOR+ positive orthogonal random features (Choromanski et al. 2021, "Rethinking
 * Attention with Performers"), an unbiased estimate of the softmax kernel:
 *
 * <pre>
 *   x'     = x / d^(1/4)
 *   φ(x)_i = exp(ω_i·x' − |x'|²/2 − c) / √m          i = 0 .. m−1
 *   E[φ(q)·φ(k)] = e^(−2c) · exp(q·k / √d)
 * </pre>
 *
 * so φ(q)ᵀS / φ(q)ᵀz with S = Σ φ(k)vᵀ, z = Σ φ(k) estimates softmax(q·k/√d) attention (the factor
 * e^(−2c) cancels in the ratio). The map scales its input by d^(−1/4) itself: pass raw q and k.
 *
 * <p><b>ω</b> (m × d, row-major, double) is drawn from the seed alone, by {@link
 * #orthogonalGaussian}: blocks of d i.i.d. N(0, 1) rows are orthonormalised by Gram–Schmidt in
 * double, and row i is then scaled to an independent chi(d)-distributed length (the norm of a fresh
 * N(0, I_d) vector), so each row is marginally N(0, I_d) while rows within a block are exactly
 * orthogonal (lower variance than i.i.d. rows). Only {@link StableGaussian} and IEEE double
 * arithmetic are used, so the same seed gives bitwise the same ω on every JVM and executor.
 *
 * <p><b>The stabiliser c</b> is a constant fixed by the caller for the whole job. It only guards
 * the float range of φ (exp overflows float above 88.7, underflows below −103); a good choice is
 * data-independent, e.g. 0 for standardised inputs and d ≤ 128, where the exponent is at most max_i
 * |ω_i|²/2 ≈ d/2. It must never be chosen per executor or per block from the data: the keys' e^(−c)
 * factor only cancels when every key of a sum carries the same c, and a data-dependent c would also
 * make the result depend on partitioning.
 *
 * <p>The linear-attention families use {@link #applyKeys} and {@link #applyQueries}, which add
 * FAVOR+'s data-dependent stabiliser on top of c (a block maximum for keys, carried by the state; a
 * row maximum for queries), so large q and k never underflow every feature to 0.
 *
 * <p>Features are computed in double and rounded once to float; exp is {@link StrictMath#exp} (the
 * same bits on every JVM, interpreted or compiled).
 */
public final class PositiveRandomFeatures implements FeatureMap {
  private final int d;
  private final int m;
  private final long seed;
  private final double stabiliser;
  private final double[] omega;
  private final double inputScale;
  private final double outputScale;

  /**
   * @param d input width (head dimension)
   * @param m number of random features
   * @param seed the only source of ω (fixed per job)
   * @param stabiliser the constant c subtracted in every exponent (fixed per job, see above)
   */
  public PositiveRandomFeatures(int d, int m, long seed, double stabiliser) {
    if (d < 1 || m < 1) {
      throw new IllegalArgumentException("d and m must be >= 1: " + d + ", " + m);
    }
    if (!Double.isFinite(stabiliser)) {
      throw new IllegalArgumentException("stabiliser must be finite: " + stabiliser);
    }
    this.d = d;
    this.m = m;
    this.seed = seed;
    this.stabiliser = stabiliser;
    this.omega = orthogonalGaussian(m, d, seed);
    this.inputScale = 1 / Math.sqrt(Math.sqrt(d));
    this.outputScale = 1 / Math.sqrt(m);
  }

  @Override
  public int inputDim() {
    return d;
  }

  @Override
  public int featureDim() {
    return m;
  }

  public long seed() {
    return seed;
  }

  public double stabiliser() {
    return stabiliser;
  }

  /** A copy of ω, m × d row-major: ω_i = omega[i·d .. i·d + d). */
  public double[] omega() {
    return omega.clone();
  }

  @Override
  public void apply(
      float[] x, int xOff, int xStride, int n, float[] out, int outOff, int outStride) {
    FlatRows.check(x, xOff, xStride, n, d, "input");
    FlatRows.check(out, outOff, outStride, n, m, "output");
    double[] xs = new double[d];
    for (int r = 0; r < n; r++) {
      int xi = xOff + r * xStride;
      double half = 0;
      for (int j = 0; j < d; j++) {
        xs[j] = x[xi + j] * inputScale;
        half += xs[j] * xs[j];
      }
      double shift = half / 2 + stabiliser;
      int oi = outOff + r * outStride;
      for (int i = 0; i < m; i++) {
        int w = i * d;
        double dot = 0;
        for (int j = 0; j < d; j++) {
          dot += omega[w + j] * xs[j];
        }
        out[oi + i] = (float) (StrictMath.exp(dot - shift) * outputScale);
      }
    }
  }

  /**
   * FAVOR+'s stabiliser for keys: the exponents e_ri = ω_i·x'_r − |x'_r|²/2 of the whole block are
   * shifted by their maximum M before exp, so the largest feature is 1/√m and none underflows
   * because the inputs are large (without it, q = k = 30·1 gives φ = 0 and the output 0). The block
   * state carries M and rescales when it merges (like the running max of online softmax), so the
   * factor cancels exactly in the ratio and the reduction stays associative.
   *
   * @return M − c (c the constant stabiliser): the features are {@link #apply}'s times e^(−(M − c))
   */
  @Override
  public double applyKeys(
      float[] x, int xOff, int xStride, int n, float[] out, int outOff, int outStride) {
    FlatRows.check(x, xOff, xStride, n, d, "input");
    FlatRows.check(out, outOff, outStride, n, m, "output");
    double[] e = new double[n * m];
    double max = Double.NEGATIVE_INFINITY;
    double[] xs = new double[d];
    for (int r = 0; r < n; r++) {
      double half = scaled(x, xOff + r * xStride, xs) / 2;
      for (int i = 0; i < m; i++) {
        double v = dot(i, xs) - half;
        e[r * m + i] = v;
        max = Math.max(max, v);
      }
    }
    if (n == 0) {
      return 0;
    }
    for (int r = 0; r < n; r++) {
      int oi = outOff + r * outStride;
      for (int i = 0; i < m; i++) {
        out[oi + i] = (float) (StrictMath.exp(e[r * m + i] - max) * outputScale);
      }
    }
    return max - stabiliser;
  }

  /**
   * FAVOR+'s stabiliser for queries: per row, the exponents ω_i·x' are shifted by their maximum
   * (|x'|²/2 and c are per-row constants too): φ(q)_i ∝ e^(ω_i·q' − max_i ω_i·q'), the largest
   * feature 1/√m. The row's factor cancels in φ(q)ᵀS / φ(q)ᵀz.
   */
  @Override
  public void applyQueries(
      float[] x, int xOff, int xStride, int n, float[] out, int outOff, int outStride) {
    FlatRows.check(x, xOff, xStride, n, d, "input");
    FlatRows.check(out, outOff, outStride, n, m, "output");
    double[] xs = new double[d];
    double[] e = new double[m];
    for (int r = 0; r < n; r++) {
      scaled(x, xOff + r * xStride, xs);
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < m; i++) {
        e[i] = dot(i, xs);
        max = Math.max(max, e[i]);
      }
      int oi = outOff + r * outStride;
      for (int i = 0; i < m; i++) {
        out[oi + i] = (float) (StrictMath.exp(e[i] - max) * outputScale);
      }
    }
  }

  /** xs ← x'·(row at xi) = x / d^(1/4); returns |x'|². */
  private double scaled(float[] x, int xi, double[] xs) {
    double sq = 0;
    for (int j = 0; j < d; j++) {
      xs[j] = x[xi + j] * inputScale;
      sq += xs[j] * xs[j];
    }
    return sq;
  }

  /** ω_i·xs, j ascending. */
  private double dot(int i, double[] xs) {
    int w = i * d;
    double dot = 0;
    for (int j = 0; j < d; j++) {
      dot += omega[w + j] * xs[j];
    }
    return dot;
  }

  /**
   * m × d orthogonal random features from {@code seed}: ⌈m/d⌉ blocks of d Gaussian rows, each block
   * orthonormalised by modified Gram–Schmidt (applied twice, so rows are orthogonal to rounding),
   * the last block cut to m mod d rows; then row i times an independent chi(d) norm. One {@link
   * SplittableRandom} stream: all blocks first, then the m norms.
   */
  public static double[] orthogonalGaussian(int m, int d, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] w = new double[m * d];
    double[] block = new double[d * d];
    for (int b0 = 0; b0 < m; b0 += d) {
      for (int i = 0; i < d * d; i++) {
        block[i] = StableGaussian.next(rng);
      }
      int rows = Math.min(d, m - b0);
      for (int i = 0; i < rows; i++) {
        for (int pass = 0; pass < 2; pass++) {
          for (int p = 0; p < i; p++) {
            double dot = 0;
            for (int j = 0; j < d; j++) {
              dot += block[i * d + j] * block[p * d + j];
            }
            for (int j = 0; j < d; j++) {
              block[i * d + j] -= dot * block[p * d + j];
            }
          }
          double norm = 0;
          for (int j = 0; j < d; j++) {
            norm += block[i * d + j] * block[i * d + j];
          }
          norm = Math.sqrt(norm); // sqrt is correctly rounded: the same on every JVM
          if (!(norm > 1e-12)) {
            throw new IllegalStateException("degenerate Gaussian block, seed " + seed);
          }
          for (int j = 0; j < d; j++) {
            block[i * d + j] /= norm;
          }
        }
      }
      // d chi(d) norms per block (also for a cut block), so ω's first rows do not depend on m
      for (int i = 0; i < d; i++) {
        double sq = 0;
        for (int j = 0; j < d; j++) {
          double g = StableGaussian.next(rng);
          sq += g * g;
        }
        double chi = Math.sqrt(sq);
        for (int j = 0; i < rows && j < d; j++) {
          w[(b0 + i) * d + j] = block[i * d + j] * chi;
        }
      }
    }
    return w;
  }
}
