package org.longattn.kernels.pattern;

/** Block-local attention: a query reads the keys of its own block (and the global tokens). */
public final class BlockLocalPattern extends BlockPattern {
  /** The family name ({@code --pattern blocked}). */
  public static final String NAME = "blocked";

  public BlockLocalPattern(int blockSize, boolean causal) {
    this(blockSize, causal, false);
  }

  public BlockLocalPattern(int blockSize, boolean causal, boolean anticausal) {
    super(NAME, blockSize, causal, anticausal, Band.ALL);
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    return new int[] {queryBlock};
  }
}
