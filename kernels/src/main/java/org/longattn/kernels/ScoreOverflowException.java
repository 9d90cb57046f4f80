package org.longattn.kernels;

/**
 * Attention scores of a visible (query, key) pair would leave the float range: Σ_c |q_c·k_c|·scale
 * exceeds {@link #LIMIT}, so a float dot product (or one of its partial sums) could overflow to ±∞
 * and the softmax would turn into NaN. Backends refuse such input instead of writing NaN; the job
 * turns this into a one-line input error naming the document and the positions.
 *
 * <p>Below the limit every partial sum of the float dot product stays finite (its magnitude is at
 * most Σ|q_c·k_c| times 1 + d·2⁻²⁴), so every score is finite and the online softmax, which never
 * forms ∞ − ∞ for finite scores, gives a finite answer.
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
