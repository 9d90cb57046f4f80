package org.longattn.kernels.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The fold tree of {@link TreeFold}, made visible with a non-associative operator (string
 * concatenation with parentheses): any change of association shows as a different string.
 */
class TreeFoldTest {

  private static final BinaryOperator<String> PAREN = (a, b) -> "(" + a + " " + b + ")";

  static List<String> items(int from, int to) {
    List<String> xs = new ArrayList<>();
    for (int i = from; i < to; i++) {
      xs.add(Integer.toString(i));
    }
    return xs;
  }

  @Test
  void treeShapeForSmallN() {
    String[] expected = {
      "0",
      "(0 1)",
      "((0 1) 2)",
      "((0 1) (2 3))",
      "(((0 1) (2 3)) 4)",
      "(((0 1) (2 3)) (4 5))",
      "(((0 1) (2 3)) ((4 5) 6))",
      "(((0 1) (2 3)) ((4 5) (6 7)))",
      "((((0 1) (2 3)) ((4 5) (6 7))) 8)",
    };
    for (int n = 1; n <= expected.length; n++) {
      assertEquals(expected[n - 1], TreeFold.fold(items(0, n), PAREN), "n = " + n);
    }
  }

  /**
   * The documented split: fold(lo, hi) = fold(lo, mid) ⊕ fold(mid, hi), mid − lo = 2^⌊log2(n−1)⌋.
   */
  @Test
  void matchesTheDocumentedRecursionAndKeepsOrder() {
    for (int n = 1; n <= 300; n++) {
      String got = TreeFold.fold(items(0, n), PAREN);
      assertEquals(reference(0, n), got, "n = " + n);
      assertEquals(String.join(" ", items(0, n)), got.replace("(", "").replace(")", ""), "order");
      assertEquals(depth(n), maxNesting(got), "depth ⌈log2 n⌉, n = " + n);
    }
  }

  private static String reference(int lo, int hi) {
    if (hi - lo == 1) {
      return Integer.toString(lo);
    }
    int half = 1;
    while (half * 2 < hi - lo) {
      half *= 2;
    }
    return PAREN.apply(reference(lo, lo + half), reference(lo + half, hi));
  }

  private static int depth(int n) {
    int d = 0;
    while ((1 << d) < n) {
      d++;
    }
    return d;
  }

  private static int maxNesting(String s) {
    int depth = 0;
    int max = 0;
    for (char c : s.toCharArray()) {
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      max = Math.max(max, depth);
    }
    return max;
  }

  /**
   * Folding aligned groups of S = 2^k items first (the last group may be short) and then the group
   * results gives the very same tree as folding all items at once: spans of any power-of-two size
   * give the same association, hence bitwise the same output.
   */
  @Test
  void alignedPowerOfTwoGroupsGiveTheSameTree() {
    for (int n = 1; n <= 200; n++) {
      String whole = TreeFold.fold(items(0, n), PAREN);
      for (int s = 1; s <= 256; s *= 2) {
        List<String> groups = new ArrayList<>();
        for (int lo = 0; lo < n; lo += s) {
          groups.add(TreeFold.fold(items(lo, Math.min(n, lo + s)), PAREN));
        }
        assertEquals(whole, TreeFold.fold(groups, PAREN), "n = " + n + ", group size " + s);
      }
    }
  }

  /** Two levels of grouping (blocks in spans, spans in partitions) also keep the tree. */
  @Test
  void nestedAlignedGroupsGiveTheSameTree() {
    for (int n = 1; n <= 200; n += 7) {
      String whole = TreeFold.fold(items(0, n), PAREN);
      for (int s = 1; s <= 32; s *= 2) {
        for (int g = 1; g <= 8; g *= 2) {
          List<String> spans = new ArrayList<>();
          for (int lo = 0; lo < n; lo += s) {
            spans.add(TreeFold.fold(items(lo, Math.min(n, lo + s)), PAREN));
          }
          List<String> parts = new ArrayList<>();
          for (int lo = 0; lo < spans.size(); lo += g) {
            parts.add(TreeFold.fold(spans.subList(lo, Math.min(spans.size(), lo + g)), PAREN));
          }
          assertEquals(
              whole, TreeFold.fold(parts, PAREN), "n = " + n + ", spans " + s + ", groups " + g);
        }
      }
    }
  }

  /** Why spans must be powers of two: a group of 3 changes the association. */
  @Test
  void nonPowerOfTwoGroupsChangeTheTree() {
    List<String> groups = List.of(TreeFold.fold(items(0, 3), PAREN), "3");
    assertEquals("(((0 1) 2) 3)", TreeFold.fold(groups, PAREN));
    assertEquals("((0 1) (2 3))", TreeFold.fold(items(0, 4), PAREN));
  }

  @Test
  void emptyListThrows() {
    assertThrows(IllegalArgumentException.class, () -> TreeFold.fold(List.<String>of(), PAREN));
  }
}
