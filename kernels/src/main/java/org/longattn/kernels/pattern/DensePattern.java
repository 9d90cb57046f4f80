package org.longattn.kernels.pattern;

/**
 * Every key (only earlier ones when causal, later ones when anticausal). Column globals only matter
 * for the stats.
 */
public final class DensePattern extends BlockPattern {
  /** The family name ({@code --pattern dense}). */
  public static final String NAME = "dense";

  public DensePattern(int blockSize, boolean causal) {
    this(blockSize, causal, false);
  }

  public DensePattern(int blockSize, boolean causal, boolean anticausal) {
    super(NAME, blockSize, causal, anticausal, Band.ALL);
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    return directedRange(0, numBlocks(n), queryBlock);
  }
}
