package org.longattn.kernels;

/**
 * n query rows of one head: row r is {@code q[off + r·d .. off + r·d + d)} (row-major) at document
 * position {@code pos[posOff + r]}. Positions ascend.
 */
public record QueryRows(float[] q, int off, int n, int d, int[] pos, int posOff) {
  public QueryRows {
    if (n < 0 || d < 1 || off < 0 || (long) off + (long) n * d > q.length) {
      throw new IllegalArgumentException("query rows out of range: n=" + n + " d=" + d);
    }
    if (posOff < 0 || posOff + n > pos.length) {
      throw new IllegalArgumentException("query positions out of range");
    }
  }

  /** Position of row r. */
  public int position(int r) {
    return pos[posOff + r];
  }
}
