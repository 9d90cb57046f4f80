package org.longattn.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.state.TreeFold;
import org.longattn.kernels.state.TreeScan;

/**
 * The association of {@link TreeScan}, made visible with a non-associative, non-commutative
 * operator (concatenation with parentheses), as in {@code TreeFoldTest}.
 */
class TreeScanTest {

  private static final BinaryOperator<String> PAREN = (a, b) -> "(" + a + " " + b + ")";

  static List<String> items(int from, int to) {
    List<String> xs = new ArrayList<>();
    for (int i = from; i < to; i++) {
      xs.add(Integer.toString(i));
    }
    return xs;
  }

  @Test
  void prefixShapesForSmallN() {
    assertEquals(
        List.of("e", "0", "(0 1)", "((0 1) 2)", "((0 1) (2 3))", "(((0 1) (2 3)) 4)"),
        TreeScan.exclusive(items(0, 6), "e", PAREN));
    assertEquals(List.of("e"), TreeScan.exclusive(items(0, 1), "e", PAREN));
    assertEquals(List.of(), TreeScan.exclusive(List.<String>of(), "e", PAREN));
  }

  /** prefix(b) holds blocks 0..b−1 in order; its groups are TreeFold subtrees; no identity. */
  @Test
  void prefixesKeepOrderAndFollowTheDocumentedRule() {
    for (int n = 1; n <= 100; n++) {
      List<String> p = TreeScan.exclusive(items(0, n), "e", PAREN);
      assertEquals(n, p.size());
      for (int b = 1; b < n; b++) {
        assertEquals(
            String.join(" ", items(0, b)), p.get(b).replace("(", "").replace(")", ""), "order");
        int low = Integer.lowestOneBit(b);
        String group = TreeFold.fold(items(b - low, b), PAREN);
        assertEquals(b == low ? group : PAREN.apply(p.get(b - low), group), p.get(b), "b=" + b);
      }
    }
  }

  /**
   * Spans of S = 2^k blocks: the driver scans span totals, each span scans from its carry-in. The
   * result is the same tree as one scan over all blocks, hence bitwise the same values.
   */
  @Test
  void spanWiseScanGivesTheSameTreeAsOneScan() {
    for (int n = 1; n <= 70; n++) {
      List<String> whole = TreeScan.exclusive(items(0, n), "e", PAREN);
      for (int s = 1; s <= 64; s *= 2) {
        List<String> totals = new ArrayList<>();
        for (int lo = 0; lo < n; lo += s) {
          totals.add(TreeFold.fold(items(lo, Math.min(n, lo + s)), PAREN));
        }
        List<String> carry = TreeScan.exclusive(totals, "e", PAREN);
        List<String> got = new ArrayList<>();
        for (int sp = 0; sp < totals.size(); sp++) {
          int lo = sp * s;
          List<String> span = items(lo, Math.min(n, lo + s));
          got.addAll(
              sp == 0
                  ? TreeScan.exclusive(span, "e", PAREN)
                  : TreeScan.exclusive(span, lo, carry.get(sp), PAREN));
        }
        assertEquals(whole, got, "n=" + n + " span " + s);
      }
    }
  }

  @Test
  void misalignedSpansAreRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> TreeScan.exclusive(items(3, 6), 3, "c", PAREN));
    assertThrows(
        IllegalArgumentException.class, () -> TreeScan.exclusive(items(0, 2), 0, "c", PAREN));
    assertEquals(
        List.of("c", "(c 4)", "(c (4 5))"), TreeScan.exclusive(items(4, 7), 4, "c", PAREN));
  }
}
