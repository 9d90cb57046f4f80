package org.longattn.kernels.feature;

import java.util.SplittableRandom;

/**
 * Standard normal samples that are bitwise the same on every JVM for the same seed: Box–Muller on
 * {@link SplittableRandom#nextDouble()} (whose algorithm is specified) with {@link StrictMath}
 * (fdlibm, specified to the bit). {@code RandomGenerator.nextGaussian} and {@link Math}'s
 * intrinsics are not specified to the bit, so random parameters (feature matrices, projections) are
 * drawn here: every executor regenerates them from the seed and must get the same bits.
 */
public final class StableGaussian {
  private StableGaussian() {}

  /** One N(0, 1) sample: √(−2 ln(1 − u1))·cos(2π u2). */
  public static double next(SplittableRandom rng) {
    double u1 = rng.nextDouble();
    double u2 = rng.nextDouble();
    return StrictMath.sqrt(-2 * StrictMath.log(1 - u1)) * StrictMath.cos(2 * Math.PI * u2);
  }
}
