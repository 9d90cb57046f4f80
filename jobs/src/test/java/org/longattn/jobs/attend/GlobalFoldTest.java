package org.longattn.jobs.attend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.state.SoftmaxState;
import org.longattn.kernels.state.TreeFold;

/**
 * The rounds of {@link GlobalFold} (groups of FANOUT aligned span partials, in any arrival order)
 * give bitwise the state of one {@link TreeFold} over all spans, for span counts around the round
 * boundaries.
 */
class GlobalFoldTest {
  static final int HEADS = 2;
  static final int ROWS = 3;
  static final int DV = 4;

  @Test
  void roundsEqualOneTreeFoldBitwise() {
    Random rng = new Random(11);
    for (int spans : new int[] {1, 2, 15, 16, 17, 31, 255, 256, 257, 700}) {
      List<SoftmaxState[]> partials = new ArrayList<>();
      List<byte[]> records = new ArrayList<>();
      for (int s = 0; s < spans; s++) {
        SoftmaxState[] heads = new SoftmaxState[HEADS];
        for (int h = 0; h < HEADS; h++) {
          heads[h] = random(rng);
        }
        partials.add(heads);
        records.add(GlobalFold.record(s, heads));
      }
      Collections.shuffle(records, rng);
      int rounds = 0;
      List<byte[]> level = records;
      do {
        Map<Integer, List<byte[]>> groups = new TreeMap<>();
        for (byte[] r : level) {
          groups
              .computeIfAbsent(GlobalFold.index(r) / GlobalFold.FANOUT, k -> new ArrayList<>())
              .add(r);
        }
        level = new ArrayList<>();
        for (Map.Entry<Integer, List<byte[]>> g : groups.entrySet()) {
          level.add(GlobalFold.foldGroup(g.getKey(), g.getValue(), HEADS));
        }
        Collections.shuffle(level, rng);
        rounds++;
      } while (level.size() > 1);
      assertEquals(spans <= 16 ? 1 : spans <= 256 ? 2 : 3, rounds, "rounds for " + spans);
      SoftmaxState[] got = GlobalFold.states(level.get(0), HEADS);
      for (int h = 0; h < HEADS; h++) {
        List<SoftmaxState> column = new ArrayList<>();
        for (SoftmaxState[] p : partials) {
          column.add(p[h]);
        }
        SoftmaxState want = TreeFold.fold(column, SoftmaxState::merge);
        String what = spans + " spans, head " + h;
        assertArrayEquals(want.m, got[h].m, what);
        assertArrayEquals(want.l, got[h].l, what);
        assertArrayEquals(want.o, got[h].o, what);
        assertArrayEquals(want.t, got[h].t, what);
        assertArrayEquals(want.dsum, got[h].dsum, what);
        assertArrayEquals(want.gsum, got[h].gsum, what);
      }
    }
  }

  private static SoftmaxState random(Random rng) {
    SoftmaxState s = SoftmaxState.identity(ROWS, DV);
    for (int r = 0; r < ROWS; r++) {
      if (rng.nextInt(8) == 0) {
        continue; // a row that saw no key in this span: the identity
      }
      s.m[r] = (float) (rng.nextGaussian() * 4);
      s.l[r] = 1 + rng.nextFloat() * 50;
      s.t[r] = rng.nextFloat();
      s.dsum[r] = rng.nextFloat() * 100;
      s.gsum[r] = rng.nextFloat();
      for (int c = 0; c < DV; c++) {
        s.o[r * DV + c] = (float) rng.nextGaussian();
      }
    }
    return s;
  }
}
