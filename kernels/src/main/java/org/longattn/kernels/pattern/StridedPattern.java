package org.longattn.kernels.pattern;

import java.util.ArrayList;
import java.util.List;

/**
 * The Sparse Transformer's strided pattern (Child et al. 2019), stride l. Query i reads key j iff
 *
 * <pre>
 *   causal      (the paper's):  i − l &lt; j ≤ i      or  (j ≤ i and (i − j) mod l = 0)
 *   non-causal  (ours):         |i − j| &lt; l         or  (i − j) mod l = 0
 *   anticausal  (mirror):       i ≤ j &lt; i + l      or  (j ≥ i and (j − i) mod l = 0)
 * </pre>
 *
 * The first term is the band part ({@link #band()}, width l − 1 on each allowed side); the second
 * is the column part ({@link ColumnGroups.Residues}: the keys of i's residue class, j = i excluded
 * there since the band already holds it).
 *
 * <p>Routing: the column part reaches across the whole document (every l-th key), so a query block
 * reads every key block (in its direction) whose residues mod l meet its own — all of them when the
 * block size is ≥ l. Key traffic is therefore that of {@code dense}: each key block is shipped to
 * every span that reads it. The compute is not: a span gathers, per residue class, the n/l keys of
 * that class once and multiplies only those (≈ n/l + 2l keys per query).
 */
public final class StridedPattern extends BlockPattern {
  /** The family name ({@code --pattern strided}). */
  public static final String NAME = "strided";

  private final int stride;
  private final ColumnGroups columns;

  public StridedPattern(int blockSize, int stride, boolean causal, boolean anticausal) {
    super(NAME, blockSize, causal, anticausal, new Band(stride - 1, stride - 1, 1));
    this.stride = stride;
    List<Band> bands = new ArrayList<>();
    if (!anticausal) {
      bands.add(new Band(Band.UNBOUNDED, -1, 1)); // j < i
    }
    if (!causal) {
      bands.add(new Band(-1, Band.UNBOUNDED, 1)); // j > i
    }
    this.columns = new ColumnGroups.Residues(stride, List.copyOf(bands));
  }

  @Override
  public ColumnGroups columnGroups() {
    return columns;
  }

  /**
   * The blocks the window reaches, plus every block in the pattern's direction that holds a key of
   * one of the query block's residue classes.
   */
  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    int b = blockSize();
    int nb = numBlocks(n);
    int[] all = directedRange(0, nb, queryBlock);
    if (b >= stride) {
      return all;
    }
    int first = queryBlock * b;
    int qn = Math.min(n, first + b) - first;
    int[] keep = new int[all.length];
    int k = 0;
    for (int kb : all) {
      int kn = Math.min(n, kb * b + b) - kb * b;
      int delta = Math.floorMod(kb * b - first, stride); // key residues start delta after ours
      boolean meets = delta < qn || delta + kn > stride;
      boolean window = Math.abs(kb - queryBlock) * (long) b <= stride + b;
      if (meets || window) {
        keep[k++] = kb;
      }
    }
    return java.util.Arrays.copyOf(keep, k);
  }
}
