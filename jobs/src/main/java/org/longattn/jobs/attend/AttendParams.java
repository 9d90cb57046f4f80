package org.longattn.jobs.attend;

import java.io.Serializable;
import org.longattn.kernels.conv.ConvBand;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * Parameters of one {@code attend} run.
 *
 * @param spanTokens target tokens per span (rounded down to a power-of-two number of blocks)
 * @param partitions partitions of the routing shuffle (0 = derived from the span count)
 * @param binaryOutput write {@code out} as little-endian float32 bytes instead of
 *     array&lt;float&gt;
 * @param score score function name ({@code ScoreFunction.NAMES})
 * @param scoreWeights .npy file of the bilinear/additive weights, or null to draw them from the
 *     pattern's seed
 * @param conv kernel φ and iterations of {@code conv-band} (null: {@link #DEFAULT_CONV})
 */
public record AttendParams(
    String input,
    String output,
    boolean overwrite,
    int heads,
    PatternSpec pattern,
    boolean stats,
    String backend,
    int spanTokens,
    int partitions,
    boolean binaryOutput,
    String score,
    String scoreWeights,
    ConvBand conv)
    implements Serializable {

  /** conv-band's default: φ = (0.25, 0.5, 0.25), one iteration. */
  public static final ConvBand DEFAULT_CONV = new ConvBand(new float[] {0.25f, 0.5f, 0.25f}, 1);

  /** Parameters with the default score function (scaled dot product). */
  public AttendParams(
      String input,
      String output,
      boolean overwrite,
      int heads,
      PatternSpec pattern,
      boolean stats,
      String backend,
      int spanTokens,
      int partitions,
      boolean binaryOutput) {
    this(
        input,
        output,
        overwrite,
        heads,
        pattern,
        stats,
        backend,
        spanTokens,
        partitions,
        binaryOutput,
        "scaled-dot",
        null,
        null);
  }

  /** These parameters with another pattern; the score settings and everything else are kept. */
  public AttendParams withPattern(PatternSpec pattern) {
    return new AttendParams(
        input,
        output,
        overwrite,
        heads,
        pattern,
        stats,
        backend,
        spanTokens,
        partitions,
        binaryOutput,
        score,
        scoreWeights,
        conv);
  }

  /** conv-band's kernel and iterations: {@link #conv} or the default. */
  public ConvBand convOrDefault() {
    return conv == null ? DEFAULT_CONV : conv;
  }

  /** Blocks per span: the largest power of two with spanBlocks·blockSize ≤ spanTokens (≥ 1). */
  public int spanBlocks() {
    return Integer.highestOneBit(Math.max(1, spanTokens / pattern.blockSize()));
  }
}
