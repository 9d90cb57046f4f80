package org.longattn.kernels.state;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * Exclusive prefix scan over items indexed by block id, with an association that depends on the
 * block ids only (DESIGN §3, determinism), for causal linear and gated attention:
 *
 * <pre>
 *   prefix(0) = identity
 *   prefix(b) = total(0, b)                               when b is a power of two
 *   prefix(b) = prefix(b − lowbit(b)) ⊕ total(b − lowbit(b), b)   otherwise
 * </pre>
 *
 * where lowbit(b) is b's lowest set bit and total(lo, hi) = {@link TreeFold} of items lo..hi−1 (an
 * aligned power-of-two run, hence exactly a subtree of the document-wide TreeFold). Order is kept —
 * the left operand always holds the earlier blocks — so ⊕ need not be commutative.
 *
 * <p>Distributed use, bitwise equal to a scan of all blocks at once: spans are aligned runs of S =
 * 2^k blocks; each span folds its total with TreeFold; the driver scans the span totals with {@link
 * #exclusive(List, Object, BinaryOperator)} (prefix of span s = prefix(s·S), because groups of ≥ S
 * blocks are TreeFolds of span totals); each span then runs {@link #exclusive(List, long, Object,
 * BinaryOperator)} from its carry-in. Both levels apply the same rule to the same groups.
 *
 * <p>The identity itself is never an operand of ⊕, so the result does not depend on whether x ⊕
 * identity = x holds to the bit. Cost: fewer than 2n applications of ⊕ for n items.
 */
public final class TreeScan {
  private TreeScan() {}

  /** prefix(b) for b = 0 .. n−1 of all blocks of a document (prefix(0) = {@code identity}). */
  public static <T> List<T> exclusive(List<T> items, T identity, BinaryOperator<T> op) {
    return scan(items, 0, null, identity, op);
  }

  /**
   * prefix(b) for the blocks b = first .. first + n − 1 of one span, given {@code carryIn} =
   * prefix(first) from the scan over span totals. {@code first} must be a multiple of the smallest
   * power of two ≥ n (an aligned span); use {@link #exclusive(List, Object, BinaryOperator)} for
   * the span starting at block 0.
   */
  public static <T> List<T> exclusive(List<T> items, long first, T carryIn, BinaryOperator<T> op) {
    if (first <= 0) {
      throw new IllegalArgumentException("a span after block 0 needs first > 0: " + first);
    }
    long align = items.size() <= 1 ? 1 : Long.highestOneBit((long) items.size() - 1) << 1;
    if (first % align != 0) {
      throw new IllegalArgumentException(
          "span of " + items.size() + " blocks at " + first + " is not aligned to " + align);
    }
    return scan(items, first, carryIn, carryIn, op);
  }

  private static <T> List<T> scan(
      List<T> items, long first, T carryIn, T atFirst, BinaryOperator<T> op) {
    int n = items.size();
    // levels.get(k).get(i) = total of the aligned run [i·2^k, (i+1)·2^k) (local indices)
    List<List<T>> levels = new ArrayList<>();
    levels.add(items);
    for (int size = 2; size <= n; size *= 2) {
      List<T> below = levels.get(levels.size() - 1);
      List<T> level = new ArrayList<>();
      for (int i = 0; i + 1 < below.size(); i += 2) {
        level.add(op.apply(below.get(i), below.get(i + 1)));
      }
      levels.add(level);
    }
    List<T> prefix = new ArrayList<>(n);
    if (n > 0) {
      prefix.add(atFirst);
    }
    for (int r = 1; r < n; r++) {
      int low = Integer.lowestOneBit(r);
      int lo = r - low;
      T group = levels.get(Integer.numberOfTrailingZeros(low)).get(lo / low);
      if (lo == 0 && carryIn == null) {
        prefix.add(group); // b is a power of two: nothing before the group
      } else {
        prefix.add(op.apply(lo == 0 ? carryIn : prefix.get(lo), group));
      }
    }
    return prefix;
  }
}
