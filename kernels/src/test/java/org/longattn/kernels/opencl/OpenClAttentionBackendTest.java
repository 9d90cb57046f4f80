package org.longattn.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.JavaDevice;
import com.aparapi.device.OpenCLDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.Backends;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.TestData;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.cpu.JavaAttentionBackend;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.state.SoftmaxState;

/**
 * {@link OpenClAttentionBackend#accumulate} called directly, against the {@code java} backend
 * (itself checked against the double oracle) within {@link Tolerance#REL}: random strides, offsets,
 * explicit positions, flags, bands with dilation and negative sides, several calls, key counts
 * across chunk boundaries, dv across column groups; plus identity rows bit for bit, large scores,
 * determinism, threads, the device check and the factory. Skipped without an OpenCL device unless
 * {@code -Dlongattn.requireOpenCL=true} (then they fail).
 */
class OpenClAttentionBackendTest {

  /** One accumulate call. */
  record Call(List<KeyRows> keys, Band band) {}

  /** Queries and calls in order. */
  record Scenario(String name, QueryRows q, List<Call> calls, float scale, boolean stats, int dv) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeEach
  void needsOpenCl() {
    BackendsUnderTest.assumeOpenCl();
  }

  static Stream<Scenario> randomScenarios() {
    List<Scenario> out = new ArrayList<>();
    int[][] shapes = { // d, dv, nq
      {1, 1, 1}, {7, 5, 17}, {16, 16, 64}, {24, 40, 65}, {64, 64, 64}, {64, 100, 30}, {32, 130, 9}
    };
    int seed = 0;
    for (int[] s : shapes) {
      for (int rep = 0; rep < 3; rep++) {
        out.add(random(new SplittableRandom(500 + seed++), s[0], s[1], s[2]));
      }
    }
    return out.stream();
  }

  static Scenario random(SplittableRandom rng, int d, int dv, int nq) {
    int qStride = d + rng.nextInt(3) * 5;
    int qOff = rng.nextInt(4);
    float[] qa = TestData.gaussian(rng, nq * qStride + qOff, 1, 1.0);
    int[] qPos = positions(rng, nq, 40);
    boolean explicit = rng.nextBoolean();
    QueryRows q =
        explicit
            ? new QueryRows(qa, qOff, qStride, nq, d, pad(qPos, 2), 2)
            : new QueryRows(qa, qOff, qStride, nq, d, null, qPos[0]);
    int span = qPos[nq - 1] + 80;
    List<Call> calls = new ArrayList<>();
    for (int c = 1 + rng.nextInt(3); c > 0; c--) {
      List<KeyRows> blocks = new ArrayList<>();
      for (int b = 1 + rng.nextInt(4); b > 0; b--) {
        int nk =
            switch (rng.nextInt(4)) {
              case 0 -> 1;
              case 1 -> 64;
              default -> 1 + rng.nextInt(300); // across KEYS_PER_CHUNK
            };
        blocks.add(randomKeys(rng, nk, d, dv, span));
      }
      calls.add(new Call(blocks, randomBand(rng)));
    }
    String name =
        "d=" + d + " dv=" + dv + " nq=" + nq + (explicit ? " qpos" : "") + " calls=" + calls.size();
    return new Scenario(name, q, calls, (float) (1 / Math.sqrt(d)), rng.nextBoolean(), dv);
  }

