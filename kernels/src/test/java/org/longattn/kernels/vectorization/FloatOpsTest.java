package org.longattn.kernels.vectorization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The two {@link FloatOps} implementations against each other (same bits, op by op, on random
 * shapes, strides and special values) and against double-precision definitions; the provider's
 * choice.
 */
class FloatOpsTest {
  private static final PanamaFloatOps PANAMA = new PanamaFloatOps();
  private static final ScalarFloatOps SCALAR = new ScalarFloatOps(PANAMA.lanes());

  private static float[] random(SplittableRandom rng, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (rng.nextGaussian());
    }
    return a;
  }

  @Test
  void providerChoosesOnce() {
    assertTrue(FloatOpsProvider.vectorModulePresent(), "tests run with the Vector API module");
    assertInstanceOf(PanamaFloatOps.class, FloatOps.get());
    assertInstanceOf(PanamaFloatOps.class, FloatOpsProvider.choose("auto"));
    assertInstanceOf(PanamaFloatOps.class, FloatOpsProvider.choose("vector"));
    assertInstanceOf(ScalarFloatOps.class, FloatOpsProvider.choose("scalar"));
    assertThrows(IllegalArgumentException.class, () -> FloatOpsProvider.choose("avx"));
    assertThrows(IllegalArgumentException.class, () -> new ScalarFloatOps(3));
  }

  /** The micro-kernel, every shape, strided A (rows or columns), accumulate on and off. */
  @Test
  void microKernelSameBitsAndMatchesDouble() {
    int lanes = PANAMA.lanes();
    SplittableRandom rng = new SplittableRandom(3);
    for (int trial = 0; trial < 200; trial++) {
      int rows = rng.nextBoolean() ? 4 : 1;
      int vecs = rng.nextBoolean() ? 4 : 1;
      int width = vecs * lanes;
      int k = rng.nextInt(0, 70);
      boolean byColumns = rng.nextBoolean();
      int aRow = byColumns ? 1 : k + rng.nextInt(3);
      int aStep = byColumns ? rows + rng.nextInt(3) : 1;
      int aOff = rng.nextInt(3);
      float[] a = random(rng, aOff + 4 * Math.max(aRow, 1) + k * aStep + 8);
      int ldb = width + rng.nextInt(3) * lanes;
      int bOff = rng.nextInt(2) * lanes;
      float[] b = random(rng, bOff + k * ldb + width);
      int ldc = width + rng.nextInt(3);
      int cOff = rng.nextInt(3);
      float[] c0 = random(rng, cOff + rows * ldc + width);
      boolean acc = rng.nextBoolean();
      float[] cp = c0.clone();
      float[] cs = c0.clone();
      for (FloatOps ops : new FloatOps[] {PANAMA, SCALAR}) {
        float[] c = ops == PANAMA ? cp : cs;
        if (rows == 4 && vecs == 4) {
          ops.gemm4x4(k, a, aOff, aRow, aStep, b, bOff, ldb, c, cOff, ldc, acc);
        } else if (rows == 4) {
          ops.gemm4x1(k, a, aOff, aRow, aStep, b, bOff, ldb, c, cOff, ldc, acc);
        } else if (vecs == 4) {
          ops.gemm1x4(k, a, aOff, aStep, b, bOff, ldb, c, cOff, acc);
        } else {
          ops.gemm1x1(k, a, aOff, aStep, b, bOff, ldb, c, cOff, acc);
        }
      }
      assertArrayEquals(cp, cs, "trial " + trial);
      for (int r = 0; r < rows; r++) {
        for (int x = 0; x < width; x++) {
          double ref = acc ? c0[cOff + r * ldc + x] : 0;
          double mag = Math.abs(ref);
          for (int t = 0; t < k; t++) {
            double p = (double) a[aOff + r * aRow + t * aStep] * b[bOff + t * ldb + x];
            ref += p;
            mag += Math.abs(p);
          }
          assertEquals(ref, cp[cOff + r * ldc + x], 1e-6 * (mag + 1), "trial " + trial);
        }
      }
      // nothing outside the block is written
      for (int i = 0; i < cp.length; i++) {
        int r = (i - cOff) / ldc;
        int x = (i - cOff) % ldc;
        if (i < cOff || r >= rows || x >= width) {
          assertEquals(c0[i], cp[i], "outside the block at " + i);
        }
      }
    }
  }

  /** A read with two strides neither of which is 1 is refused by both implementations. */
  @Test
  void microKernelRefusesGeneralLayout() {
    float[] a = new float[64];
    float[] b = new float[64 * PANAMA.lanes()];
    float[] c = new float[16 * PANAMA.lanes()];
    for (FloatOps ops : new FloatOps[] {PANAMA, SCALAR}) {
      assertThrows(
          IllegalArgumentException.class,
          () ->
              ops.gemm4x4(
                  2, a, 0, 3, 2, b, 0, 4 * PANAMA.lanes(), c, 0, 4 * PANAMA.lanes(), false));
    }
  }

  /** Online softmax with and without statistics: same bits, masked (−∞) columns included. */
  @Test
  void softmaxUpdatesSameBits() {
    int lanes = PANAMA.lanes();
    SplittableRandom rng = new SplittableRandom(5);
    for (int trial = 0; trial < 100; trial++) {
      int ld = 4 * lanes;
      int i0 = rng.nextInt(4) * lanes;
      int kn = 1 + rng.nextInt(64);
      float[] s = random(rng, kn * ld);
      for (int i = 0; i < s.length; i++) {
        s[i] *= 8;
        if (rng.nextInt(5) == 0) {
          s[i] = Float.NEGATIVE_INFINITY;
        }
      }
      float[] m = new float[ld];
      float[] l = new float[ld];
      float[] t = random(rng, ld);
      float[] dsum = random(rng, ld);
      float[] gsum = random(rng, ld);
      for (int i = 0; i < ld; i++) {
        boolean empty = rng.nextInt(3) == 0;
        m[i] = empty ? Float.NEGATIVE_INFINITY : (float) rng.nextGaussian() * 8;
        l[i] = empty ? 0 : 1 + rng.nextFloat();
      }
      float[] qrel = random(rng, ld);
      float[] krel = random(rng, kn);
      boolean[] global = new boolean[kn];
      for (int j = 0; j < kn; j++) {
        global[j] = rng.nextBoolean();
      }
      boolean stats = rng.nextBoolean();
      float[][] outs = new float[2][];
      int x = 0;
      for (FloatOps ops : new FloatOps[] {PANAMA, SCALAR}) {
        float[] ss = s.clone();
        SoftmaxColumns c = new SoftmaxColumns(ld);
        System.arraycopy(m, 0, c.m, 0, ld);
        System.arraycopy(l, 0, c.l, 0, ld);
        System.arraycopy(t, 0, c.t, 0, ld);
        System.arraycopy(dsum, 0, c.dsum, 0, ld);
        System.arraycopy(gsum, 0, c.gsum, 0, ld);
        System.arraycopy(qrel, 0, c.qrel, 0, ld);
        if (stats) {
          ops.softmaxUpdateWithStats(ss, ld, i0, kn, c, krel, global);
        } else {
          ops.softmaxUpdate(ss, ld, i0, kn, c);
        }
        outs[x++] = concat(ss, c.m, c.l, c.t, c.dsum, c.gsum, c.alpha);
      }
      assertArrayEquals(outs[0], outs[1], "trial " + trial);
    }
  }

  @Test
  void rowOpsSameBits() {
    int lanes = PANAMA.lanes();
    SplittableRandom rng = new SplittableRandom(9);
    for (int trial = 0; trial < 50; trial++) {
      int n = rng.nextInt(1, 100);
      float[] x = random(rng, n + 3);
      x[0] = Float.NEGATIVE_INFINITY;
      x[1] = -100f;
      float[] y = random(rng, n + 3);
      int d = 1 + rng.nextInt(Math.min(20, n));
      float[] qt = random(rng, d * 4 * lanes);
      float[][] outs = new float[2][];
      int i = 0;
      for (FloatOps ops : new FloatOps[] {PANAMA, SCALAR}) {
        float[] e = new float[n + 1];
        ops.eluPlusOne(x, 1, e, 1, n);
        float[] yy = y.clone();
        ops.axpy(0.37f, x, 2, yy, 1, n);
        float[] r = y.clone();
        ops.scaleRows(r, 1, n + 1, 1, x, 2, n);
        float[] sc = new float[lanes];
        ops.additiveScores(qt, lanes, 2 * lanes, d, y, 1, x, sc, 0);
        float[] dot = {ops.dot(x, 1, y, 2, n)};
        outs[i++] = concat(e, yy, r, sc, dot);
      }
      assertArrayEquals(outs[0], outs[1], "trial " + trial);
    }
  }

  @Test
  void layerNormAndGeluAgree() {
    SplittableRandom rng = new SplittableRandom(11);
    for (int h : new int[] {1, 7, 16, 64, 100}) {
      float[] a = random(rng, 3 * h);
      float[] x = random(rng, 3 * h);
      float[] g = random(rng, h);
      float[] b = random(rng, h);
      float[] xp = x.clone();
      float[] xs = x.clone();
      PANAMA.addLayerNorm(a, 0, xp, 0, 3, h, g, b, 1e-5f);
      SCALAR.addLayerNorm(a, 0, xs, 0, 3, h, g, b, 1e-5f);
      for (int i = 0; i < xp.length; i++) {
        assertEquals(xp[i], xs[i], 2e-5 * (1 + Math.abs(xp[i])));
      }
      PANAMA.gelu(xp, 0, xp.length);
      SCALAR.gelu(xs, 0, xs.length);
      for (int i = 0; i < xp.length; i++) {
        assertEquals(xp[i], xs[i], 2e-5 * (1 + Math.abs(xp[i])));
      }
    }
  }

  /** exp2 and tanh (scalar definitions and the Vector API lanes) against StrictMath. */
  @Test
  void transcendentalsAreAccurate() {
    int n = PANAMA.lanes();
    float[] x = new float[n];
    float[] y = new float[n];
    double worst = 0;
    for (int e = -30; e <= 8; e++) {
      for (int t = 0; t < 64; t++) {
        for (int i = 0; i < n; i++) {
          x[i] = (float) ((i % 2 == 0 ? 1 : -1) * Math.scalb(1 + (t * n + i) / 1024.0, e));
        }
        System.arraycopy(x, 0, y, 0, n);
        PanamaFloatOps.tanh(y, 0);
        for (int i = 0; i < n; i++) {
          worst = Math.max(worst, Math.abs(y[i] - StrictMath.tanh(x[i])));
          assertEquals(y[i], FloatOps.tanh(x[i]), "tanh " + x[i]);
        }
      }
    }
    assertEquals(0, worst, 4e-7);
    assertEquals(1f, FloatOps.tanh(Float.POSITIVE_INFINITY));
    assertEquals(-1f, FloatOps.tanh(Float.NEGATIVE_INFINITY));
    for (float v = -130f; v <= 10f; v += 0.01f) {
      double ref = StrictMath.pow(2, v);
      assertEquals(ref, FloatOps.exp2(v), Math.max(3e-7 * ref, 3e-38), "exp2 " + v);
    }
    assertEquals(1f, FloatOps.exp2(0f));
    assertEquals(0f, FloatOps.exp2(Float.NEGATIVE_INFINITY));
  }

  private static float[] concat(float[]... parts) {
    int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
    float[] out = new float[n];
    int o = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }
}
