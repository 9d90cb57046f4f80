package org.longattn.kernels.pattern;

/**
 * What every pattern shares: a name, a block size, causality and a band (causality folded in).
 * Subclasses only describe their local key blocks and, where they have them, their own global
 * positions.
 */
abstract class BlockPattern implements AttentionPattern {
  private final String name;
  private final int blockSize;
  private final boolean causal;
  private final Band band;

  /**
   * @param band the band before causality; causal patterns cut it at j ≤ i
   */
  BlockPattern(String name, int blockSize, boolean causal, Band band) {
    this.name = name;
    this.blockSize = blockSize;
    this.causal = causal;
    this.band = causal ? band.causal() : band;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final int blockSize() {
    return blockSize;
  }

  @Override
  public final boolean causal() {
    return causal;
  }

  @Override
  public final Band band() {
    return band;
  }

  /** Only the column's globals, unless the pattern has its own. */
  @Override
  public int[] globalPositions(int n, int[] columnGlobals) {
    return Positions.union(columnGlobals);
  }
}
