package org.longattn.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.TestData;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.state.SoftmaxState;

/**
 * {@link JavaAttentionBackend#accumulate} called directly, against a double-precision reference of
 * the contract: after calls (keys_1, band_1), (keys_2, band_2), … on a state, row i holds the
 * softmax state over every (call, key j) with band_call.allows(pos_i, pos_j) and j not EXCLUDED.
 * Tolerance {@link Tolerance#REL} (fp32, d ≤ 128; see there), on m, out = o/l, l·e^(m − m_ref),
 * entropy, dsum/l and gsum/l; rows that saw no key must be the identity exactly.
 */
class JavaAttentionBackendTest {

  /** One accumulate call: its key blocks and band. */
  record Call(List<KeyRows> keys, Band band) {}

  /** A complete scenario: queries, calls in order, scale, stats. */
  record Scenario(String name, QueryRows q, List<Call> calls, float scale, boolean stats) {
    @Override
    public String toString() {
      return name;
    }
  }

  // ---------------------------------------------------------------- scenarios

  static Stream<Arguments> randomScenarios() {
    List<Arguments> out = new ArrayList<>();
    int[] ds = {1, 7, 16, 24, 64, 100};
    int[] nqs = {1, 5, 16, 17, 64, 65, 130};
    int seed = 0;
    for (int d : ds) {
      for (int nq : nqs) {
        seed++;
        SplittableRandom rng = new SplittableRandom(1000 + seed);
        int dv = rng.nextBoolean() ? d : 1 + rng.nextInt(40);
        out.add(Arguments.of(random("d=" + d + " dv=" + dv + " nq=" + nq, rng, nq, d, dv)));
      }
    }
    return out.stream();
  }

  /**
   * Random queries and 1–3 calls of 1–4 key blocks: random sizes (nk = 1 included), strides and
   * offsets, contiguous or explicit positions with gaps, flags (EXCLUDED / GLOBAL) or none, random
   * bands with dilation 1–3 and sides that may be negative, stats on or off.
   */
  static Scenario random(String name, SplittableRandom rng, int nq, int d, int dv) {
    int qStride = d + rng.nextInt(3) * 5;
    int qOff = rng.nextInt(4);
    float[] qa = TestData.gaussian(rng, nq * qStride + qOff, 1, 1.0);
    int[] qPos = positions(rng, nq, 40);
    boolean qExplicit = rng.nextBoolean();
    int span = qPos[nq - 1] + 80;
    QueryRows q =
        qExplicit
            ? new QueryRows(qa, qOff, qStride, nq, d, withPadding(qPos, 2), 2)
            : new QueryRows(qa, qOff, qStride, nq, d, null, qPos[0]);
    List<Call> calls = new ArrayList<>();
    int nCalls = 1 + rng.nextInt(3);
    for (int c = 0; c < nCalls; c++) {
      List<KeyRows> blocks = new ArrayList<>();
      int nBlocks = 1 + rng.nextInt(4);
      for (int b = 0; b < nBlocks; b++) {
        int nk =
            switch (rng.nextInt(4)) {
              case 0 -> 1;
              case 1 -> 64;
              default -> 1 + rng.nextInt(150);
            };
        blocks.add(randomKeys(rng, nk, d, dv, span));
      }
      calls.add(new Call(blocks, randomBand(rng)));
    }
    String what =
        name
            + (qExplicit ? " qpos" : "")
            + " calls="
            + calls.stream().map(c -> c.band() + "x" + c.keys().size()).toList();
    return new Scenario(what, q, calls, (float) (1 / Math.sqrt(d)), rng.nextBoolean());
  }

  static KeyRows randomKeys(SplittableRandom rng, int nk, int d, int dv, int span) {
    int kStride = d + rng.nextInt(3) * 3;
    int vStride = dv + rng.nextInt(3) * 2;
    int kOff = rng.nextInt(5);
    int vOff = rng.nextInt(5);
    float[] k = TestData.gaussian(rng, nk * kStride + kOff, 1, 1.0);
    float[] v = TestData.gaussian(rng, nk * vStride + vOff, 1, 1.0);
    int[] pos = positions(rng, nk, span);
    boolean explicit = rng.nextBoolean();
    byte[] flags = null;
    if (rng.nextInt(3) > 0) {
      flags = new byte[nk + 3];
      for (int j = 0; j < flags.length; j++) {
        int r = rng.nextInt(10);
        flags[j] = r < 2 ? KeyRows.EXCLUDED : r < 4 ? KeyRows.GLOBAL : 0;
      }
    }
    return new KeyRows(
        k,
        kOff,
        kStride,
        v,
        vOff,
        vStride,
        nk,
        d,
        dv,
        explicit ? withPadding(pos, 1) : null,
        explicit ? 1 : pos[0],
        flags,
        flags == null ? 0 : 3);
  }

