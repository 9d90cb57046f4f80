package org.longattn.kernels.pattern;

/** Every key (only earlier ones when causal). Column globals only matter for the stats. */
public final class DensePattern extends BlockPattern {
  public DensePattern(int blockSize, boolean causal) {
    super("dense", blockSize, causal, Band.ALL);
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    return Positions.range(0, causal() ? queryBlock + 1 : numBlocks(n));
  }
}
