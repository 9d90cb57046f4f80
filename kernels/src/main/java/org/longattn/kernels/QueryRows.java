package org.longattn.kernels;

/**
 * n query rows of one head: row r is {@code q[off + r·stride .. off + r·stride + d)}, at document
 * position {@code pos[posOff + r]}, or {@code posOff + r} when {@code pos} is null (a contiguous
 * run). Positions ascend. With token rows of H heads (head-major), head h of token r starts at
 * {@code r·H·d + h·d}: off = h·d, stride = H·d.
 */
public record QueryRows(float[] q, int off, int stride, int n, int d, int[] pos, int posOff) {
  public QueryRows {
    if (n < 0 || d < 1 || stride < d || off < 0) {
      throw new IllegalArgumentException(
          "bad query rows: n=" + n + " d=" + d + " stride=" + stride);
    }
    if (n > 0 && (long) off + (long) (n - 1) * stride + d > q.length) {
      throw new IllegalArgumentException("query rows out of range");
    }
    if (pos != null && (posOff < 0 || posOff + n > pos.length)) {
      throw new IllegalArgumentException("query positions out of range");
    }
  }

  /** Position of row r. */
  public int position(int r) {
    return pos == null ? posOff + r : pos[posOff + r];
  }
}
