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

  /** The number of keys j in [0, n) with column(i, j) (for FLOP counts; O(bands)). */
  long countKeys(int i, int n);

  /** The part [lo, hi] of the document [0, n) that band b allows for query i, or null. */
  private static long[] span(Band b, int i, int n) {
    long lo = Math.max(0L, (long) i - b.left());
    long hi = Math.min(n - 1L, (long) i + b.right());
    return hi < lo ? null : new long[] {lo, hi};
  }

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

    @Override
    public long countKeys(int i, int n) {
      long count = 0;
      for (Band b : bands) {
        long[] r = span(b, i, n);
        if (r != null) { // j = i + t·period with j in [lo, hi]
          count +=
              Math.floorDiv(r[1] - i, period) - Math.floorDiv(r[0] - i + period - 1, period) + 1;
        }
      }
      return count;
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

    @Override
    public long countKeys(int i, int n) {
      long segLo = (long) groupOf(i) * period;
      long segHi = segLo + period - 1;
      long count = 0;
      for (Band b : bands) {
        long[] r = span(b, i, n);
        if (r == null) {
          continue;
        }
        long ownLo = Math.max(r[0], segLo);
        long ownHi = Math.min(r[1], segHi);
        long own = Math.max(0, ownHi - ownLo + 1);
        long summaryInOwn = ownHi < ownLo ? 0 : summaries(ownHi) - summaries(ownLo - 1);
        count += own + summaries(r[1]) - summaries(r[0] - 1) - summaryInOwn;
      }
      return count;
    }

    /** Summary positions in [0, x]. */
    private long summaries(long x) {
      if (x < 0) {
        return 0;
      }
      long full = (x + 1) / period;
      return full * summary + Math.max(0, (x + 1) % period - (period - summary));
    }
  }
}
