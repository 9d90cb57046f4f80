package org.longattn.jobs.attend;

import java.io.Serializable;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * Parameters of one {@code attend} run.
 *
 * @param spanTokens target tokens per span (rounded down to a power-of-two number of blocks)
 * @param partitions partitions of the routing shuffle (0 = derived from the span count)
 * @param binaryOutput write {@code out} as little-endian float32 bytes instead of
 *     array&lt;float&gt;
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
    boolean binaryOutput)
    implements Serializable {

  /** Blocks per span: the largest power of two with spanBlocks·blockSize ≤ spanTokens (≥ 1). */
  public int spanBlocks() {
    return Integer.highestOneBit(Math.max(1, spanTokens / pattern.blockSize()));
  }

  /** The same parameters with another pattern. */
  public AttendParams withPattern(PatternSpec other) {
    return new AttendParams(
        input,
        output,
        overwrite,
        heads,
        other,
        stats,
        backend,
        spanTokens,
        partitions,
        binaryOutput);
  }
}
