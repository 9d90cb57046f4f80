package org.longattn.kernels.pattern;

/**
 * Longformer (Beltagy et al. 2020): query i reads keys with |i − j| ≤ w·dilation and (i − j) a
 * multiple of the dilation; w is one-sided (= Hugging Face attention_window / 2). Global tokens
 * come from the token table's {@code global} column.
 */
public final class LongformerPattern implements AttentionPattern {
  private final int blockSize;
  private final int window;
  private final int dilation;
  private final boolean causal;
  private final Band band;

  public LongformerPattern(int blockSize, int window, int dilation, boolean causal) {
    this.blockSize = blockSize;
    this.window = window;
    this.dilation = dilation;
    this.causal = causal;
    long reach = (long) window * dilation;
    if (reach >= Band.UNBOUNDED) {
      throw new IllegalArgumentException("--window × --dilation too large: " + reach);
    }
    Band b = new Band((int) reach, (int) reach, dilation);
    this.band = causal ? b.causal() : b;
  }

  @Override
  public String name() {
    return "longformer";
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

  /** One-sided window w. */
  public int window() {
    return window;
  }

  @Override
  public int[] globalPositions(int n, int[] columnGlobals) {
    return Positions.union(columnGlobals);
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    int first = queryBlock * blockSize;
    int last = Math.min(n, first + blockSize) - 1;
    long lo = Math.max(0L, (long) first - band.left());
    long hi = Math.min((long) n - 1, (long) last + band.right());
    return Positions.range((int) (lo / blockSize), (int) (hi / blockSize) + 1);
  }
}
