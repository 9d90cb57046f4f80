package org.longattn.kernels.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property tests of the online-softmax monoid (fixed seeds, hundreds of random instances each).
 *
 * <p>States are built directly from random key sets by a double-precision reference ({@link
 * #state}), rounded once to float, so every property is checked against an implementation that
 * shares nothing with {@link SoftmaxState#merge} but the layout.
 *
 * <p>Tolerances: associativity compares raw components at 1e-6 relative to the component's
 * magnitude bound (the value itself for l, t, dsum, gsum whose terms share one sign; l·max|v| for
 * o, whose terms may cancel): each side is a handful of fp32 roundings (exp, scale, add), ≈ 6e-8
 * each. Split-versus-whole compares final values with the double reference at 1e-5 relative to the
 * value's natural scale (as {@code Tolerance.REL}), leaving a wide margin for trees of ≤ 12 merges.
 */
class SoftmaxStateTest {

  private static final int INSTANCES = 400;

  /** One visible key of one query row. */
  record Key(float s, float[] v, float dist, boolean global) {}

  /** Double-precision sums of one row over a key set (m as the float max of the scores). */
  record Ref(double m, double l, double t, double dsum, double gsum, double[] o) {}

  static Ref ref(List<Key> keys, int dv) {
    double m = Double.NEGATIVE_INFINITY;
    for (Key k : keys) {
      m = Math.max(m, k.s);
    }
    double l = 0;
    double t = 0;
    double dsum = 0;
    double gsum = 0;
    double[] o = new double[dv];
    for (Key k : keys) {
      double sh = k.s - m;
      double p = Math.exp(sh);
      l += p;
      t += p * sh;
      dsum += p * k.dist;
      gsum += k.global ? p : 0;
      for (int c = 0; c < dv; c++) {
        o[c] += p * k.v[c];
      }
    }
    return new Ref(m, l, t, dsum, gsum, o);
  }

  /** The state of rows.size() rows, row r over the keys rows.get(r) (empty: no key visible). */
  static SoftmaxState state(List<List<Key>> rows, int dv) {
    SoftmaxState st = SoftmaxState.identity(rows.size(), dv);
    for (int r = 0; r < rows.size(); r++) {
      if (rows.get(r).isEmpty()) {
        continue;
      }
      Ref f = ref(rows.get(r), dv);
      st.m[r] = (float) f.m;
      st.l[r] = (float) f.l;
      st.t[r] = (float) f.t;
      st.dsum[r] = (float) f.dsum;
      st.gsum[r] = (float) f.gsum;
      for (int c = 0; c < dv; c++) {
        st.o[r * dv + c] = (float) f.o[c];
      }
    }
    return st;
  }

  static SoftmaxState state1(List<Key> keys, int dv) {
    return state(List.of(keys), dv);
  }

  /** Random keys: scores with a random offset and spread (0.1 … 30), Gaussian values. */
  static List<Key> randomKeys(SplittableRandom rng, int count, int dv) {
    double[] spreads = {0.1, 1, 5, 30};
    double spread = spreads[rng.nextInt(spreads.length)];
    double offset = (rng.nextDouble() - 0.5) * 100;
    List<Key> keys = new ArrayList<>();
    for (int j = 0; j < count; j++) {
      float[] v = new float[dv];
      for (int c = 0; c < dv; c++) {
        v[c] = (float) gaussian(rng);
      }
      keys.add(
          new Key(
              (float) (offset + spread * gaussian(rng)),
              v,
              rng.nextInt(5000),
              rng.nextInt(5) == 0));
    }
    return keys;
  }

  static double gaussian(SplittableRandom rng) {
    double u1 = rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A random state of `rows` rows; each row is empty with probability 1/6. */
  static SoftmaxState randomState(SplittableRandom rng, int rows, int dv) {
    return state(randomRows(rng, rows, dv), dv);
  }

  static List<List<Key>> randomRows(SplittableRandom rng, int rows, int dv) {
    List<List<Key>> keys = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      keys.add(rng.nextInt(6) == 0 ? List.of() : randomKeys(rng, 1 + rng.nextInt(20), dv));
    }
    return keys;
  }

  // ---- identity and commutativity: bitwise ----

  @Test
  void identityIsNeutralOnBothSidesBitwise() {
    SplittableRandom rng = new SplittableRandom(11);
    for (int it = 0; it < INSTANCES; it++) {
      int rows = 1 + rng.nextInt(4);
      int dv = rng.nextInt(9);
      SoftmaxState x = randomState(rng, rows, dv);
      SoftmaxState e = SoftmaxState.identity(rows, dv);
      assertBitwise(x, SoftmaxState.merge(e, x), "identity ⊕ x, instance " + it);
      assertBitwise(x, SoftmaxState.merge(x, e), "x ⊕ identity, instance " + it);
    }
  }

  /**
   * Signed zeros must survive a merge with the identity: a partition or block that contributes
   * nothing must not change the bits of a result (DESIGN §3, determinism). −0.0 reaches a state
   * through V entries equal to −0.0, through a rescale by an α that underflowed to 0 (−0.3·0 =
   * −0.0), and survives serialisation. Failed before mergeRow skipped/copied −∞ rows: α·x + 0 gave
   * +0.0.
   */
  @Test
  void identityKeepsNegativeZerosBitwise() {
    SoftmaxState x = SoftmaxState.identity(2, 3);
    x.m[0] = 1.5f;
    x.l[0] = 1f;
    x.t[0] = -0.0f;
    x.o[0] = -0.0f;
    x.o[1] = 0.25f;
    x.o[2] = -0.0f;
    x.m[1] = -3f;
    x.l[1] = 2f;
    x.t[1] = -1f;
    x.dsum[1] = 7f;
    x.o[3] = -0.0f;
    SoftmaxState e = SoftmaxState.identity(2, 3);
    assertBitwise(x, SoftmaxState.merge(e, x), "identity ⊕ x");
    assertBitwise(x, SoftmaxState.merge(x, e), "x ⊕ identity");
  }

  @Test
  void mergeIsCommutativeBitwise() {
    SplittableRandom rng = new SplittableRandom(12);
    for (int it = 0; it < INSTANCES; it++) {
      int rows = 1 + rng.nextInt(4);
      int dv = rng.nextInt(9);
      SoftmaxState a = randomState(rng, rows, dv);
      SoftmaxState b = randomState(rng, rows, dv);
      assertBitwise(
          SoftmaxState.merge(a, b), SoftmaxState.merge(b, a), "a ⊕ b vs b ⊕ a, instance " + it);
    }
  }

  @Test
  void mergeDoesNotChangeItsInputs() {
    SplittableRandom rng = new SplittableRandom(13);
    for (int it = 0; it < 50; it++) {
      SoftmaxState a = randomState(rng, 3, 4);
      SoftmaxState b = randomState(rng, 3, 4);
      SoftmaxState a0 = a.copy();
      SoftmaxState b0 = b.copy();
      SoftmaxState.merge(a, b);
      assertBitwise(a0, a, "left input");
      assertBitwise(b0, b, "right input");
    }
  }

  // ---- associativity: up to rounding ----

  @Test
  void mergeIsAssociativeWithinRounding() {
    SplittableRandom rng = new SplittableRandom(14);
    for (int it = 0; it < INSTANCES; it++) {
      int rows = 1 + rng.nextInt(3);
      int dv = rng.nextInt(9);
      List<List<Key>> ka = randomRows(rng, rows, dv);
      List<List<Key>> kb = randomRows(rng, rows, dv);
      List<List<Key>> kc = randomRows(rng, rows, dv);
      SoftmaxState a = state(ka, dv);
      SoftmaxState b = state(kb, dv);
      SoftmaxState c = state(kc, dv);
      SoftmaxState left = SoftmaxState.merge(SoftmaxState.merge(a, b), c);
      SoftmaxState right = SoftmaxState.merge(a, SoftmaxState.merge(b, c));
      String what = "(a ⊕ b) ⊕ c vs a ⊕ (b ⊕ c), instance " + it;
      for (int r = 0; r < rows; r++) {
        assertEquals(
            Float.floatToRawIntBits(left.m[r]), Float.floatToRawIntBits(right.m[r]), what + " m");
        assertRel(left.l[r], right.l[r], Math.abs(left.l[r]), 1e-6, what + " l");
        assertRel(left.t[r], right.t[r], Math.abs(left.t[r]), 1e-6, what + " t");
        assertRel(left.dsum[r], right.dsum[r], left.dsum[r], 1e-6, what + " dsum");
        assertRel(left.gsum[r], right.gsum[r], left.gsum[r], 1e-6, what + " gsum");
        // o's terms may cancel: its rounding scales with Σ e^(s−m)|v_j| ≤ l·max|v_j|
        double vmax =
            Math.max(
                maxAbsValue(ka.get(r)), Math.max(maxAbsValue(kb.get(r)), maxAbsValue(kc.get(r))));
        for (int col = 0; col < dv; col++) {
          assertRel(
              left.o[r * dv + col],
              right.o[r * dv + col],
              left.l[r] * vmax,
              1e-6,
              what + " o[" + col + "]");
        }
      }
    }
  }

  // ---- the homomorphism: merging the states of a split equals the state of the whole ----

  @Test
  void mergedSplitMatchesWholeKeySetInDouble() {
    SplittableRandom rng = new SplittableRandom(15);
    for (int it = 0; it < INSTANCES; it++) {
      int dv = 1 + rng.nextInt(8);
      List<Key> keys = randomKeys(rng, 1 + rng.nextInt(60), dv);
      int parts = 1 + rng.nextInt(12);
      List<List<Key>> split = new ArrayList<>();
      for (int p = 0; p < parts; p++) {
        split.add(new ArrayList<>());
      }
      boolean contiguous = rng.nextBoolean();
      for (int j = 0; j < keys.size(); j++) {
        int p = contiguous ? j * parts / keys.size() : rng.nextInt(parts);
        split.get(p).add(keys.get(j));
      }
      List<SoftmaxState> states = new ArrayList<>();
      for (List<Key> part : split) {
        states.add(state1(part, dv)); // empty parts give the identity
      }
      SoftmaxState merged = randomTreeMerge(rng, states);
      assertMatchesReference(keys, dv, merged, 0, "instance " + it + " (" + parts + " parts)");
    }
  }

  /** Merges in a random order with a random association (order independence where it holds). */
  static SoftmaxState randomTreeMerge(SplittableRandom rng, List<SoftmaxState> states) {
    List<SoftmaxState> pool = new ArrayList<>(states);
    while (pool.size() > 1) {
      SoftmaxState a = pool.remove(rng.nextInt(pool.size()));
      SoftmaxState b = pool.remove(rng.nextInt(pool.size()));
      pool.add(rng.nextBoolean() ? SoftmaxState.merge(a, b) : SoftmaxState.merge(b, a));
    }
    return pool.get(0);
  }

  /** Final values of row r of {@code got} against the double reference over {@code keys}. */
  static void assertMatchesReference(List<Key> keys, int dv, SoftmaxState got, int r, String what) {
    double m = Double.NEGATIVE_INFINITY;
    double vmax = 0;
    double distMax = 0;
    for (Key k : keys) {
      m = Math.max(m, k.s);
      distMax = Math.max(distMax, k.dist);
      for (float x : k.v) {
        vmax = Math.max(vmax, Math.abs(x));
      }
    }
    double l = 0;
    for (Key k : keys) {
      l += Math.exp(k.s - m);
    }
    double entropy = 0;
    double dist = 0;
    double pmax = 0;
    double gmass = 0;
    double[] out = new double[dv];
    for (Key k : keys) {
      double p = Math.exp(k.s - m) / l;
      entropy -= p > 0 ? p * Math.log(p) : 0;
      dist += p * k.dist;
      pmax = Math.max(pmax, p);
      gmass += k.global ? p : 0;
      for (int c = 0; c < dv; c++) {
        out[c] += p * k.v[c];
      }
    }
    float[] o = new float[dv];
    got.output(r, o, 0);
    for (int c = 0; c < dv; c++) {
      // out is a convex combination of the values: its rounding scales with max|v|
      assertRel(out[c], o[c], Math.abs(out[c]) + vmax, 1e-5, what + " out[" + c + "]");
    }
    // entropy = log l − E[s−m]: rounding scales with 1 + |E[s−m]| (≤ 1 + the score spread)
    double meanShift = Math.abs(got.t[r] / got.l[r]);
    assertRel(entropy, got.entropy(r), 1 + entropy + meanShift, 1e-5, what + " entropy");
    assertRel(dist, got.meanDistance(r), dist + distMax * 1e-3, 1e-5, what + " mean distance");
    assertRel(pmax, got.maxWeight(r), pmax, 1e-5, what + " max weight");
    assertRel(gmass, got.globalMass(r), 1, 1e-5, what + " global mass");
  }

  // ---- rows without visible keys, extreme scores ----

  @Test
  void emptyRowsMergeWithAnything() {
    SplittableRandom rng = new SplittableRandom(16);
    for (int it = 0; it < INSTANCES; it++) {
      int dv = 1 + rng.nextInt(6);
      List<Key> keys = rng.nextInt(4) == 0 ? List.of() : randomKeys(rng, 1 + rng.nextInt(10), dv);
      SoftmaxState x = state1(keys, dv);
      SoftmaxState empty = state1(List.of(), dv);
      for (SoftmaxState got : List.of(SoftmaxState.merge(empty, x), SoftmaxState.merge(x, empty))) {
        assertAllFinite(got, "instance " + it);
        if (keys.isEmpty()) {
          assertEquals(Float.NEGATIVE_INFINITY, got.m[0]);
          assertFinalsZero(got, 0, "empty ⊕ empty");
        } else {
          assertMatchesReference(keys, dv, got, 0, "instance " + it);
        }
      }
    }
  }

  @Test
  void twoEmptyRowsMergeToTheIdentityWithoutNaN() {
    SoftmaxState a = SoftmaxState.identity(3, 5);
    SoftmaxState b = SoftmaxState.identity(3, 5);
    SoftmaxState got = SoftmaxState.merge(a, b);
    assertBitwise(SoftmaxState.identity(3, 5), got, "−∞ ⊕ −∞");
    for (int r = 0; r < 3; r++) {
      assertFinalsZero(got, r, "row " + r);
    }
  }

  @Test
  void extremeScoreDifferencesGiveNoNaNOrInf() {
    SplittableRandom rng = new SplittableRandom(17);
    float[] scales = {1e4f, 3e4f, 1e5f};
    for (int it = 0; it < INSTANCES; it++) {
      int dv = 1 + rng.nextInt(4);
      float scale = scales[rng.nextInt(scales.length)];
      List<Key> keys = new ArrayList<>();
      int count = 1 + rng.nextInt(12);
      for (int j = 0; j < count; j++) {
        float[] v = new float[dv];
        for (int c = 0; c < dv; c++) {
          v[c] = (float) gaussian(rng);
        }
        // scores at ±scale and small perturbations of them: differences of 1e4 and more
        float s = (rng.nextBoolean() ? scale : -scale) + (float) gaussian(rng);
        keys.add(new Key(s, v, rng.nextInt(100), rng.nextBoolean()));
      }
      List<SoftmaxState> states = new ArrayList<>();
      for (Key k : keys) {
        states.add(state1(List.of(k), dv));
      }
      SoftmaxState merged = randomTreeMerge(rng, states);
      assertAllFinite(merged, "instance " + it);
      float[] o = new float[dv];
      merged.output(0, o, 0);
      for (float x : o) {
        assertTrue(Float.isFinite(x), "out finite, instance " + it);
      }
      for (float x :
          new float[] {
            merged.entropy(0), merged.meanDistance(0), merged.maxWeight(0), merged.globalMass(0)
          }) {
        assertTrue(Float.isFinite(x), "stat finite, instance " + it);
      }
      // only the keys near the top score carry weight; at ±1e4 the float score rounding
      // (ulp ≈ 1e-3) is the error, so compare the output loosely.
      double vmax = 0;
      for (Key k : keys) {
        for (float x : k.v) {
          vmax = Math.max(vmax, Math.abs(x));
        }
      }
      Ref f = ref(keys, dv);
      for (int c = 0; c < dv; c++) {
        assertRel(f.o[c] / f.l, o[c], vmax, 1e-3, "out, instance " + it);
      }
    }
  }

  /**
   * Scores up to ±3e38: the shift m_k − m of a merge can overflow to −∞ (α = 0, l·shift = −∞); the
   * old part must vanish, not turn t into NaN; and the stats stay in range (max weight ≤ 1, entropy
   * ≥ 0) because the maximum's weight is exactly 1.
   */
  @Test
  void scoresNearTheFloatLimitMergeWithoutNaNAndStatsInRange() {
    SplittableRandom rng = new SplittableRandom(23);
    float[] scales = {1e30f, 1e37f, 3e38f};
    for (int it = 0; it < INSTANCES; it++) {
      int dv = 1 + rng.nextInt(3);
      float scale = scales[rng.nextInt(scales.length)];
      List<SoftmaxState> states = new ArrayList<>();
      for (int j = 0, count = 2 + rng.nextInt(8); j < count; j++) {
        float[] v = new float[dv];
        for (int c = 0; c < dv; c++) {
          v[c] = (float) gaussian(rng);
        }
        float s = rng.nextBoolean() ? scale : -scale;
        SoftmaxState st = SoftmaxState.identity(1, dv);
        st.m[0] = s;
        st.l[0] = 1 + rng.nextInt(3); // ties of the key's own score
        st.o[0] = v[0] * st.l[0];
        states.add(st);
      }
      SoftmaxState merged = randomTreeMerge(rng, states);
      assertAllFinite(merged, "instance " + it);
      float mw = merged.maxWeight(0);
      float ent = merged.entropy(0);
      assertTrue(mw > 0f && mw <= 1f, "max weight " + mw + ", instance " + it);
      assertTrue(ent >= 0f, "entropy " + ent + ", instance " + it);
    }
  }

  // ---- serialisation and row-wise merge ----

  @Test
  void writeToReadFromRoundTripsBitwise() {
    SplittableRandom rng = new SplittableRandom(18);
    for (int it = 0; it < INSTANCES; it++) {
      int rows = rng.nextInt(6);
      int dv = rng.nextInt(10);
      SoftmaxState x = randomState(rng, rows, dv);
      if (rows > 0 && dv > 0 && rng.nextBoolean()) {
        x.o[rng.nextInt(rows * dv)] = -0.0f;
      }
      int pad = rng.nextInt(9);
      ByteOrder order = rng.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
      ByteBuffer buf = ByteBuffer.allocate(pad + x.byteSize() + 3).order(order);
      buf.position(pad);
      x.writeTo(buf);
      assertEquals(pad + x.byteSize(), buf.position(), "bytes written = byteSize()");
      buf.flip().position(pad);
      SoftmaxState y = SoftmaxState.readFrom(buf);
      assertEquals(pad + x.byteSize(), buf.position(), "bytes read = byteSize()");
      assertBitwise(x, y, "round trip, instance " + it);
    }
  }

  @Test
  void mergeRowMergesOneRowIntoAnotherIndex() {
    SplittableRandom rng = new SplittableRandom(19);
    for (int it = 0; it < INSTANCES; it++) {
      int dv = rng.nextInt(7);
      SoftmaxState a = randomState(rng, 1 + rng.nextInt(5), dv);
      SoftmaxState b = randomState(rng, 1 + rng.nextInt(5), dv);
      int r = rng.nextInt(a.rows);
      int or = rng.nextInt(b.rows);
      SoftmaxState expectRow = SoftmaxState.merge(row(a, r), row(b, or));
      SoftmaxState a0 = a.copy();
      SoftmaxState b0 = b.copy();
      a.mergeRow(r, b, or);
      assertBitwise(b0, b, "other unchanged, instance " + it);
      for (int x = 0; x < a.rows; x++) {
        assertBitwise(x == r ? expectRow : row(a0, x), row(a, x), "row " + x + ", instance " + it);
      }
      // the same state on both sides (another row of itself)
      SoftmaxState self = a0.copy();
      int r2 = rng.nextInt(self.rows);
      SoftmaxState expectSelf = SoftmaxState.merge(row(a0, r), row(a0, r2));
      self.mergeRow(r, self, r2);
      assertBitwise(expectSelf, row(self, r), "self merge, instance " + it);
    }
  }

  @Test
  void shapeMismatchesAreRejected() {
    SoftmaxState a = SoftmaxState.identity(2, 3);
    assertThrows(
        IllegalArgumentException.class, () -> a.mergeRow(0, SoftmaxState.identity(2, 4), 0));
    assertThrows(IllegalArgumentException.class, () -> a.mergeInPlace(SoftmaxState.identity(3, 3)));
    assertThrows(IllegalArgumentException.class, () -> SoftmaxState.identity(-1, 3));
    assertThrows(IllegalArgumentException.class, () -> SoftmaxState.identity(1, -3));
  }

  // ---- helpers ----

  /** Row r of s as a one-row state. */
  static SoftmaxState row(SoftmaxState s, int r) {
    SoftmaxState x = SoftmaxState.identity(1, s.dv);
    x.mergeRow(0, s, r);
    return x;
  }

  static double maxAbsValue(List<Key> keys) {
    double m = 0;
    for (Key k : keys) {
      for (float x : k.v) {
        m = Math.max(m, Math.abs(x));
      }
    }
    return m;
  }

  /** |expected − actual| ≤ rel·scale + 1e-30 (the floor absorbs fp32 subnormal rounding). */
  static void assertRel(double expected, double actual, double scale, double rel, String what) {
    if (!(Math.abs(expected - actual) <= rel * scale + 1e-30)) {
      fail(
          what
              + ": expected "
              + expected
              + " got "
              + actual
              + " (rel "
              + rel
              + " of "
              + scale
              + ")");
    }
  }

  static void assertBitwise(SoftmaxState expected, SoftmaxState actual, String what) {
    assertEquals(expected.rows, actual.rows, what + " rows");
    assertEquals(expected.dv, actual.dv, what + " dv");
    assertArrayEquals(bits(expected.m), bits(actual.m), what + " m");
    assertArrayEquals(bits(expected.l), bits(actual.l), what + " l");
    assertArrayEquals(bits(expected.t), bits(actual.t), what + " t");
    assertArrayEquals(bits(expected.dsum), bits(actual.dsum), what + " dsum");
    assertArrayEquals(bits(expected.gsum), bits(actual.gsum), what + " gsum");
    assertArrayEquals(bits(expected.o), bits(actual.o), what + " o");
  }

  static int[] bits(float[] a) {
    int[] b = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = Float.floatToRawIntBits(a[i]);
    }
    return b;
  }

  static void assertAllFinite(SoftmaxState s, String what) {
    for (int r = 0; r < s.rows; r++) {
      assertTrue(!Float.isNaN(s.m[r]) && s.m[r] != Float.POSITIVE_INFINITY, what + " m");
      for (float x : new float[] {s.l[r], s.t[r], s.dsum[r], s.gsum[r]}) {
        assertTrue(Float.isFinite(x), what + ": " + x);
      }
    }
    for (float x : s.o) {
      assertTrue(Float.isFinite(x), what + " o: " + x);
    }
  }

  static void assertFinalsZero(SoftmaxState s, int r, String what) {
    float[] o = new float[s.dv];
    s.output(r, o, 0);
    for (float x : o) {
      assertEquals(0f, x, what + " out");
    }
    assertEquals(0f, s.entropy(r), what + " entropy");
    assertEquals(0f, s.meanDistance(r), what + " mean distance");
    assertEquals(0f, s.maxWeight(r), what + " max weight");
    assertEquals(0f, s.globalMass(r), what + " global mass");
  }
}
