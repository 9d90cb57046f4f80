package org.longattn.jobs.advise;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The sampled queries of one unit (a document, or one layer of a document when the table has a
 * {@code layer} column), broadcast to every span task of the unit: positions ascending, their q
 * rows (pos.length × heads·d, head-major) and, per candidate, the unit's global positions as {@code
 * attend} applies them (the pattern's own united with the {@code global} column, padding removed).
 *
 * <p>A plain class, not a record: it is broadcast with Kryo, which cannot set record fields.
 */
final class SampledUnit implements Serializable {
  private static final long serialVersionUID = 1L;

  final String unit;
  final String docId;
  final Integer layer;
  final int n;
  final long docHash;
  final int[] pos;
  final float[] q;
  final int[] padding;

  /** Per candidate: sorted global positions. */
  final int[][] globals;

  SampledUnit(
      String unit,
      String docId,
      Integer layer,
      int n,
      long docHash,
      int[] pos,
      float[] q,
      int[] padding,
      int[][] globals) {
    this.unit = unit;
    this.docId = docId;
    this.layer = layer;
    this.n = n;
    this.docHash = docHash;
    this.pos = pos;
    this.q = q;
    this.padding = padding;
    this.globals = globals;
  }

  boolean padded(int p) {
    return padding.length > 0 && Arrays.binarySearch(padding, p) >= 0;
  }

  boolean global(int candidate, int p) {
    return Arrays.binarySearch(globals[candidate], p) >= 0;
  }
}
