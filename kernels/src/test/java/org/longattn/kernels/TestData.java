package org.longattn.kernels;

import java.util.SplittableRandom;

/** Seeded random token rows for tests. */
public final class TestData {
  private TestData() {}

  /** n·width Gaussian values times {@code scale}. */
  public static float[] gaussian(SplittableRandom rng, int n, int width, double scale) {
    float[] a = new float[n * width];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (nextGaussian(rng) * scale);
    }
    return a;
  }

  public static double nextGaussian(SplittableRandom rng) {
    double u1 = rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }
}
