package org.longattn.kernels.pattern;

/** Block-local attention: a query reads the keys of its own block (and the global tokens). */
public final class BlockLocalPattern extends BlockPattern {
  public BlockLocalPattern(int blockSize, boolean causal) {
    super("blocked", blockSize, causal, Band.ALL);
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    return new int[] {queryBlock};
  }
}
