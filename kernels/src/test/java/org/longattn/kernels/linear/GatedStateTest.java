package org.longattn.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.longattn.kernels.linear.LinearOracles.assertWithin;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.TestData;
import org.longattn.kernels.state.GatedState;
import org.longattn.kernels.state.TreeFold;
import org.longattn.kernels.state.TreeScan;

/**
 * {@link GatedState} (GLA) against the token-by-token recurrence in double, and its laws.
 *
 * <p>Tolerance for outputs: |o − o_ref| ≤ 1e-5 · (the same recurrence on |q|, |k|, |v|), the sum of
 * the magnitudes of o_t's terms. fp32 rounding is relative to that sum: a term decayed over t
 * tokens of its own block has ≤ t rounded factors e^g (t ≤ 64 here), then one rounded e^a per
 * composed group (≤ log2 blocks), ≈ 6e-8 each; measured worst 1.05e-7; 1e-5 is the project's fp32
 * tolerance.
 */
class GatedStateTest {

  static final double REL = 1e-5;

  /** Tokens of one head, contiguous rows. */
  record Tokens(float[] q, float[] k, float[] v, float[] g, int n, int dk, int dv) {}

  /** Log-gates g = log σ(x)/τ, x ~ N(1, 2²), τ ∈ {1, 16} per dimension (GLA's parametrisation). */
  static Tokens random(SplittableRandom rng, int n, int dk, int dv) {
    float[] g = new float[n * dk];
    double[] tau = new double[dk];
    for (int i = 0; i < dk; i++) {
      tau[i] = rng.nextBoolean() ? 1 : 16;
    }
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < dk; i++) {
        double x = 1 + 2 * TestData.nextGaussian(rng);
        g[t * dk + i] = (float) (-Math.log1p(Math.exp(-x)) / tau[i]);
      }
    }
    return new Tokens(
        TestData.gaussian(rng, n, dk, 1),
        TestData.gaussian(rng, n, dk, 1),
        TestData.gaussian(rng, n, dv, 1),
        g,
        n,
        dk,
        dv);
  }

  static List<GatedState> blocks(Tokens x, int block) {
    List<GatedState> states = new ArrayList<>();
    for (int lo = 0; lo < x.n; lo += block) {
      int rows = Math.min(block, x.n - lo);
      states.add(
          GatedState.ofBlock(
              x.k, lo * x.dk, x.dk, x.v, lo * x.dv, x.dv, x.g, lo * x.dk, x.dk, rows, x.dk, x.dv));
    }
    return states;
  }

  /** Outputs from the exclusive scan over blocks and each block's own tokens. */
  static float[] scanOutputs(Tokens x, int block, List<GatedState> prefix) {
    float[] out = new float[x.n * x.dv];
    for (int b = 0; b < prefix.size(); b++) {
      int lo = b * block;
      int rows = Math.min(block, x.n - lo);
      prefix
          .get(b)
          .apply(
              x.q, lo * x.dk, x.dk, x.k, lo * x.dk, x.dk, x.v, lo * x.dv, x.dv, x.g, lo * x.dk,
              x.dk, rows, out, lo * x.dv, x.dv);
    }
    return out;
  }

  @Test
  void blockScanMatchesTokenRecurrence() {
    SplittableRandom rng = new SplittableRandom(51);
    int[][] cases = {
      {1, 8, 8, 4}, {7, 8, 12, 4}, {300, 16, 8, 64}, {333, 8, 16, 16}, {50, 4, 3, 1}
    };
    for (int[] cs : cases) {
      Tokens x = random(rng, cs[0], cs[1], cs[2]);
      int block = cs[3];
      double[][] ref = LinearOracles.gla(x.q, x.k, x.v, x.g, x.n, x.dk, x.dv);
      List<GatedState> bs = blocks(x, block);
      // both ways of scanning: the TreeScan a job uses, and a plain left fold
      List<GatedState> treePrefix =
          TreeScan.exclusive(bs, GatedState.identity(x.dk, x.dv), GatedState::compose);
      List<GatedState> leftPrefix = new ArrayList<>();
      GatedState acc = GatedState.identity(x.dk, x.dv);
      for (GatedState b : bs) {
        leftPrefix.add(acc);
        acc = GatedState.compose(acc, b);
      }
      for (List<GatedState> prefix : List.of(treePrefix, leftPrefix)) {
        float[] out = scanOutputs(x, block, prefix);
        for (int t = 0; t < x.n; t++) {
          for (int c = 0; c < x.dv; c++) {
            assertWithin(
                ref[t][c], out[t * x.dv + c], ref[t][x.dv + c], REL, "n=" + x.n + " t=" + t);
          }
        }
      }
      // the whole document's summary: a = Σ g, U = final S of the recurrence
      GatedState all = TreeFold.fold(bs, GatedState::compose);
      assertEquals(x.n, all.tokens());
      for (int i = 0; i < x.dk; i++) {
        double a = 0;
        double absA = 0;
        for (int t = 0; t < x.n; t++) {
          a += x.g[t * x.dk + i];
          absA += Math.abs(x.g[t * x.dk + i]);
        }
        assertWithin(a, all.a[i], absA, 1e-6, "a[" + i + "]");
      }
    }
  }

  /**
   * Spans of 4 blocks scanned from the carry of the span-total scan: bitwise the one-scan result.
   */
  @Test
  void spanWiseScanIsBitwiseTheOneScan() {
    SplittableRandom rng = new SplittableRandom(52);
    Tokens x = random(rng, 237, 8, 8);
    int block = 8;
    List<GatedState> bs = blocks(x, block);
    GatedState e = GatedState.identity(8, 8);
    float[] whole = scanOutputs(x, block, TreeScan.exclusive(bs, e, GatedState::compose));
    int span = 4;
    List<GatedState> totals = new ArrayList<>();
    for (int lo = 0; lo < bs.size(); lo += span) {
      totals.add(
          TreeFold.fold(bs.subList(lo, Math.min(bs.size(), lo + span)), GatedState::compose));
    }
    List<GatedState> carry = TreeScan.exclusive(totals, e, GatedState::compose);
    List<GatedState> prefix = new ArrayList<>();
    for (int s = 0; s < totals.size(); s++) {
      List<GatedState> sp = bs.subList(s * span, Math.min(bs.size(), (s + 1) * span));
      prefix.addAll(
          s == 0
              ? TreeScan.exclusive(sp, e, GatedState::compose)
              : TreeScan.exclusive(sp, (long) s * span, carry.get(s), GatedState::compose));
    }
    assertArrayEquals(bits(whole), bits(scanOutputs(x, block, prefix)));
  }

  @Test
  void compositionIsNotCommutativeAndOrderIsKept() {
    SplittableRandom rng = new SplittableRandom(53);
    Tokens x = random(rng, 20, 4, 3);
    List<GatedState> bs = blocks(x, 10);
    GatedState ab = GatedState.compose(bs.get(0), bs.get(1));
    GatedState ba = GatedState.compose(bs.get(1), bs.get(0));
    assertArrayEquals(bits(ab.a), bits(ba.a), "a = a1 + a2 commutes");
    double diff = 0;
    for (int i = 0; i < ab.u.length; i++) {
      diff = Math.max(diff, Math.abs(ab.u[i] - ba.u[i]));
    }
    assertTrue(diff > 1e-2, "U differs with the order: " + diff);
    // and the right order is the one that matches the whole sequence
    GatedState whole = blocks(x, 20).get(0);
    for (int i = 0; i < ab.u.length; i++) {
      assertWithin(whole.u[i], ab.u[i], 1 + Math.abs(whole.u[i]), 1e-5, "U[" + i + "]");
    }
  }

  static GatedState randomState(SplittableRandom rng, int dk, int dv) {
    Tokens x = random(rng, 1 + rng.nextInt(12), dk, dv);
    return blocks(x, x.n).get(0);
  }

  @Test
  void identityIsNeutralBitwise() {
    SplittableRandom rng = new SplittableRandom(54);
    for (int it = 0; it < 200; it++) {
      int dk = 1 + rng.nextInt(6);
      int dv = 1 + rng.nextInt(6);
      GatedState x = randomState(rng, dk, dv);
      x.u[0] = -0.0f;
      GatedState e = GatedState.identity(dk, dv);
      assertBitwise(x, GatedState.compose(e, x), "identity ∘ x");
      assertBitwise(x, GatedState.compose(x, e), "x ∘ identity");
      GatedState x0 = x.copy();
      GatedState.compose(x, randomState(rng, dk, dv));
      assertBitwise(x0, x, "compose leaves its input alone");
    }
  }

  /**
   * (a∘b)∘c vs a∘(b∘c): U's terms are decayed by e^{a_b}e^{a_c} on one side and e^{a_b + a_c} on
   * the other; each is a few roundings of 6e-8 relative, plus the rounding of a_b + a_c (≤
   * ulp(|a|)/2, i.e. 6e-8·|a| relative in e^a), on the scale |U_a| + |U_b| + |U_c|.
   */
  @Test
  void compositionIsAssociativeWithinRounding() {
    SplittableRandom rng = new SplittableRandom(55);
    for (int it = 0; it < 200; it++) {
      int dk = 1 + rng.nextInt(6);
      int dv = 1 + rng.nextInt(6);
      GatedState a = randomState(rng, dk, dv);
      GatedState b = randomState(rng, dk, dv);
      GatedState c = randomState(rng, dk, dv);
      GatedState left = GatedState.compose(GatedState.compose(a, b), c);
      GatedState right = GatedState.compose(a, GatedState.compose(b, c));
      for (int i = 0; i < dk; i++) {
        double absA = Math.abs(a.a[i]) + Math.abs(b.a[i]) + Math.abs(c.a[i]);
        assertWithin(left.a[i], right.a[i], absA, 1.2e-7, "a, instance " + it);
        for (int col = 0; col < dv; col++) {
          int j = i * dv + col;
          double scale = Math.abs(a.u[j]) + Math.abs(b.u[j]) + Math.abs(c.u[j]);
          assertWithin(left.u[j], right.u[j], scale, 3e-7 * (1 + absA), "U, instance " + it);
        }
      }
    }
  }

  /** g = 0: no decay (plain causal linear attention, unnormalised); g = −∞: full reset. */
  @Test
  void zeroAndMinusInfinityGates() {
    int dk = 2;
    int dv = 2;
    float[] q = {1, 0, 0, 1, 1, 1};
    float[] k = {1, 2, 3, 4, 5, 6};
    float[] v = {1, -1, 2, 0, 0.5f, 3};
    float ninf = Float.NEGATIVE_INFINITY;
    float[] g = {0, 0, -0.0f, 0, ninf, ninf};
    GatedState st = GatedState.ofBlock(k, 0, dk, v, 0, dv, g, 0, dk, 3, dk, dv);
    assertEquals(ninf, st.a[0]);
    float[] out = new float[6];
    GatedState.identity(dk, dv).apply(q, 0, dk, k, 0, dk, v, 0, dv, g, 0, dk, 3, out, 0, dv);
    double[][] ref = LinearOracles.gla(q, k, v, g, 3, dk, dv);
    for (int t = 0; t < 3; t++) {
      for (int c = 0; c < dv; c++) {
        assertEquals(ref[t][c], out[t * dv + c], 1e-6, "t=" + t);
      }
    }
    // after a −∞ gate only the last token is left: U = k_3 v_3ᵀ
    assertArrayEquals(new float[] {2.5f, 15f, 3f, 18f}, st.u);
    GatedState later = GatedState.compose(randomState(new SplittableRandom(1), dk, dv), st);
    assertArrayEquals(st.u, later.u, "a full reset forgets the earlier blocks");
  }

  @Test
  void positiveOrNaNGatesAndBadShapesAreRejected() {
    float[] kv = {1, 1};
    assertThrows(
        IllegalArgumentException.class,
        () -> GatedState.ofBlock(kv, 0, 2, kv, 0, 2, new float[] {0.1f, 0}, 0, 2, 1, 2, 2));
    assertThrows(
        IllegalArgumentException.class,
        () -> GatedState.ofBlock(kv, 0, 2, kv, 0, 2, new float[] {Float.NaN, 0}, 0, 2, 1, 2, 2));
    assertThrows(
        IllegalArgumentException.class,
        () -> GatedState.compose(GatedState.identity(2, 2), GatedState.identity(2, 3)));
  }

  @Test
  void writeToReadFromRoundTripsBitwise() {
    SplittableRandom rng = new SplittableRandom(56);
    for (int it = 0; it < 100; it++) {
      GatedState x =
          rng.nextInt(5) == 0
              ? GatedState.identity(1 + rng.nextInt(5), 1 + rng.nextInt(5))
              : randomState(rng, 1 + rng.nextInt(6), 1 + rng.nextInt(6));
      int pad = rng.nextInt(9);
      ByteOrder order = rng.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
      ByteBuffer buf = ByteBuffer.allocate(pad + x.byteSize() + 3).order(order);
      buf.position(pad);
      x.writeTo(buf);
      assertEquals(pad + x.byteSize(), buf.position());
      buf.flip().position(pad);
      GatedState y = GatedState.readFrom(buf);
      assertEquals(pad + x.byteSize(), buf.position());
      assertBitwise(x, y, "round trip " + it);
    }
  }

  static void assertBitwise(GatedState expected, GatedState actual, String what) {
    assertEquals(expected.dk, actual.dk, what);
    assertEquals(expected.dv, actual.dv, what);
    assertEquals(expected.tokens(), actual.tokens(), what);
    assertArrayEquals(bits(expected.a), bits(actual.a), what + " a");
    assertArrayEquals(bits(expected.u), bits(actual.u), what + " u");
  }

  static int[] bits(float[] a) {
    return LinearStateTest.bits(a);
  }
}
