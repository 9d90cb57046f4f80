package org.longattn.kernels.state;

import java.util.List;
import java.util.function.BinaryOperator;

/**
 * Folds items indexed 0..n−1 with a fixed binary tree that depends on the indices only: fold(lo,
 * hi) = fold(lo, mid) ⊕ fold(mid, hi) with mid − lo the largest power of two below hi − lo.
 *
 * <p>Because the split points are powers of two, folding aligned groups of 2^k items first and then
 * folding the group results gives exactly the same tree as folding all items at once. Jobs rely on
 * this: spans are aligned power-of-two runs of blocks, so the association order of a document-wide
 * reduction depends on block ids only, never on spans, partitions or executors.
 */
public final class TreeFold {
  private TreeFold() {}

  /** Folds {@code items} (non-empty, in index order) with {@code op}. */
  public static <T> T fold(List<T> items, BinaryOperator<T> op) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("nothing to fold");
    }
    return fold(items, 0, items.size(), op);
  }

  private static <T> T fold(List<T> items, int lo, int hi, BinaryOperator<T> op) {
    int n = hi - lo;
    if (n == 1) {
      return items.get(lo);
    }
    int mid = lo + Integer.highestOneBit(n - 1);
    return op.apply(fold(items, lo, mid, op), fold(items, mid, hi, op));
  }
}