  static KeyRows randomKeys(SplittableRandom rng, int nk, int d, int dv, int span) {
    int kStride = d + rng.nextInt(3) * 3;
    int vStride = dv + rng.nextInt(3) * 2;
    int kOff = rng.nextInt(5);
    int vOff = rng.nextInt(5);
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
        TestData.gaussian(rng, nk * kStride + kOff, 1, 1.0),
        kOff,
        kStride,
        TestData.gaussian(rng, nk * vStride + vOff, 1, 1.0),
        vOff,
        vStride,
        nk,
        d,
        dv,
        explicit ? pad(pos, 1) : null,
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

  static int[] positions(SplittableRandom rng, int n, int spread) {
    int[] p = new int[n];
    boolean contiguous = rng.nextBoolean();
    p[0] = rng.nextInt(spread);
    for (int i = 1; i < n; i++) {
      p[i] = p[i - 1] + (contiguous ? 1 : 1 + rng.nextInt(3));
    }
    return p;
  }

  static int[] pad(int[] p, int front) {
    int[] r = new int[p.length + front + 2];
    System.arraycopy(p, 0, r, front, p.length);
    return r;
  }

  static SoftmaxState run(Scenario sc, AttentionBackend backend) {
    SoftmaxState acc = SoftmaxState.identity(sc.q().n(), sc.dv());
    for (Call c : sc.calls()) {
      backend.accumulate(sc.q(), c.keys(), c.band(), sc.scale(), sc.stats(), acc);
    }
    return acc;
  }

  /** got ≈ ref (the java backend's state) row by row; identity rows must match bit for bit. */
  static void assertSameState(Scenario sc, SoftmaxState ref, SoftmaxState got) {
    double rel = Tolerance.REL;
    for (int r = 0; r < ref.rows; r++) {
      String at = sc + " row " + r;
      if (ref.m[r] == Float.NEGATIVE_INFINITY) {
        assertEquals(Float.NEGATIVE_INFINITY, got.m[r], at + ": m of a row that saw nothing");
        assertEquals(0, Float.floatToRawIntBits(got.l[r]), at + ": l (+0.0)");
        for (int x = 0; x < ref.dv; x++) {
          assertEquals(0, Float.floatToRawIntBits(got.o[r * ref.dv + x]), at + ": o (+0.0)");
        }
        continue;
      }
      Tolerance.assertClose(ref.m[r], got.m[r], rel, at + ": m");
      Tolerance.assertClose(
          ref.l[r], got.l[r] * Math.exp((double) got.m[r] - ref.m[r]), rel, at + ": l");
      float[] a = new float[ref.dv];
      float[] b = new float[ref.dv];
      ref.output(r, a, 0);
      got.output(r, b, 0);
      for (int x = 0; x < ref.dv; x++) {
        Tolerance.assertClose(a[x], b[x], rel, at + ": out " + x);
      }
      if (sc.stats()) {
        Tolerance.assertClose(ref.entropy(r), got.entropy(r), rel, at + ": entropy");
        Tolerance.assertClose(ref.meanDistance(r), got.meanDistance(r), rel, at + ": distance");
        Tolerance.assertClose(ref.globalMass(r), got.globalMass(r), rel, at + ": global mass");
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("randomScenarios")
  void matchesJavaBackend(Scenario sc) {
    try (AttentionBackend cl = new OpenClAttentionBackend(-1)) {
      assertSameState(sc, run(sc, new JavaAttentionBackend()), run(sc, cl));
    }
  }

  @Test
  void fullyMaskedRowsStayIdentity() {
    SplittableRandom rng = new SplittableRandom(5);
    int d = 24;
    int dv = 12;
    QueryRows q = new QueryRows(TestData.gaussian(rng, 70, d, 1), 0, d, 70, d, null, 0);
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
        new KeyRows(visible.k(), 0, d, visible.v(), 0, dv, 64, d, dv, null, 0, allExcluded, 0);
    Scenario sc =
        new Scenario(
            "masked rows",
            q,
            List.of(
                new Call(List.of(excluded, visible), new Band(Band.UNBOUNDED, 60, 1)),
                new Call(List.of(visible), new Band(0, -500, 1))),
            0.2f,
            true,
            dv);
    try (AttentionBackend cl = new OpenClAttentionBackend(-1)) {
      SoftmaxState got = run(sc, cl);
      assertSameState(sc, run(sc, new JavaAttentionBackend()), got);
      for (int r = 0; r < 40; r++) {
        assertEquals(Float.NEGATIVE_INFINITY, got.m[r], "row " + r + " sees no key");
      }
      assertTrue(got.l[40] > 0, "row 40 sees key 100");
    }
  }

  /** Scores ±80 and ±160 (exact in fp32): big rescales, then keys far below the max. */
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
    int[][] ranges = {{-2, 2}, {-20, 20}, {-20, -15}, {0, 20}};
    for (int b = 0; b < ranges.length; b++) {
      int nk = 50;
      float[] k = new float[nk * d];
      for (int j = 0; j < nk; j++) {
        int v = ranges[b][0] + rng.nextInt(ranges[b][1] - ranges[b][0] + 1);
        for (int c = 0; c < d; c++) {
          k[j * d + c] = v + (c % 2 == 0 ? 1 : -1);
        }
      }
      keys.add(
          new KeyRows(
              k, 0, d, TestData.gaussian(rng, nk, 8, 1), 0, 8, nk, d, 8, null, b * nk, null, 0));
    }
    Scenario sc =
        new Scenario(
            "large scores",
            new QueryRows(q, 0, d, nq, d, null, 0),
            List.of(new Call(keys, Band.ALL)),
            0.25f,
            true,
            8);
    try (AttentionBackend cl = new OpenClAttentionBackend(-1)) {
      SoftmaxState got = run(sc, cl);
      assertSameState(sc, run(sc, new JavaAttentionBackend()), got);
      assertEquals(80f, got.m[0]);
      assertEquals(160f, got.m[1]);
    }
  }

  /** Same inputs → bitwise the same state, after other shapes and from a fresh instance. */
  @Test
  void deterministic() {
    SplittableRandom rng = new SplittableRandom(99);
    Scenario a = random(rng, 64, 64, 64);
    Scenario b = random(rng, 7, 130, 17);
    SoftmaxState first;
    SoftmaxState second;
    try (AttentionBackend cl = new OpenClAttentionBackend(-1)) {
      first = run(a, cl);
      run(b, cl);
      second = run(a, cl);
    }
    SoftmaxState fresh;
    try (AttentionBackend cl = new OpenClAttentionBackend(-1)) {
      fresh = run(a, cl);
    }
    for (SoftmaxState other : List.of(second, fresh)) {
      assertArrayEquals(first.m, other.m);
      assertArrayEquals(first.l, other.l);
      assertArrayEquals(first.t, other.t);
      assertArrayEquals(first.dsum, other.dsum);
      assertArrayEquals(first.gsum, other.gsum);
      assertArrayEquals(first.o, other.o);
    }
  }

  /** Four threads, one backend each (pooled kernels): the same bits as one thread. */
  @Test
  void concurrentTasksGiveTheSameBits() throws Exception {
    List<Scenario> scenarios = randomScenarios().toList();
    List<SoftmaxState> expected = new ArrayList<>();
    try (AttentionBackend cl = new OpenClAttentionBackend(-1)) {
      for (Scenario sc : scenarios) {
        expected.add(run(sc, cl));
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<SoftmaxState>>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        futures.add(
            pool.submit(
                () -> {
                  try (AttentionBackend cl = Backends.create("opencl")) {
                    return scenarios.stream().map(sc -> run(sc, cl)).toList();
                  }
                }));
      }
      for (Future<List<SoftmaxState>> f : futures) {
        List<SoftmaxState> got = f.get();
        for (int i = 0; i < got.size(); i++) {
          assertArrayEquals(expected.get(i).o, got.get(i).o, scenarios.get(i).toString());
          assertArrayEquals(expected.get(i).l, got.get(i).l, scenarios.get(i).toString());
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** The backend's device is the one Aparapi's profile says ran the kernel; no Java fallback. */
  @Test
  void reportsTheDeviceThatRan() {
    OpenCLDevice device = OpenClDevices.get(-1);
    try (AttentionBackend cl = Backends.create("opencl", 0)) {
      assertEquals("opencl", cl.name());
      assertEquals(OpenClDevices.describe(device), cl.device());
      run(random(new SplittableRandom(3), 16, 16, 20), cl);
    }
    AttentionKernel k = new AttentionKernel();
    assertFalse(Double.isNaN(k.getAccumulatedExecutionTimeAllThreads(device)), "ran on device");
    assertTrue(Double.isNaN(k.getAccumulatedExecutionTimeAllThreads(JavaDevice.THREAD_POOL)));
  }

  /**
   * A kernel Aparapi cannot translate to OpenCL runs, silently, on a Java fallback device (here
   * "alternative algorithm": it computes nothing); the check must catch that.
   */
  @Test
  void detectsSilentFallback() {
    OpenCLDevice device = OpenClDevices.get(-1);
    UntranslatableKernel k = new UntranslatableKernel();
    k.execute(Range.create(64, 64)); // no exception, no OpenCL
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> OpenClAttentionBackend.checkRanOn(k, device, "the test device"));
    assertTrue(e.getMessage().contains("did not run on the test device"), e.getMessage());
  }

  /** Allocates in run(): not translatable to OpenCL. */
  static final class UntranslatableKernel extends Kernel {
    float[] out = new float[64];

    @Override
    public void run() {
      float[] tmp = new float[] {getGlobalId()};
      out[getGlobalId()] = tmp[0];
    }
  }

  @Test
  void autoPicksOpenClOnlyOnAGpu() {
    try (AttentionBackend auto = Backends.create("auto")) {
      boolean gpu = OpenClDevices.libjsigPreloaded() && OpenClDevices.hasGpu();
      assertEquals(gpu ? "opencl" : "java", auto.name());
    }
  }

  @Test
  void missingDeviceIndexIsAClearError() {
    int n = OpenClDevices.all().size();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> Backends.create("opencl", n));
    assertTrue(
        e.getMessage().startsWith("--backend opencl: no OpenCL device #" + n), e.getMessage());
  }
}
