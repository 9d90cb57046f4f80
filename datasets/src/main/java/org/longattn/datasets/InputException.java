package org.longattn.datasets;

/**
 * Bad user input: the message is one line naming the document, position and column where they apply
 * (e.g. {@code doc 'd3' pos 17 column 'k': NaN at index 5}). The CLI prints it and exits 2.
 */
public class InputException extends RuntimeException {
  public InputException(String message) {
    super(message);
  }
}
