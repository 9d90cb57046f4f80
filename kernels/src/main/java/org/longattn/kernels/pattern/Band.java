package org.longattn.kernels.pattern;

/**
 * A token-level band: query i may read key j iff i − left ≤ j ≤ i + right and (i − j) is a multiple
 * of {@code dilation}. {@link #UNBOUNDED} on a side means no limit there. Causal masking is right =
 * min(right, 0).
 */
public record Band(int left, int right, int dilation) {
  /** A side without limit (large, but far from overflow when added to a position). */
  public static final int UNBOUNDED = 1 << 30;

  /** Every pair allowed. */
  public static final Band ALL = new Band(UNBOUNDED, UNBOUNDED, 1);

  /** No pair allowed (a pattern without a band part, e.g. {@code fixed}). */
  public static final Band NONE = new Band(-1, -1, 1);

  public Band {
    if (left < -UNBOUNDED || right < -UNBOUNDED || left > UNBOUNDED || right > UNBOUNDED) {
      throw new IllegalArgumentException("band sides out of range: " + left + ", " + right);
    }
    if (dilation < 1) {
      throw new IllegalArgumentException("dilation must be >= 1: " + dilation);
    }
  }

  /** This band with keys after the query cut off. */
  public Band causal() {
    return new Band(left, Math.min(right, 0), dilation);
  }

  /** This band with keys before the query cut off (anticausal: j ≥ i). */
  public Band anticausal() {
    return new Band(Math.min(left, 0), right, dilation);
  }

  /** Whether no pair at all is allowed (−left > right). */
  public boolean isEmpty() {
    return (long) left + right < 0;
  }

  /** Whether query position i may read key position j. */
  public boolean allows(int i, int j) {
    long d = (long) j - i;
    return d >= -left && d <= right && (dilation == 1 || Math.floorMod(d, dilation) == 0);
  }

  /**
   * Whether every pair with i in [qLo, qHi] and j in [kLo, kHi] is allowed (a tile without mask).
   */
  public boolean allowsAll(int qLo, int qHi, int kLo, int kHi) {
    return dilation == 1 && (long) kLo - qHi >= -left && (long) kHi - qLo <= right;
  }

  /** Whether no pair with i in [qLo, qHi] and j in [kLo, kHi] is allowed (a tile to skip). */
  public boolean allowsNone(int qLo, int qHi, int kLo, int kHi) {
    return isEmpty() || (long) kHi - qLo < -left || (long) kLo - qHi > right;
  }
}
