package org.longattn.kernels.pattern;

import java.util.Arrays;

/** Small helpers over sorted int sets (positions, block ids). */
public final class Positions {
  private Positions() {}

  /** lo, lo+1, …, hi−1 (empty when hi ≤ lo). */
  public static int[] range(int lo, int hi) {
    int[] r = new int[Math.max(0, hi - lo)];
    for (int i = 0; i < r.length; i++) {
      r[i] = lo + i;
    }
    return r;
  }

  /** The sorted, distinct union of the given arrays (nulls are empty). */
  public static int[] union(int[]... sets) {
    int total = 0;
    for (int[] s : sets) {
      total += s == null ? 0 : s.length;
    }
    int[] all = new int[total];
    int k = 0;
    for (int[] s : sets) {
      if (s != null) {
        System.arraycopy(s, 0, all, k, s.length);
        k += s.length;
      }
    }
    Arrays.sort(all);
    int w = 0;
    for (int i = 0; i < all.length; i++) {
      if (w == 0 || all[i] != all[w - 1]) {
        all[w++] = all[i];
      }
    }
    return Arrays.copyOf(all, w);
  }
}
