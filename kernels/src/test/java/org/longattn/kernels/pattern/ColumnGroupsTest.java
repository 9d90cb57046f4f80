package org.longattn.kernels.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link ColumnGroups}: nextInGroup against a brute-force scan, and the Band additions. */
class ColumnGroupsTest {

  @Test
  void nextInGroupIsTheFirstMemberAtOrAfter() {
    SplittableRandom rng = new SplittableRandom(5);
    for (int it = 0; it < 400; it++) {
      int l = 1 + rng.nextInt(it % 2 == 0 ? 9 : 70);
      int c = 1 + rng.nextInt(l);
      ColumnGroups[] all = {
        new ColumnGroups.Residues(l, List.of(Band.ALL)),
        new ColumnGroups.Segments(l, c, List.of(Band.ALL))
      };
      for (ColumnGroups cg : all) {
        int i = rng.nextInt(600);
        int g = cg.groupOf(i);
        assertTrue(cg.inGroup(g, i), cg + " i=" + i);
        int j = rng.nextInt(600);
        int expected = j;
        while (!cg.inGroup(g, expected)) {
          expected++;
        }
        assertEquals(expected, cg.nextInGroup(g, j), cg + " g=" + g + " j=" + j);
      }
    }
  }

  @Test
  void countKeysMatchesBruteForce() {
    SplittableRandom rng = new SplittableRandom(9);
    for (int it = 0; it < 300; it++) {
      int n = 1 + rng.nextInt(300);
      int l = 1 + rng.nextInt(40);
      int c = 1 + rng.nextInt(l);
      boolean causal = rng.nextBoolean();
      boolean anti = !causal && rng.nextBoolean();
      for (AttentionPattern p :
          List.of(
              new StridedPattern(8, l, causal, anti), new FixedPattern(8, l, c, causal, anti))) {
        ColumnGroups cg = p.columnGroups();
        int i = rng.nextInt(n);
        long expected = 0;
        for (int j = 0; j < n; j++) {
          expected += cg.allows(i, j) ? 1 : 0;
        }
        assertEquals(expected, cg.countKeys(i, n), p.name() + " l=" + l + " c=" + c + " i=" + i);
      }
    }
  }

  @Test
  void bandDirectionsAndEmptiness() {
    Band b = new Band(4, 6, 1);
    assertEquals(new Band(0, 6, 1), b.anticausal());
    assertEquals(new Band(4, 0, 1), b.causal());
    assertTrue(Band.NONE.isEmpty());
    assertTrue(Band.NONE.allowsNone(0, 100, 0, 100));
    for (int i = 0; i < 20; i++) {
      for (int j = 0; j < 20; j++) {
        assertEquals(false, Band.NONE.allows(i, j));
        assertEquals(j >= i && j - i <= 6, b.anticausal().allows(i, j));
      }
    }
    assertTrue(!Band.ALL.isEmpty() && !new Band(0, 0, 1).isEmpty());
  }

  @Test
  void specRejectsStrideSummaryAndBothDirections() {
    assertMessage(
        "--stride", () -> PatternSpec.of("strided", 8, 7, false, false, Map.of(Param.STRIDE, 0)));
    assertMessage(
        "--summary",
        () ->
            PatternSpec.of("fixed", 8, 7, false, false, Map.of(Param.STRIDE, 4, Param.SUMMARY, 5)));
    assertMessage(
        "--summary",
        () ->
            PatternSpec.of("fixed", 8, 7, false, false, Map.of(Param.STRIDE, 4, Param.SUMMARY, 0)));
    assertMessage(
        "--anticausal",
        () -> PatternSpec.of("dense", 8, 7, true, true, Map.of(Param.STRIDE, 4, Param.SUMMARY, 1)));
    // a summary larger than the stride is irrelevant to other patterns
    PatternSpec.of("strided", 8, 7, false, false, Map.of(Param.STRIDE, 4, Param.SUMMARY, 8))
        .build();
  }

  private static void assertMessage(String flag, Runnable r) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().contains(flag), e.getMessage());
  }
}