  static Band randomBand(SplittableRandom rng) {
    return switch (rng.nextInt(5)) {
      case 0 -> Band.ALL;
      case 1 -> Band.ALL.causal();
      case 2 -> new Band(rng.nextInt(60), rng.nextInt(60), 1 + rng.nextInt(3));
      case 3 -> new Band(Band.UNBOUNDED, rng.nextInt(40) - 20, 1 + rng.nextInt(3));
      default -> new Band(-rng.nextInt(10), 10 + rng.nextInt(60), 1);
    };
  }

  /** n ascending positions starting in [0, spread), gaps of 1–3 (sometimes contiguous). */
  static int[] positions(SplittableRandom rng, int n, int spread) {
    int[] p = new int[n];
    boolean contiguous = rng.nextBoolean();
    p[0] = rng.nextInt(spread);
    for (int i = 1; i < n; i++) {
      p[i] = p[i - 1] + (contiguous ? 1 : 1 + rng.nextInt(3));
    }
    return p;
  }

  static int[] withPadding(int[] p, int front) {
    int[] r = new int[p.length + front + 2];
    System.arraycopy(p, 0, r, front, p.length);
    return r;
  }

  // ---------------------------------------------------------------- tests

  @ParameterizedTest(name = "{0}")
  @MethodSource("randomScenarios")
  void matchesReference(Scenario sc) {
    check(sc, run(sc, new JavaAttentionBackend()));
  }

  @Test
  void dilationTwoAndThree() {
    for (int dil : new int[] {2, 3}) {
      SplittableRandom rng = new SplittableRandom(dil);
      QueryRows q = new QueryRows(TestData.gaussian(rng, 64, 64, 1), 0, 64, 64, 64, null, 64);
      List<KeyRows> keys = new ArrayList<>();
      for (int b = 0; b < 3; b++) {
        keys.add(
            new KeyRows(
                TestData.gaussian(rng, 64, 64, 1),
                0,
                64,
                TestData.gaussian(rng, 64, 64, 1),
                0,
                64,
                64,
                64,
                64,
                null,
                b * 64,
                null,
                0));
      }
      for (Band band :
          List.of(
              new Band(Band.UNBOUNDED, Band.UNBOUNDED, dil),
              new Band(50, 0, dil),
              new Band(70, 30, dil))) {
        Scenario sc =
            new Scenario("dilation " + band, q, List.of(new Call(keys, band)), 0.125f, true);
        check(sc, run(sc, new JavaAttentionBackend()));
      }
    }
  }

  @Test
  void fullyMaskedRowsStayIdentity() {
    SplittableRandom rng = new SplittableRandom(5);
    int d = 24;
    int dv = 12;
    QueryRows q = new QueryRows(TestData.gaussian(rng, 70, d, 1), 0, d, 70, d, null, 0);
    // Keys at 100..163: with right = 60 only queries ≥ 40 see any; an all-EXCLUDED block adds
    // nothing; a band that allows nothing at all is skipped.
    KeyRows visible =
        new KeyRows(
            TestData.gaussian(rng, 64, d, 1),
            0,
            d,
            TestData.gaussian(rng, 64, dv, 1),
            0,
            dv,
            64,
            d,
            dv,
            null,
            100,
            null,
            0);
    byte[] allExcluded = new byte[64];
    Arrays.fill(allExcluded, KeyRows.EXCLUDED);
    KeyRows excluded =
        new KeyRows(
            TestData.gaussian(rng, 64, d, 1),
            0,
            d,
            TestData.gaussian(rng, 64, dv, 1),
            0,
            dv,
            64,
            d,
            dv,
            null,
            0,
            allExcluded,
            0);
    for (boolean stats : new boolean[] {false, true}) {
      Scenario sc =
          new Scenario(
              "masked rows",
              q,
              List.of(
                  new Call(List.of(excluded, visible), new Band(Band.UNBOUNDED, 60, 1)),
                  new Call(List.of(visible), new Band(0, -500, 1))),
              0.2f,
              stats);
      SoftmaxState got = run(sc, new JavaAttentionBackend());
      check(sc, got);
      for (int r = 0; r < 40; r++) {
        assertEquals(Float.NEGATIVE_INFINITY, got.m[r], "m of masked row " + r);
        assertEquals(0f, got.l[r], "l of masked row " + r);
        assertEquals(0f, got.t[r]);
        assertEquals(0f, got.dsum[r]);
        for (int c = 0; c < dv; c++) {
          assertEquals(0f, got.o[r * dv + c]);
        }
      }
      assertTrue(got.l[40] > 0, "row 40 sees key 100");
    }
  }

