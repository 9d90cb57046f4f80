package org.longattn.kernels.feature;

/**
 * Range checks for n rows of a flat row-major array: row r is {@code a[off + r·stride .. off +
 * r·stride + width)}, the layout of {@code QueryRows} and {@code KeyRows}. With token rows of H
 * heads (head-major), head h of token r starts at {@code r·H·width + h·width}: off = h·width,
 * stride = H·width.
 */
public final class FlatRows {
  private FlatRows() {}

  /**
   * Throws unless n ≥ 0, width ≥ 1, off ≥ 0, stride ≥ width and every row lies inside {@code a}.
   */
  public static void check(float[] a, int off, int stride, int n, int width, String what) {
    if (n < 0 || width < 1 || off < 0 || stride < width) {
      throw new IllegalArgumentException(
          "bad "
              + what
              + " rows: n="
              + n
              + " width="
              + width
              + " off="
              + off
              + " stride="
              + stride);
    }
    if (n > 0 && (long) off + (long) (n - 1) * stride + width > a.length) {
      throw new IllegalArgumentException(what + " rows out of range");
    }
  }
}
