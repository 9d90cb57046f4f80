package org.longattn.kernels.pattern;

/** Every key (only earlier ones when causal). Column globals only matter for the stats. */
public final class DensePattern implements AttentionPattern {
  private final int blockSize;
  private final boolean causal;
  private final Band band;

  public DensePattern(int blockSize, boolean causal) {
    this.blockSize = blockSize;
    this.causal = causal;
    this.band = causal ? Band.ALL.causal() : Band.ALL;
  }

  @Override
  public String name() {
    return "dense";
  }

  @Override
  public int blockSize() {
    return blockSize;
  }

  @Override
  public boolean causal() {
    return causal;
  }

  @Override
  public Band band() {
    return band;
  }

  @Override
  public int[] globalPositions(int n, int[] columnGlobals) {
    return Positions.union(columnGlobals);
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    return Positions.range(0, causal ? queryBlock + 1 : numBlocks(n));
  }
}
