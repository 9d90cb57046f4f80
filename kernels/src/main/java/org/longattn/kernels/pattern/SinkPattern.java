package org.longattn.kernels.pattern;

import java.util.List;

/**
 * Sliding window with attention sinks (StreamingLLM, Xiao et al. 2023), S sinks and window W ≥ 1.
 * Causal by definition: query i reads key j iff
 *
 * <pre>
 *   j ≤ i   and   (j &lt; S   or   i − j &lt; W)
 * </pre>
 *
 * — the first S tokens of its document and its W most recent tokens, itself included. The window is
 * the band part ({@link #band()}: i − W &lt; j ≤ i); the sinks are the column part, one group
 * holding the keys j &lt; S, read through the band j ≤ i − W so the two parts stay disjoint.
 *
 * <p>Routing: a query block reads the blocks its window reaches plus the sink blocks (those holding
 * a position &lt; S) up to itself; a span gathers the sink keys once and multiplies only those, so
 * a query costs about S + W keys whatever the document length.
 */
public final class SinkPattern extends BlockPattern {
  /** The family name ({@code --pattern sink}). */
  public static final String NAME = "sink";

  private final int sinks;
  private final int window;
  private final ColumnGroups columns;

  public SinkPattern(int blockSize, int sinks, int window) {
    super(NAME, blockSize, true, false, band(window));
    if (sinks < 0) {
      throw new IllegalArgumentException("--sinks must be >= 0, got " + sinks);
    }
    this.sinks = sinks;
    this.window = window;
    this.columns =
        sinks == 0 ? null : new Sinks(sinks, window, List.of(new Band(Band.UNBOUNDED, -window, 1)));
  }

  private static Band band(int window) {
    if (window < 1 || window > Band.UNBOUNDED) {
      throw new IllegalArgumentException(
          "--window of --pattern sink must be between 1 and " + Band.UNBOUNDED + ", got " + window);
    }
    return new Band(window - 1, 0, 1);
  }

  /** The sinks S: the first S tokens of the document. */
  public int sinks() {
    return sinks;
  }

  /** The window W: the W most recent tokens, the query itself included. */
  public int window() {
    return window;
  }

  @Override
  public ColumnGroups columnGroups() {
    return columns;
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    int[] windowBlocks = blocksInBand(n, queryBlock);
    if (sinks == 0 || n == 0) {
      return windowBlocks;
    }
    int lastSinkBlock = Math.min(queryBlock, (Math.min(sinks, n) - 1) / blockSize());
    return Positions.union(Positions.range(0, lastSinkBlock + 1), windowBlocks);
  }

  /** The sinks as one column group: keys j &lt; S, for queries with j ≤ i − W. */
  private record Sinks(int sinks, int window, List<Band> bands) implements ColumnGroups {
    @Override
    public int groupOf(int i) {
      return 0;
    }

    @Override
    public boolean inGroup(int g, int j) {
      return j >= 0 && j < sinks;
    }

    @Override
    public int nextInGroup(int g, int j) {
      return j < sinks ? Math.max(j, 0) : Integer.MAX_VALUE;
    }

    @Override
    public long countKeys(int i, int n) {
      return Math.max(0L, Math.min(Math.min((long) sinks, n), (long) i - window + 1));
    }
  }
}
