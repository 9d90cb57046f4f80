package org.longattn.kernels;

/**
 * n key/value rows of one head: key r is {@code k[kOff + r·d ..)}, value r is {@code v[vOff + r·dv
 * ..)} (row-major), at document position {@code pos[posOff + r]}, positions ascending. {@code
 * flags} (nullable) marks keys {@link #EXCLUDED} (never read) or {@link #GLOBAL} (their mass goes
 * to gsum).
 */
public record KeyRows(
    float[] k,
    int kOff,
    float[] v,
    int vOff,
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
    if (n < 0 || d < 1 || dv < 1 || kOff < 0 || vOff < 0) {
      throw new IllegalArgumentException("bad key rows: n=" + n + " d=" + d + " dv=" + dv);
    }
    if ((long) kOff + (long) n * d > k.length || (long) vOff + (long) n * dv > v.length) {
      throw new IllegalArgumentException("key/value rows out of range");
    }
    if (posOff < 0 || posOff + n > pos.length) {
      throw new IllegalArgumentException("key positions out of range");
    }
    if (flags != null && (flagsOff < 0 || flagsOff + n > flags.length)) {
      throw new IllegalArgumentException("key flags out of range");
    }
  }

  /** Position of key r. */
  public int position(int r) {
    return pos[posOff + r];
  }

  /** Flags of key r (0 when there are none). */
  public byte flag(int r) {
    return flags == null ? 0 : flags[flagsOff + r];
  }
}
