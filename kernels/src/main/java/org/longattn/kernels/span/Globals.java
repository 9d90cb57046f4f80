package org.longattn.kernels.span;

/**
 * The global tokens of a document: sorted positions and their token rows (q, k: H·d values per row,
 * v: H·dv, head-major). Small by design; shipped to every span of the document.
 */
public record Globals(int[] pos, float[] q, float[] k, float[] v) {
  /** No global token. */
  public static Globals none() {
    return new Globals(new int[0], new float[0], new float[0], new float[0]);
  }

  public int size() {
    return pos.length;
  }

  /** Whether position p is global. */
  public boolean contains(int p) {
    return java.util.Arrays.binarySearch(pos, p) >= 0;
  }
}
