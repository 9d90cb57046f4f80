package org.longattn.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.longattn.kernels.linear.LinearOracles.assertWithin;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.TestData;
import org.longattn.kernels.feature.EluPlusOne;
import org.longattn.kernels.feature.FeatureMap;
import org.longattn.kernels.state.LinearState;
import org.longattn.kernels.state.TreeFold;
import org.longattn.kernels.state.TreeScan;

/**
 * {@link LinearState} with φ = elu + 1 against the O(n²) double definitions, and its monoid laws.
 *
 * <p>Tolerance for outputs: |o − o_ref| ≤ 1e-5 · Σ_j w_ij|v_j| / Σ_j w_ij (the magnitude of the
 * output's terms, per column). Every fp32 sum here has at most one block (≤ 64 keys) of sequential
 * terms plus a tree of depth ≤ 9, and φ ≥ 0 keeps the denominator free of cancellation, so the
 * rounding stays well below 1e-6 of that scale (measured worst: 2.1e-7); 1e-5 is the project's fp32
 * tolerance ({@code Tolerance.REL}).
 */
class LinearStateTest {

  static final double REL = 1e-5;

  /** Block b covers tokens [b·B, min(n, (b+1)·B)). */
  static List<LinearState> blockStates(float[] phiK, float[] v, int n, int m, int dv, int block) {
    List<LinearState> states = new ArrayList<>();
    for (int lo = 0; lo < n; lo += block) {
      int rows = Math.min(block, n - lo);
      states.add(LinearState.ofKeys(m, dv, phiK, lo * m, m, v, lo * dv, dv, rows));
    }
    return states;
  }

