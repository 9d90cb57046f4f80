package org.longattn.kernels;

/**
 * The input is too large for float arithmetic at one query position: a kernel refuses it rather
 * than write NaN or ∞. The job names the document in front of {@link #getMessage()} (which starts
 * with {@code pos P}) and reports it as an input error.
 */
public class InputRangeException extends ArithmeticException {
  private static final long serialVersionUID = 1L;

  private final int position;

  public InputRangeException(int position, String detail) {
    super("pos " + position + ": " + detail);
    this.position = position;
  }

  /** Document position of the query row that cannot be computed. */
  public int position() {
    return position;
  }
}
