package org.longattn.jobs.attend;

import org.longattn.datasets.InputException;
import org.longattn.kernels.InputRangeException;

/**
 * Turns a kernel's refusal of out-of-range input (scores or states beyond float, which would be
 * written as NaN) into the one-line input error naming the document and the position.
 */
final class RangeRefusal {
  private RangeRefusal() {}

  static InputException of(String docId, InputRangeException e) {
    return new InputException("doc '" + docId + "' " + e.getMessage());
  }
}