  static double[] toDouble(float[] x) {
    double[] r = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      r[i] = x[i];
    }
    return r;
  }

  @Test
  void nonCausalTreeFoldOverBlocksMatchesDirectSum() {
    SplittableRandom rng = new SplittableRandom(41);
    int[][] cases = {
      {1, 16, 16, 8}, {7, 16, 24, 4}, {200, 16, 24, 64}, {333, 8, 3, 16}, {129, 32, 16, 1}
    };
    for (int[] cs : cases) {
      int n = cs[0];
      int d = cs[1];
      int dv = cs[2];
      int block = cs[3];
      FeatureMap phi = new EluPlusOne(d);
      float[] q = TestData.gaussian(rng, n, d, 1);
      float[] k = TestData.gaussian(rng, n, d, 1);
      float[] v = TestData.gaussian(rng, n, dv, 1);
      float[] phiQ = phi.apply(q, 0, d, n);
      float[] phiK = phi.apply(k, 0, d, n);
      LinearState all = TreeFold.fold(blockStates(phiK, v, n, d, dv, block), LinearState::merge);
      assertEquals(n, all.tokens());
      float[] out = new float[n * dv];
      all.apply(phiQ, 0, d, n, out, 0, dv);
      double[][] ref =
          LinearOracles.linear(
              LinearOracles.eluPlusOne(q), LinearOracles.eluPlusOne(k), v, n, d, dv, false);
      assertOutputs(ref, out, n, dv, "non-causal n=" + n + " B=" + block);
    }
  }

  @Test
  void causalPrefixScanOverBlocksMatchesDirectSum() {
    SplittableRandom rng = new SplittableRandom(42);
    int[][] cases = {
      {1, 16, 16, 8},
      {2, 4, 4, 1},
      {7, 16, 24, 4},
      {200, 16, 24, 64},
      {333, 8, 3, 16},
      {100, 16, 8, 7}
    };
    for (int[] cs : cases) {
      int n = cs[0];
      int d = cs[1];
      int dv = cs[2];
      int block = cs[3];
      FeatureMap phi = new EluPlusOne(d);
      float[] q = TestData.gaussian(rng, n, d, 1);
      float[] k = TestData.gaussian(rng, n, d, 1);
      float[] v = TestData.gaussian(rng, n, dv, 1);
      float[] phiQ = phi.apply(q, 0, d, n);
      float[] phiK = phi.apply(k, 0, d, n);
      List<LinearState> prefix =
          TreeScan.exclusive(
              blockStates(phiK, v, n, d, dv, block),
              LinearState.identity(d, dv),
              LinearState::merge);
      float[] out = new float[n * dv];
      for (int b = 0; b < prefix.size(); b++) {
        int lo = b * block;
        int rows = Math.min(block, n - lo);
        assertEquals(lo, prefix.get(b).tokens(), "prefix of block " + b);
        prefix
            .get(b)
            .applyCausal(phiQ, lo * d, d, phiK, lo * d, d, v, lo * dv, dv, rows, out, lo * dv, dv);
      }
      double[][] ref =
          LinearOracles.linear(
              LinearOracles.eluPlusOne(q), LinearOracles.eluPlusOne(k), v, n, d, dv, true);
      assertOutputs(ref, out, n, dv, "causal n=" + n + " B=" + block);
    }
  }

  /** Strided, head-major rows: head h of token r at r·H·w + h·w, in and out. */
  @Test
  void stridedHeadRowsGiveTheSameOutputAsContiguousRows() {
    SplittableRandom rng = new SplittableRandom(43);
    int n = 37;
    int heads = 3;
    int d = 8;
    int dv = 5;
    FeatureMap phi = new EluPlusOne(d);
    float[] q = TestData.gaussian(rng, n, heads * d, 1);
    float[] k = TestData.gaussian(rng, n, heads * d, 1);
    float[] v = TestData.gaussian(rng, n, heads * dv, 1);
    float[] out = new float[n * heads * dv];
    for (int h = 0; h < heads; h++) {
      float[] phiQ = new float[n * heads * d];
      float[] phiK = new float[n * heads * d];
      phi.apply(q, h * d, heads * d, n, phiQ, h * d, heads * d);
      phi.apply(k, h * d, heads * d, n, phiK, h * d, heads * d);
      LinearState st = LinearState.identity(d, dv);
      st.applyCausal(
          phiQ,
          h * d,
          heads * d,
          phiK,
          h * d,
          heads * d,
          v,
          h * dv,
          heads * dv,
          n,
          out,
          h * dv,
          heads * dv);
    }
    for (int h = 0; h < heads; h++) {
      float[] qh = new float[n * d];
      float[] kh = new float[n * d];
      float[] vh = new float[n * dv];
      for (int r = 0; r < n; r++) {
        System.arraycopy(q, r * heads * d + h * d, qh, r * d, d);
        System.arraycopy(k, r * heads * d + h * d, kh, r * d, d);
        System.arraycopy(v, r * heads * dv + h * dv, vh, r * dv, dv);
      }
      float[] expect = new float[n * dv];
      LinearState.identity(d, dv)
          .applyCausal(
              phi.apply(qh, 0, d, n),
              0,
              d,
              phi.apply(kh, 0, d, n),
              0,
              d,
              vh,
              0,
              dv,
              n,
              expect,
              0,
              dv);
      for (int r = 0; r < n; r++) {
        for (int c = 0; c < dv; c++) {
          assertEquals(expect[r * dv + c], out[r * heads * dv + h * dv + c], "h=" + h);
        }
      }
    }
  }

  @Test
  void zeroDenominatorGivesZeros() {
    LinearState empty = LinearState.identity(4, 3);
    float[] out = {9, 9, 9, 9, 9, 9};
    empty.apply(new float[] {1, 2, 3, 4, 0, 0, 0, 0}, 0, 4, 2, out, 0, 3);
    assertArrayEquals(new float[6], out);
    LinearState st =
        LinearState.ofKeys(4, 3, new float[] {1, 0, 0, 0}, 0, 4, new float[] {1, 2, 3}, 0, 3, 1);
    st.apply(new float[] {0, 1, 1, 1}, 0, 4, 1, out, 0, 3); // φ(q)·z = 0
    assertArrayEquals(new float[6], out);
  }

  // ---- monoid laws ----

  static LinearState randomState(SplittableRandom rng, int m, int dv) {
    int n = 1 + rng.nextInt(30);
    float[] x = TestData.gaussian(rng, n, m, 1);
    float[] v = TestData.gaussian(rng, n, dv, 1 + rng.nextInt(100));
    float[] phiK = new EluPlusOne(m).apply(x, 0, m, n);
    if (rng.nextInt(4) == 0) {
      v[rng.nextInt(v.length)] = -0.0f;
    }
    return LinearState.ofKeys(m, dv, phiK, 0, m, v, 0, dv, n);
  }

  @Test
  void identityIsNeutralAndMergeIsCommutativeBitwise() {
    SplittableRandom rng = new SplittableRandom(44);
    for (int it = 0; it < 200; it++) {
      int m = 1 + rng.nextInt(9);
      int dv = 1 + rng.nextInt(9);
      LinearState a = randomState(rng, m, dv);
      LinearState b = randomState(rng, m, dv);
      LinearState e = LinearState.identity(m, dv);
      a.s[0] = -0.0f; // must survive the identity
      assertBitwise(a, LinearState.merge(e, a), "identity ⊕ a");
      assertBitwise(a, LinearState.merge(a, e), "a ⊕ identity");
      assertBitwise(LinearState.merge(a, b), LinearState.merge(b, a), "a ⊕ b vs b ⊕ a");
      LinearState a0 = a.copy();
      LinearState.merge(a, b);
      assertBitwise(a0, a, "merge leaves its input alone");
    }
  }

  /** Each side rounds each component ≤ 2 times, ≈ 6e-8 each of Σ|terms| ≤ |a| + |b| + |c|. */
  @Test
  void mergeIsAssociativeWithinRounding() {
    SplittableRandom rng = new SplittableRandom(45);
    for (int it = 0; it < 200; it++) {
      int m = 1 + rng.nextInt(9);
      int dv = 1 + rng.nextInt(9);
      LinearState a = randomState(rng, m, dv);
      LinearState b = randomState(rng, m, dv);
      LinearState c = randomState(rng, m, dv);
      LinearState left = LinearState.merge(LinearState.merge(a, b), c);
      LinearState right = LinearState.merge(a, LinearState.merge(b, c));
      assertEquals(left.tokens(), right.tokens());
      for (int i = 0; i < left.s.length; i++) {
        double scale = Math.abs(a.s[i]) + Math.abs(b.s[i]) + Math.abs(c.s[i]);
        assertWithin(left.s[i], right.s[i], scale, 2.5e-7, "s, instance " + it);
      }
      for (int i = 0; i < m; i++) {
        assertWithin(left.z[i], right.z[i], left.z[i], 2.5e-7, "z, instance " + it);
      }
    }
  }

  @Test
  void writeToReadFromRoundTripsBitwise() {
    SplittableRandom rng = new SplittableRandom(46);
    for (int it = 0; it < 100; it++) {
      LinearState x =
          rng.nextInt(5) == 0
              ? LinearState.identity(1 + rng.nextInt(5), 1 + rng.nextInt(5))
              : randomState(rng, 1 + rng.nextInt(9), 1 + rng.nextInt(9));
      int pad = rng.nextInt(9);
      ByteOrder order = rng.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
      ByteBuffer buf = ByteBuffer.allocate(pad + x.byteSize() + 3).order(order);
      buf.position(pad);
      x.writeTo(buf);
      assertEquals(pad + x.byteSize(), buf.position());
      buf.flip().position(pad);
      LinearState y = LinearState.readFrom(buf);
      assertEquals(pad + x.byteSize(), buf.position());
      assertBitwise(x, y, "round trip " + it);
    }
  }

  @Test
  void badShapesAndRangesAreRejected() {
    LinearState a = LinearState.identity(3, 2);
    assertThrows(IllegalArgumentException.class, () -> a.mergeInPlace(LinearState.identity(3, 3)));
    assertThrows(IllegalArgumentException.class, () -> LinearState.identity(0, 2));
    assertThrows(
        IllegalArgumentException.class,
        () -> a.accumulate(new float[5], 0, 3, new float[4], 0, 2, 2));
    assertThrows(
        IllegalArgumentException.class, () -> a.apply(new float[3], 0, 2, 1, new float[2], 0, 2));
  }

  // ---- helpers ----

  static void assertOutputs(double[][] ref, float[] out, int n, int dv, String what) {
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < dv; c++) {
        assertWithin(ref[i][c], out[i * dv + c], ref[i][dv + c], REL, what + " row " + i);
      }
    }
  }

  static void assertBitwise(LinearState expected, LinearState actual, String what) {
    assertEquals(expected.m, actual.m, what);
    assertEquals(expected.dv, actual.dv, what);
    assertEquals(expected.tokens(), actual.tokens(), what);
    assertArrayEquals(bits(expected.s), bits(actual.s), what + " s");
    assertArrayEquals(bits(expected.z), bits(actual.z), what + " z");
  }

  static int[] bits(float[] a) {
    int[] b = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = Float.floatToRawIntBits(a[i]);
    }
    return b;
  }
}