  /**
   * Scores of ±80 (exact in fp32: integer q, k and scale 1/4) in an order that moves the running
   * max up by a lot (rescale by ~e^−80) and then never again, and one block whose scores are all
   * far below the max.
   */
  @Test
  void veryLargeScores() {
    int d = 16;
    int nq = 40;
    float[] q = new float[nq * d];
    for (int i = 0; i < nq; i++) {
      Arrays.fill(q, i * d, (i + 1) * d, i % 2 == 0 ? 1f : -2f);
    }
    SplittableRandom rng = new SplittableRandom(80);
    List<KeyRows> keys = new ArrayList<>();
    int[][] bRanges = {{-2, 2}, {-20, 20}, {-20, -15}, {0, 20}};
    for (int b = 0; b < bRanges.length; b++) {
      int nk = 50;
      float[] k = new float[nk * d];
      for (int j = 0; j < nk; j++) {
        int lo = bRanges[b][0];
        int v = lo + rng.nextInt(bRanges[b][1] - lo + 1);
        for (int c = 0; c < d; c++) {
          k[j * d + c] = v + (c % 2 == 0 ? 1 : -1); // the ±1 cancel: q·k = 16·q·v
        }
      }
      // with scale 1/4: s = 4·q·v ∈ [−160, 160]; q = 1 rows: ±80
      keys.add(
          new KeyRows(
              k, 0, d, TestData.gaussian(rng, nk, 8, 1), 0, 8, nk, d, 8, null, b * nk, null, 0));
    }
    for (boolean stats : new boolean[] {false, true}) {
      Scenario sc =
          new Scenario(
              "large scores",
              new QueryRows(q, 0, d, nq, d, null, 0),
              List.of(new Call(keys, Band.ALL)),
              0.25f,
              stats);
      SoftmaxState got = run(sc, new JavaAttentionBackend());
      check(sc, got);
      assertEquals(80f, got.m[0], "q = 1 row: max score 4·1·20");
      assertEquals(160f, got.m[1], "q = −2 row: max score 4·(−2)·(−20)");
    }
  }

  @Test
  void singleQuerySingleKey() {
    SplittableRandom rng = new SplittableRandom(11);
    for (int d : new int[] {1, 7, 64, 100}) {
      QueryRows q = new QueryRows(TestData.gaussian(rng, 1, d, 1), 0, d, 1, d, null, 9);
      KeyRows k =
          new KeyRows(
              TestData.gaussian(rng, 1, d, 1),
              0,
              d,
              TestData.gaussian(rng, 1, 3, 1),
              0,
              3,
              1,
              d,
              3,
              null,
              4,
              new byte[] {KeyRows.GLOBAL},
              0);
      Scenario sc =
          new Scenario("nq=nk=1 d=" + d, q, List.of(new Call(List.of(k), Band.ALL)), 0.3f, true);
      SoftmaxState got = run(sc, new JavaAttentionBackend());
      check(sc, got);
      assertEquals(1f, got.l[0], "one key: l = e^0");
      assertEquals(5f, got.dsum[0]);
      assertEquals(1f, got.gsum[0]);
    }
  }

