package org.longattn.kernels;

/**
 * n key/value rows of one head: key r is {@code k[kOff + r·kStride ..)} (d values), value r is
 * {@code v[vOff + r·vStride ..)} (dv values), at document position {@code pos[posOff + r]} or
 * {@code posOff + r} when {@code pos} is null. Positions ascend. {@code flags} (nullable) marks
 * keys {@link #EXCLUDED} (never read) or {@link #GLOBAL} (their mass goes to gsum).
 */
public record KeyRows(
    float[] k,
    int kOff,
    int kStride,
    float[] v,
    int vOff,
    int vStride,
    int n,
    int d,
    int dv,
    int[] pos,
    int posOff,
    byte[] flags,
    int flagsOff) {

  /** Flag bit: the key is not read by these queries. */
  public static final byte EXCLUDED = 1;

  /** Flag bit: the key is a global token (counted in gsum). */
  public static final byte GLOBAL = 2;

  public KeyRows {
    if (n < 0 || d < 1 || dv < 1 || kOff < 0 || vOff < 0 || kStride < d || vStride < dv) {
      throw new IllegalArgumentException("bad key rows: n=" + n + " d=" + d + " dv=" + dv);
    }
    if (n > 0
        && ((long) kOff + (long) (n - 1) * kStride + d > k.length
            || (long) vOff + (long) (n - 1) * vStride + dv > v.length)) {
      throw new IllegalArgumentException("key/value rows out of range");
    }
    if (pos != null && (posOff < 0 || posOff + n > pos.length)) {
      throw new IllegalArgumentException("key positions out of range");
    }
    if (flags != null && (flagsOff < 0 || flagsOff + n > flags.length)) {
      throw new IllegalArgumentException("key flags out of range");
    }
  }

  /** Position of key r. */
  public int position(int r) {
    return pos == null ? posOff + r : pos[posOff + r];
  }

  /** Flags of key r (0 when there are none). */
  public byte flag(int r) {
    return flags == null ? 0 : flags[flagsOff + r];
  }
}
