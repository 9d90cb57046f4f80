package org.longattn.kernels.pattern;

import java.util.List;

/**
 * The Sparse Transformer's fixed pattern (Child et al. 2019), stride l and summary c. Positions
 * fall into segments of l tokens; the last c positions of every segment are summary keys. Query i
 * reads key j iff causalOk(i, j) and
 *
 * <pre>
 *   ⌊j/l⌋ = ⌊i/l⌋   or   j mod l ≥ l − c
 * </pre>
 *
 * with causalOk j ≤ i when causal (the paper's setting), j ≥ i when anticausal, always otherwise.
 * There is no band part ({@link Band#NONE}): all of it is the column part ({@link
 * ColumnGroups.Segments}: group = segment, holding its own keys and every summary key).
 *
 * <p>Routing: a query block reads the blocks of its own segments and every block (in its direction)
 * holding a summary key, so whole blocks travel for c/l of their rows; a span then gathers the
 * summary keys once per segment. Traffic is that of {@code dense} when l ≤ block size and about l/b
 * less otherwise; the compute is ≈ l + c·n/l keys per query.
 */
public final class FixedPattern extends BlockPattern {
  /** The family name ({@code --pattern fixed}). */
  public static final String NAME = "fixed";

  private final int stride;
  private final int summary;
  private final ColumnGroups columns;

  public FixedPattern(int blockSize, int stride, int summary, boolean causal, boolean anticausal) {
    super(NAME, blockSize, causal, anticausal, Band.NONE);
    if (summary < 1 || summary > stride) {
      throw new IllegalArgumentException(
          "--summary must be between 1 and --stride " + stride + ", got " + summary);
    }
    this.stride = stride;
    this.summary = summary;
    this.columns = new ColumnGroups.Segments(stride, summary, List.of(direct(Band.ALL)));
  }

  /** Summary keys c at the end of each segment. */
  public int summary() {
    return summary;
  }

  @Override
  public ColumnGroups columnGroups() {
    return columns;
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    int b = blockSize();
    int first = queryBlock * b;
    int last = Math.min(n, first + b) - 1;
    long segLo = (long) (first / stride) * stride;
    long segHi = Math.min((long) n - 1, (last / stride + 1L) * stride - 1);
    int[] all = directedRange(0, numBlocks(n), queryBlock);
    int[] keep = new int[all.length];
    int k = 0;
    for (int kb : all) {
      long lo = (long) kb * b;
      long hi = Math.min(n, lo + b) - 1;
      boolean ownSegment = hi >= segLo && lo <= segHi;
      long nextSummary = Math.floorDiv(lo, stride) * stride + stride - summary;
      boolean hasSummary = Math.floorMod(lo, stride) >= stride - summary || nextSummary <= hi;
      if (ownSegment || hasSummary) {
        keep[k++] = kb;
      }
    }
    return java.util.Arrays.copyOf(keep, k);
  }
}
