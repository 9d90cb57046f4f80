package org.longattn.kernels.pattern;

/**
 * The band of banded convolutional attention ({@code conv-band}, see {@code
 * org.longattn.kernels.conv.ConvBand}): query i reads keys with |i − j| ≤ r (and the direction).
 * Routed like Longformer with window r: a span needs a halo of ⌈r/b⌉ blocks. It has no global
 * tokens: the {@code global} column is ignored (there is no softmax for them to join).
 */
public final class ConvBandPattern extends BlockPattern {
  /** The family name ({@code --pattern conv-band}). */
  public static final String NAME = "conv-band";

  public ConvBandPattern(int blockSize, int radius, boolean causal, boolean anticausal) {
    super(NAME, blockSize, causal, anticausal, new Band(radius, radius, 1));
  }

  @Override
  public int[] globalPositions(int n, int[] columnGlobals) {
    return new int[0];
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    return blocksInBand(n, queryBlock);
  }
}
