package org.longattn.kernels.bench;

import java.util.SplittableRandom;

/** Seeded benchmark inputs (uniform in [−1, 1): fast to generate, scores of order 1). */
final class BenchData {
  private BenchData() {}

  static float[] uniform(SplittableRandom rng, int count) {
    float[] a = new float[count];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (2 * rng.nextDouble() - 1);
    }
    return a;
  }

  /** FLOP convention of docs/PERFORMANCE.md: 2 for Q·Kᵀ and 2 for P·V per query, key and column. */
  static long flops(long queries, long keys, int d) {
    return 4L * queries * keys * d;
  }
}
