package org.longattn.datasets;

/**
 * A user-input error (bad table, bad flag, existing output). Its message is one line naming the
 * document, position and column where they apply, e.g. {@code doc 'd3' pos 17 column 'k': NaN at
 * index 5}; the CLI prints only {@link #getMessage()} and exits with status 2.
 */
public class InputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InputException(String message) {
    super(message);
  }

  /** Prefix of row-level messages: {@code doc 'D' pos P column 'C': }. */
  static String where(String docId, int pos, String column) {
    return "doc '" + docId + "' pos " + pos + " column '" + column + "': ";
  }
}
