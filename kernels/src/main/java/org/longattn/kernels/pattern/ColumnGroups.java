package org.longattn.kernels.pattern;

import java.util.List;

/**
 * The column part of a pattern's local key set, for patterns whose reach is not one band (the
 * Sparse Transformer's {@code strided} and {@code fixed}). Queries fall into groups, and a query
 * reads the keys of its group that one of {@link #bands()} allows:
 *
 * <pre>
 *   column(i, j) = inGroup(groupOf(i), j) and (b.allows(i, j) for some b in bands())
 * </pre>
 *
 * The bands are pairwise disjoint and the column part is disjoint from the pattern's band part, so
 * every pair is counted once. Why groups: the keys of a group are the same for all its queries, so
 * a span gathers them once per group and runs the ordinary tile kernel over the gathered rows (no
 * kernel per pattern).
 */
public interface ColumnGroups {

  /** The group of query position i. */
  int groupOf(int i);

  /** Whether key position j belongs to group g. */
  boolean inGroup(int g, int j);

  /** The smallest key position ≥ j of group g (≥ j; may be past the document's end). */
  int nextInGroup(int g, int j);

  /** Disjoint bands (direction folded in) that select a group's keys for a query. */
  List<Band> bands();

  /** column(i, j), as defined above. */
  default boolean allows(int i, int j) {
    if (!inGroup(groupOf(i), j)) {
      return false;
    }
    for (Band b : bands()) {
      if (b.allows(i, j)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Strided columns: group of i = i mod period; group g holds the keys j ≡ g (mod period).
   *
   * @param period the stride l ≥ 1
   */
  record Residues(int period, List<Band> bands) implements ColumnGroups {
    @Override
    public int groupOf(int i) {
      return Math.floorMod(i, period);
    }

    @Override
    public boolean inGroup(int g, int j) {
      return Math.floorMod(j, period) == g;
    }

    @Override
    public int nextInGroup(int g, int j) {
      return j + Math.floorMod(g - j, period);
    }
  }

  /**
   * Fixed columns: group of i = its segment ⌊i/period⌋; group g holds the keys of its own segment
   * (⌊j/period⌋ = g) and the summary keys of every segment (j mod period ≥ period − summary).
   *
   * @param period the segment length l ≥ 1
   * @param summary c, 1 ≤ c ≤ l: the last c positions of each segment are summary keys
   */
  record Segments(int period, int summary, List<Band> bands) implements ColumnGroups {
    @Override
    public int groupOf(int i) {
      return Math.floorDiv(i, period);
    }

    @Override
    public boolean inGroup(int g, int j) {
      return Math.floorDiv(j, period) == g || Math.floorMod(j, period) >= period - summary;
    }

    @Override
    public int nextInGroup(int g, int j) {
      if (inGroup(g, j)) {
        return j;
      }
      long nextSummary = (long) Math.floorDiv(j, period) * period + period - summary;
      long segmentStart = (long) g * period;
      long next = segmentStart >= j ? Math.min(segmentStart, nextSummary) : nextSummary;
      return (int) Math.min(next, Integer.MAX_VALUE);
    }
  }
}
