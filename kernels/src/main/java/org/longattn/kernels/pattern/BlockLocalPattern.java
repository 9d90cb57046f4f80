package org.longattn.kernels.pattern;

/** Block-local attention: a query reads the keys of its own block (and the global tokens). */
public final class BlockLocalPattern implements AttentionPattern {
  private final int blockSize;
  private final boolean causal;
  private final Band band;

  public BlockLocalPattern(int blockSize, boolean causal) {
    this.blockSize = blockSize;
    this.causal = causal;
    this.band = causal ? Band.ALL.causal() : Band.ALL;
  }

  @Override
  public String name() {
    return "blocked";
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
    return new int[] {queryBlock};
  }
}
