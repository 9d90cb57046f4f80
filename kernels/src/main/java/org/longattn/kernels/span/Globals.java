package org.longattn.kernels.span;

/**
 * What every span of a document needs to know about the whole document: its global tokens — sorted
 * positions and their token rows (q, k: H·d values per row, v: H·dv, head-major) — and its padding
 * positions (the token table's {@code mask} = false: neither query nor key anywhere; sorted; never
 * global). Small by design; shipped to every span of the document.
 */
public record Globals(int[] pos, float[] q, float[] k, float[] v, int[] padding) {
  /** Global rows without padding. */
  public Globals(int[] pos, float[] q, float[] k, float[] v) {
    this(pos, q, k, v, new int[0]);
  }

  /** No global token, no padding. */
  public static Globals none() {
    return new Globals(new int[0], new float[0], new float[0], new float[0]);
  }

  /** These global rows with the document's padding positions (sorted). */
  public Globals withPadding(int[] paddingPositions) {
    return new Globals(pos, q, k, v, paddingPositions);
  }

  public int size() {
    return pos.length;
  }

  /** Whether position p is global. */
  public boolean contains(int p) {
    return java.util.Arrays.binarySearch(pos, p) >= 0;
  }

  /** Whether position p is padding (neither query nor key). */
  public boolean padded(int p) {
    return padding.length > 0 && java.util.Arrays.binarySearch(padding, p) >= 0;
  }
}
