package org.longattn.datasets;

/**
 * Standard normal draws from 32 random bits by inverse CDF: Φ⁻¹ tabulated at the 4097 points p =
 * i/4096 and interpolated linearly, with the two tail cells' outer ends placed so that each tail
 * cell keeps its exact conditional mean. About 2 ns per draw, no transcendental function at draw
 * time, and the same bits on every JVM (the table is built with {@link StrictMath}); draws are
 * bounded by ≈ ±3.9, which synthetic data does not miss.
 */
final class StandardNormal {
  private static final int CELL_BITS = 12;
  private static final int CELLS = 1 << CELL_BITS;
  private static final int FRAC_BITS = 32 - CELL_BITS;
  private static final double FRAC_SCALE = 1.0 / (1 << FRAC_BITS);
  private static final double[] TABLE = table();

  private StandardNormal() {}

  /** The draw for 32 uniformly random bits. */
  static double fromBits(int bits) {
    int cell = bits >>> FRAC_BITS;
    double frac = ((bits & ((1 << FRAC_BITS) - 1)) + 0.5) * FRAC_SCALE;
    double lo = TABLE[cell];
    return lo + frac * (TABLE[cell + 1] - lo);
  }

  private static double[] table() {
    double[] t = new double[CELLS + 1];
    for (int i = 1; i < CELLS / 2; i++) {
      t[i] = inverseCdf((double) i / CELLS);
      t[CELLS - i] = -t[i];
    }
    // Tail cell (0, 1/CELLS): its mean E[X | X < a] = −φ(a)·CELLS must be the mean of the
    // interpolation between t[0] and t[1] = a.
    double a = t[1];
    double tailMean = -StrictMath.exp(-0.5 * a * a) / StrictMath.sqrt(2 * Math.PI) * CELLS;
    t[0] = 2 * tailMean - a;
    t[CELLS] = -t[0];
    return t;
  }

  /** Φ⁻¹(p) by Acklam's rational approximation (relative error below 1.2e-9). */
  static double inverseCdf(double p) {
    final double[] a = {
      -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
    };
    final double[] b = {
      -5.447609879822406e+01,
      1.615858368580409e+02,
      -1.556989798598866e+02,
      6.680131188771972e+01,
      -1.328068155288572e+01
    };
    final double[] c = {
      -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
    };
    final double[] d = {
      7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00
    };
    final double low = 0.02425;
    if (p < low || p > 1 - low) {
      double q = StrictMath.sqrt(-2 * StrictMath.log(p < low ? p : 1 - p));
      double x =
          (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
              / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
      return p < low ? x : -x;
    }
    double q = p - 0.5;
    double r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
}
