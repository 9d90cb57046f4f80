package org.longattn.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.TestData;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.state.SoftmaxState;

/**
 * Additive scores give the same bits whatever the JIT has compiled: the first call (interpreted or
 * C1) against a call after thousands (C2). The Vector API's own tanh does not (C2 uses a vector
 * math library, the other tiers {@link Math#tanh} per lane); {@link
 * org.longattn.kernels.vectorization.FloatOps#tanh} uses IEEE operations only (its accuracy is
 * checked in {@code FloatOpsTest}).
 */
class AdditiveDeterminismTest {
  @Test
  void sameBitsBeforeAndAfterC2() {
    SplittableRandom rng = new SplittableRandom(1);
    int nq = 64;
    int nk = 128;
    int d = 16;
    float[] q = TestData.gaussian(rng, nq, d, 1.5);
    float[] k = TestData.gaussian(rng, nk, d, 1.5);
    float[] v = TestData.gaussian(rng, nk, d, 1.0);
    float[] w = TestData.gaussian(rng, 1, d, 1.0);
    QueryRows qr = new QueryRows(q, 0, d, nq, d, null, 0);
    KeyRows kr = new KeyRows(k, 0, d, v, 0, d, nk, d, d, null, 0, null, 0);
    JavaAttentionBackend be = new JavaAttentionBackend();
    SoftmaxState first = run(be, qr, kr, w);
    SoftmaxState last = first;
    long deadline = System.nanoTime() + 20_000_000_000L;
    for (int i = 0; i < 20_000 && System.nanoTime() < deadline; i++) {
      last = run(be, qr, kr, w);
    }
    assertArrayEquals(first.o, last.o);
    assertArrayEquals(first.l, last.l);
    assertArrayEquals(first.m, last.m);
  }

  private static SoftmaxState run(JavaAttentionBackend be, QueryRows q, KeyRows k, float[] w) {
    SoftmaxState st = SoftmaxState.identity(q.n(), k.dv());
    be.accumulateAdditive(q, List.of(k), w, Band.ALL, false, st);
    return st;
  }
}
