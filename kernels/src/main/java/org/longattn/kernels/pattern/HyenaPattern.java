package org.longattn.kernels.pattern;

/**
 * What the routing shuffle ships for the Hyena operator ({@code --pattern hyena}): every block to
 * its own span only, no global tokens (the {@code global} column is ignored). Hyena is not
 * attention: an output depends on every earlier token, but through long convolutions whose
 * long-range terms travel as spectra between spans ({@code org.longattn.kernels.hyena}), never as
 * key blocks. Always causal.
 */
public final class HyenaPattern extends BlockPattern {
  /** The family name ({@code --pattern hyena}). */
  public static final String NAME = "hyena";

  public HyenaPattern(int blockSize) {
    super(NAME, blockSize, true, Band.ALL);
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    return new int[] {queryBlock};
  }

  /** None: Hyena has no global tokens. */
  @Override
  public int[] globalPositions(int n, int[] columnGlobals) {
    return new int[0];
  }
}
