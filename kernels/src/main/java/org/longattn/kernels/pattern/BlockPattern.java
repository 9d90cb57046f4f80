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
  private final boolean anticausal;
  private final Band band;

  /**
   * @param band the band before causality; causal patterns cut it at j ≤ i
   */
  BlockPattern(String name, int blockSize, boolean causal, Band band) {
    this(name, blockSize, causal, false, band);
  }

  /**
   * @param band the band before the direction; causal patterns cut it at j ≤ i, anticausal ones at
   *     j ≥ i
   */
  BlockPattern(String name, int blockSize, boolean causal, boolean anticausal, Band band) {
    if (causal && anticausal) {
      throw new IllegalArgumentException("--causal and --anticausal exclude each other");
    }
    this.name = name;
    this.blockSize = blockSize;
    this.causal = causal;
    this.anticausal = anticausal;
    this.band = direct(band);
  }

  /** A band with this pattern's direction folded in. */
  final Band direct(Band b) {
    return causal ? b.causal() : anticausal ? b.anticausal() : b;
  }

  /** The blocks holding a key that the band lets some query of block {@code queryBlock} read. */
  final int[] blocksInBand(int n, int queryBlock) {
    int first = queryBlock * blockSize;
    int last = Math.min(n, first + blockSize) - 1;
    long lo = Math.max(0L, (long) first - band.left());
    long hi = Math.min((long) n - 1, (long) last + band.right());
    return Positions.range((int) (lo / blockSize), (int) (hi / blockSize) + 1);
  }

  /** Block ids lo..hi−1 cut to this pattern's direction as seen from query block qb. */
  final int[] directedRange(int lo, int hi, int qb) {
    return Positions.range(anticausal ? Math.max(lo, qb) : lo, causal ? Math.min(hi, qb + 1) : hi);
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
  public final boolean anticausal() {
    return anticausal;
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
