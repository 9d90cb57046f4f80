package org.longattn.kernels;

/**
 * Attention scores of visible (query, key) pairs left the float range: a float dot product (or one
 * of its partial sums) overflowed to ±∞, and the softmax would turn into NaN. Backends refuse such
 * input instead of writing NaN; the job turns this into a one-line input error naming the document
 * and the positions. The pair named is the visible one with the largest Σ_c |q_c·k_c|·scale.
 *
 * <p>{@link #LIMIT}: below it no partial sum of a float dot product can overflow (its magnitude is
 * at most Σ|q_c·k_c| times 1 + d·2⁻²⁴). The java backend refuses when a visible score actually
 * overflowed (it checks the running maxima and sums once per chunk, and visible scores of masked
 * tiles), so it also computes pairs above the limit whose scores stay finite; the opencl backend
 * refuses every visible pair above the limit (checked on the host before the launch).
 */
public final class ScoreOverflowException extends InputRangeException {
  private static final long serialVersionUID = 1L;

  /** Half the largest float: the bound on Σ_c |q_c·k_c|·scale of a visible pair. */
  public static final double LIMIT = Float.MAX_VALUE / 2.0;

  private final int keyPosition;

  public ScoreOverflowException(int queryPosition, int keyPosition, double magnitude) {
    super(
        queryPosition,
        "attention score against key pos "
            + keyPosition
            + " out of float range: sum |q_c*k_c|*scale = "
            + String.format(java.util.Locale.ROOT, "%.3g", magnitude)
            + " > "
            + String.format(java.util.Locale.ROOT, "%.3g", LIMIT)
            + " (scale q or k down)");
    this.keyPosition = keyPosition;
  }

  /** Document position of the key row. */
  public int keyPosition() {
    return keyPosition;
  }
}