  /** Same inputs → bitwise the same state, also after the instance served other shapes. */
  @Test
  void deterministic() {
    SplittableRandom rng = new SplittableRandom(99);
    Scenario a = random("a", rng, 130, 64, 64);
    Scenario b = random("b", rng, 17, 7, 5);
    JavaAttentionBackend backend = new JavaAttentionBackend();
    SoftmaxState first = run(a, backend);
    run(b, backend);
    SoftmaxState second = run(a, backend);
    SoftmaxState fresh = run(a, new JavaAttentionBackend());
    for (SoftmaxState other : List.of(second, fresh)) {
      assertArrayEquals(first.m, other.m);
      assertArrayEquals(first.l, other.l);
      assertArrayEquals(first.t, other.t);
      assertArrayEquals(first.dsum, other.dsum);
      assertArrayEquals(first.gsum, other.gsum);
      assertArrayEquals(first.o, other.o);
    }
  }

  // ---------------------------------------------------------------- running and checking

  static SoftmaxState run(Scenario sc, JavaAttentionBackend backend) {
    SoftmaxState acc = SoftmaxState.identity(sc.q().n(), sc.calls().get(0).keys().get(0).dv());
    for (Call c : sc.calls()) {
      backend.accumulate(sc.q(), c.keys(), c.band(), sc.scale(), sc.stats(), acc);
    }
    return acc;
  }

  /** Compares every row of {@code got} with the double reference of the scenario. */
  static void check(Scenario sc, SoftmaxState got) {
    QueryRows q = sc.q();
    int dv = got.dv;
    double rel = Tolerance.REL;
    for (int r = 0; r < q.n(); r++) {
      List<double[]> seen = new ArrayList<>(); // {s, |i−j|, global, v_0 .. v_dv−1}
      int i = q.position(r);
      for (Call c : sc.calls()) {
        for (KeyRows kr : c.keys()) {
          for (int j = 0; j < kr.n(); j++) {
            if ((kr.flag(j) & KeyRows.EXCLUDED) != 0 || !c.band().allows(i, kr.position(j))) {
              continue;
            }
            double dot = 0;
            for (int x = 0; x < q.d(); x++) {
              dot +=
                  (double) q.q()[q.off() + r * q.stride() + x]
                      * kr.k()[kr.kOff() + j * kr.kStride() + x];
            }
            double[] e = new double[3 + dv];
            e[0] = dot * sc.scale();
            e[1] = Math.abs((long) i - kr.position(j));
            e[2] = (kr.flag(j) & KeyRows.GLOBAL) != 0 ? 1 : 0;
            for (int x = 0; x < dv; x++) {
              e[3 + x] = kr.v()[kr.vOff() + j * kr.vStride() + x];
            }
            seen.add(e);
          }
        }
      }
      String at = sc + " row " + r;
      if (seen.isEmpty()) {
        assertEquals(Float.NEGATIVE_INFINITY, got.m[r], at + ": m of a row that saw nothing");
        assertEquals(0f, got.l[r], at + ": l of a row that saw nothing");
        for (int x = 0; x < dv; x++) {
          assertEquals(0f, got.o[r * dv + x], at + ": o of a row that saw nothing");
        }
        continue;
      }
      double m = seen.stream().mapToDouble(e -> e[0]).max().getAsDouble();
      double l = 0, t = 0, dsum = 0, gsum = 0;
      double[] o = new double[dv];
      for (double[] e : seen) {
        double p = Math.exp(e[0] - m);
        l += p;
        t += p * (e[0] - m);
        dsum += p * e[1];
        gsum += p * e[2];
        for (int x = 0; x < dv; x++) {
          o[x] += p * e[3 + x];
        }
      }
      Tolerance.assertClose(m, got.m[r], rel, at + ": m");
      Tolerance.assertClose(l, got.l[r] * Math.exp(got.m[r] - m), rel, at + ": l·e^(m−m_ref)");
      for (int x = 0; x < dv; x++) {
        Tolerance.assertClose(o[x] / l, got.o[r * dv + x] / got.l[r], rel, at + ": out " + x);
      }
      if (sc.stats()) {
        Tolerance.assertClose(Math.log(l) - t / l, got.entropy(r), rel, at + ": entropy");
        Tolerance.assertClose(dsum / l, got.meanDistance(r), rel, at + ": mean distance");
        Tolerance.assertClose(gsum / l, got.globalMass(r), rel, at + ": global mass");
      }
    }
  }
}
