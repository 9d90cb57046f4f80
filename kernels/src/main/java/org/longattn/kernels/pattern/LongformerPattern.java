package org.longattn.kernels.pattern;

/**
 * Longformer (Beltagy et al. 2020): query i reads keys with |i − j| ≤ w·dilation and (i − j) a
 * multiple of the dilation; w is one-sided (= Hugging Face attention_window / 2). Global tokens
 * come from the token table's {@code global} column.
 */
public final class LongformerPattern extends BlockPattern {
  /** The family name ({@code --pattern longformer}). */
  public static final String NAME = "longformer";

  private final int window;

  public LongformerPattern(int blockSize, int window, int dilation, boolean causal) {
    this(blockSize, window, dilation, causal, false);
  }

  public LongformerPattern(
      int blockSize, int window, int dilation, boolean causal, boolean anticausal) {
    super(NAME, blockSize, causal, anticausal, band(window, dilation));
    this.window = window;
  }

  private static Band band(int window, int dilation) {
    long reach = (long) window * dilation;
    if (reach >= Band.UNBOUNDED) {
      throw new IllegalArgumentException("--window × --dilation too large: " + reach);
    }
    return new Band((int) reach, (int) reach, dilation);
  }

  /** One-sided window w. */
  public int window() {
    return window;
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    return blocksInBand(n, queryBlock);
  }
}
