package org.longattn.kernels.vectorization;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatOps} on the Vector API's preferred species (512-bit here: 16 floats). Loaded only by
 * {@link FloatOpsProvider} when {@code jdk.incubator.vector} is present; nothing outside this
 * package names a vector type.
 *
 * <p>Each kernel is a small method working from and to arrays, so that no vector crosses a call
 * boundary (a method C2 does not inline would box it, and every operation on a boxed vector falls
 * back to Java code) and each stays under C2's inlining node limit. That holds for the
 * transcendentals too ({@link #exp2}, {@link #tanh}, {@link #erf} work in place on L floats of an
 * array): C2 decides whether to inline them by call-site counts at compile time, which must never
 * decide whether the caller's vectors are boxed. Lanewise {@code MAX} is slow on JDK 17: compare +
 * blend instead.
 */
final class PanamaFloatOps implements FloatOps {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  static final int L = F.length();

  @Override
  public String description() {
    return "Vector API, " + F.vectorBitSize() + "-bit";
  }

  @Override
  public int lanes() {
    return L;
  }

  static void clear(float[] c, int cOff, int ldc, int rows, int width) {
    for (int r = 0; r < rows; r++) {
      java.util.Arrays.fill(c, cOff + r * ldc, cOff + r * ldc + width, 0f);
    }
  }

  /**
   * Dispatches on A's layout to one of two loops whose A addresses C2 sees as affine in t with a
   * constant stride: it then drops their bounds checks (with the two strides as arguments it kept
   * four checks and a multiply per step: 0.65-0.75x the speed, measured). Without accumulate the
   * sums start from zero vectors, not from a cleared C (loading what was just stored narrower
   * stalls on store forwarding, 16 times a call).
   */
  @Override
  public void gemm4x4(
      int k,
      float[] a,
      int aOff,
      int aRow,
      int aStep,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      boolean accumulate) {
    FloatOps.checkLayout(aRow, aStep);
    if (aStep == 1) {
      rows4x4(k, a, aOff, aRow, b, bOff, ldb, c, cOff, ldc, accumulate);
    } else {
      columns4x4(k, a, aOff, aStep, b, bOff, ldb, c, cOff, ldc, accumulate);
    }
  }

  /** C += A·B, A's row r at a[aOff + r·lda ..] (t along the row). */
  private static void rows4x4(
      int k,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      boolean accumulate) {
    FloatVector zero = FloatVector.zero(F);
    FloatVector c00 = accumulate ? FloatVector.fromArray(F, c, cOff) : zero;
    FloatVector c01 = accumulate ? FloatVector.fromArray(F, c, cOff + L) : zero;
    FloatVector c02 = accumulate ? FloatVector.fromArray(F, c, cOff + 2 * L) : zero;
    FloatVector c03 = accumulate ? FloatVector.fromArray(F, c, cOff + 3 * L) : zero;
    FloatVector c10 = accumulate ? FloatVector.fromArray(F, c, cOff + ldc) : zero;
    FloatVector c11 = accumulate ? FloatVector.fromArray(F, c, cOff + ldc + L) : zero;
    FloatVector c12 = accumulate ? FloatVector.fromArray(F, c, cOff + ldc + 2 * L) : zero;
    FloatVector c13 = accumulate ? FloatVector.fromArray(F, c, cOff + ldc + 3 * L) : zero;
    FloatVector c20 = accumulate ? FloatVector.fromArray(F, c, cOff + 2 * ldc) : zero;
    FloatVector c21 = accumulate ? FloatVector.fromArray(F, c, cOff + 2 * ldc + L) : zero;
    FloatVector c22 = accumulate ? FloatVector.fromArray(F, c, cOff + 2 * ldc + 2 * L) : zero;
    FloatVector c23 = accumulate ? FloatVector.fromArray(F, c, cOff + 2 * ldc + 3 * L) : zero;
    FloatVector c30 = accumulate ? FloatVector.fromArray(F, c, cOff + 3 * ldc) : zero;
    FloatVector c31 = accumulate ? FloatVector.fromArray(F, c, cOff + 3 * ldc + L) : zero;
    FloatVector c32 = accumulate ? FloatVector.fromArray(F, c, cOff + 3 * ldc + 2 * L) : zero;
    FloatVector c33 = accumulate ? FloatVector.fromArray(F, c, cOff + 3 * ldc + 3 * L) : zero;
    int a0 = aOff;
    int a1 = aOff + lda;
    int a2 = aOff + 2 * lda;
    int a3 = aOff + 3 * lda;
    for (int t = 0; t < k; t++) {
      int bo = bOff + t * ldb;
      FloatVector b0 = FloatVector.fromArray(F, b, bo);
      FloatVector b1 = FloatVector.fromArray(F, b, bo + L);
      FloatVector b2 = FloatVector.fromArray(F, b, bo + 2 * L);
      FloatVector b3 = FloatVector.fromArray(F, b, bo + 3 * L);
      FloatVector s = FloatVector.broadcast(F, a[a0 + t]);
      c00 = b0.fma(s, c00);
      c01 = b1.fma(s, c01);
      c02 = b2.fma(s, c02);
      c03 = b3.fma(s, c03);
      s = FloatVector.broadcast(F, a[a1 + t]);
      c10 = b0.fma(s, c10);
      c11 = b1.fma(s, c11);
      c12 = b2.fma(s, c12);
      c13 = b3.fma(s, c13);
      s = FloatVector.broadcast(F, a[a2 + t]);
      c20 = b0.fma(s, c20);
      c21 = b1.fma(s, c21);
      c22 = b2.fma(s, c22);
      c23 = b3.fma(s, c23);
      s = FloatVector.broadcast(F, a[a3 + t]);
      c30 = b0.fma(s, c30);
      c31 = b1.fma(s, c31);
      c32 = b2.fma(s, c32);
      c33 = b3.fma(s, c33);
    }
    c00.intoArray(c, cOff);
    c01.intoArray(c, cOff + L);
    c02.intoArray(c, cOff + 2 * L);
    c03.intoArray(c, cOff + 3 * L);
    c10.intoArray(c, cOff + ldc);
    c11.intoArray(c, cOff + ldc + L);
    c12.intoArray(c, cOff + ldc + 2 * L);
    c13.intoArray(c, cOff + ldc + 3 * L);
    c20.intoArray(c, cOff + 2 * ldc);
    c21.intoArray(c, cOff + 2 * ldc + L);
    c22.intoArray(c, cOff + 2 * ldc + 2 * L);
    c23.intoArray(c, cOff + 2 * ldc + 3 * L);
    c30.intoArray(c, cOff + 3 * ldc);
    c31.intoArray(c, cOff + 3 * ldc + L);
    c32.intoArray(c, cOff + 3 * ldc + 2 * L);
    c33.intoArray(c, cOff + 3 * ldc + 3 * L);
  }

  /** C += A·B, A's column t at a[aOff + t·lda ..] (r along the column). */
  private static void columns4x4(
      int k,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      boolean accumulate) {
    FloatVector zero = FloatVector.zero(F);
    FloatVector c00 = accumulate ? FloatVector.fromArray(F, c, cOff) : zero;
    FloatVector c01 = accumulate ? FloatVector.fromArray(F, c, cOff + L) : zero;
    FloatVector c02 = accumulate ? FloatVector.fromArray(F, c, cOff + 2 * L) : zero;
    FloatVector c03 = accumulate ? FloatVector.fromArray(F, c, cOff + 3 * L) : zero;
    FloatVector c10 = accumulate ? FloatVector.fromArray(F, c, cOff + ldc) : zero;
    FloatVector c11 = accumulate ? FloatVector.fromArray(F, c, cOff + ldc + L) : zero;
    FloatVector c12 = accumulate ? FloatVector.fromArray(F, c, cOff + ldc + 2 * L) : zero;
    FloatVector c13 = accumulate ? FloatVector.fromArray(F, c, cOff + ldc + 3 * L) : zero;
    FloatVector c20 = accumulate ? FloatVector.fromArray(F, c, cOff + 2 * ldc) : zero;
    FloatVector c21 = accumulate ? FloatVector.fromArray(F, c, cOff + 2 * ldc + L) : zero;
    FloatVector c22 = accumulate ? FloatVector.fromArray(F, c, cOff + 2 * ldc + 2 * L) : zero;
    FloatVector c23 = accumulate ? FloatVector.fromArray(F, c, cOff + 2 * ldc + 3 * L) : zero;
    FloatVector c30 = accumulate ? FloatVector.fromArray(F, c, cOff + 3 * ldc) : zero;
    FloatVector c31 = accumulate ? FloatVector.fromArray(F, c, cOff + 3 * ldc + L) : zero;
    FloatVector c32 = accumulate ? FloatVector.fromArray(F, c, cOff + 3 * ldc + 2 * L) : zero;
    FloatVector c33 = accumulate ? FloatVector.fromArray(F, c, cOff + 3 * ldc + 3 * L) : zero;
    for (int t = 0; t < k; t++) {
      int bo = bOff + t * ldb;
      FloatVector b0 = FloatVector.fromArray(F, b, bo);
      FloatVector b1 = FloatVector.fromArray(F, b, bo + L);
      FloatVector b2 = FloatVector.fromArray(F, b, bo + 2 * L);
      FloatVector b3 = FloatVector.fromArray(F, b, bo + 3 * L);
      int ao = aOff + t * lda;
      FloatVector s = FloatVector.broadcast(F, a[ao]);
      c00 = b0.fma(s, c00);
      c01 = b1.fma(s, c01);
      c02 = b2.fma(s, c02);
      c03 = b3.fma(s, c03);
      s = FloatVector.broadcast(F, a[ao + 1]);
      c10 = b0.fma(s, c10);
      c11 = b1.fma(s, c11);
      c12 = b2.fma(s, c12);
      c13 = b3.fma(s, c13);
      s = FloatVector.broadcast(F, a[ao + 2]);
      c20 = b0.fma(s, c20);
      c21 = b1.fma(s, c21);
      c22 = b2.fma(s, c22);
      c23 = b3.fma(s, c23);
      s = FloatVector.broadcast(F, a[ao + 3]);
      c30 = b0.fma(s, c30);
      c31 = b1.fma(s, c31);
      c32 = b2.fma(s, c32);
      c33 = b3.fma(s, c33);
    }
    c00.intoArray(c, cOff);
    c01.intoArray(c, cOff + L);
    c02.intoArray(c, cOff + 2 * L);
    c03.intoArray(c, cOff + 3 * L);
    c10.intoArray(c, cOff + ldc);
    c11.intoArray(c, cOff + ldc + L);
    c12.intoArray(c, cOff + ldc + 2 * L);
    c13.intoArray(c, cOff + ldc + 3 * L);
    c20.intoArray(c, cOff + 2 * ldc);
    c21.intoArray(c, cOff + 2 * ldc + L);
    c22.intoArray(c, cOff + 2 * ldc + 2 * L);
    c23.intoArray(c, cOff + 2 * ldc + 3 * L);
    c30.intoArray(c, cOff + 3 * ldc);
    c31.intoArray(c, cOff + 3 * ldc + L);
    c32.intoArray(c, cOff + 3 * ldc + 2 * L);
    c33.intoArray(c, cOff + 3 * ldc + 3 * L);
  }

  @Override
  public void gemm4x1(
      int k,
      float[] a,
      int aOff,
      int aRow,
      int aStep,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      boolean accumulate) {
    if (!accumulate) {
      clear(c, cOff, ldc, 4, L);
    }
    FloatVector c0 = FloatVector.fromArray(F, c, cOff);
    FloatVector c1 = FloatVector.fromArray(F, c, cOff + ldc);
    FloatVector c2 = FloatVector.fromArray(F, c, cOff + 2 * ldc);
    FloatVector c3 = FloatVector.fromArray(F, c, cOff + 3 * ldc);
    for (int t = 0; t < k; t++) {
      FloatVector bv = FloatVector.fromArray(F, b, bOff + t * ldb);
      int ao = aOff + t * aStep;
      c0 = bv.fma(FloatVector.broadcast(F, a[ao]), c0);
      c1 = bv.fma(FloatVector.broadcast(F, a[ao + aRow]), c1);
      c2 = bv.fma(FloatVector.broadcast(F, a[ao + 2 * aRow]), c2);
      c3 = bv.fma(FloatVector.broadcast(F, a[ao + 3 * aRow]), c3);
    }
    c0.intoArray(c, cOff);
    c1.intoArray(c, cOff + ldc);
    c2.intoArray(c, cOff + 2 * ldc);
    c3.intoArray(c, cOff + 3 * ldc);
  }

  @Override
  public void gemm1x4(
      int k,
      float[] a,
      int aOff,
      int aStep,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      boolean accumulate) {
    if (!accumulate) {
      clear(c, cOff, 0, 1, 4 * L);
    }
    FloatVector c0 = FloatVector.fromArray(F, c, cOff);
    FloatVector c1 = FloatVector.fromArray(F, c, cOff + L);
    FloatVector c2 = FloatVector.fromArray(F, c, cOff + 2 * L);
    FloatVector c3 = FloatVector.fromArray(F, c, cOff + 3 * L);
    for (int t = 0; t < k; t++) {
      int bo = bOff + t * ldb;
      FloatVector s = FloatVector.broadcast(F, a[aOff + t * aStep]);
      c0 = FloatVector.fromArray(F, b, bo).fma(s, c0);
      c1 = FloatVector.fromArray(F, b, bo + L).fma(s, c1);
      c2 = FloatVector.fromArray(F, b, bo + 2 * L).fma(s, c2);
      c3 = FloatVector.fromArray(F, b, bo + 3 * L).fma(s, c3);
    }
    c0.intoArray(c, cOff);
    c1.intoArray(c, cOff + L);
    c2.intoArray(c, cOff + 2 * L);
    c3.intoArray(c, cOff + 3 * L);
  }

  @Override
  public void gemm1x1(
      int k,
      float[] a,
      int aOff,
      int aStep,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      boolean accumulate) {
    if (!accumulate) {
      clear(c, cOff, 0, 1, L);
    }
    FloatVector acc = FloatVector.fromArray(F, c, cOff);
    for (int t = 0; t < k; t++) {
      acc =
          FloatVector.fromArray(F, b, bOff + t * ldb)
              .fma(FloatVector.broadcast(F, a[aOff + t * aStep]), acc);
    }
    acc.intoArray(c, cOff);
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    int i = 0;
    FloatVector av = FloatVector.broadcast(F, alpha);
    for (; i + L <= n; i += L) {
      av.fma(FloatVector.fromArray(F, x, xOff + i), FloatVector.fromArray(F, y, yOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
    }
  }

  @Override
  public void scaleRows(float[] x, int off, int ld, int rows, float[] f, int fOff, int n) {
    int i = 0;
    for (; i + L <= n; i += L) {
      FloatVector fv = FloatVector.fromArray(F, f, fOff + i);
      for (int r = 0; r < rows; r++) {
        int o = off + r * ld + i;
        FloatVector.fromArray(F, x, o).mul(fv).intoArray(x, o);
      }
    }
    for (; i < n; i++) {
      for (int r = 0; r < rows; r++) {
        x[off + r * ld + i] *= f[fOff + i];
      }
    }
  }

  @Override
  public void softmaxUpdate(float[] s, int ld, int i0, int kn, SoftmaxColumns c) {
    PanamaSoftmax.update(s, ld, i0, kn, c.m, c.l, c.alpha);
  }

  @Override
  public void softmaxUpdateWithStats(
      float[] s, int ld, int i0, int kn, SoftmaxColumns c, float[] krel, boolean[] global) {
    PanamaSoftmax.updateWithStats(
        s, ld, i0, kn, c.m, c.mOld, c.l, c.t, c.dsum, c.gsum, c.alpha, c.qrel, krel, global);
  }

  @Override
  public void additiveScores(
      float[] qt, int qOff, int ld, int d, float[] k, int kOff, float[] w, float[] s, int sOff) {
    FloatVector acc = FloatVector.zero(F);
    for (int a = 0; a < d; a++) {
      FloatVector.fromArray(F, qt, qOff + a * ld).add(k[kOff + a]).intoArray(s, sOff); // scratch
      tanh(s, sOff);
      acc = FloatVector.fromArray(F, s, sOff).fma(FloatVector.broadcast(F, w[a]), acc);
    }
    acc.intoArray(s, sOff);
  }

  @Override
  public void eluPlusOne(float[] x, int xOff, float[] out, int oOff, int n) {
    int c = 0;
    for (; c + L <= n; c += L) {
      FloatVector v = FloatVector.fromArray(F, x, xOff + c);
      v.mul(LOG2E).intoArray(out, oOff + c);
      exp2(out, oOff + c);
      FloatVector.fromArray(F, out, oOff + c)
          .blend(v.add(1f), v.compare(VectorOperators.GT, 0f))
          .intoArray(out, oOff + c);
    }
    for (; c < n; c++) {
      float v = x[xOff + c];
      out[oOff + c] = v > 0f ? v + 1f : (float) Math.exp(v);
    }
  }

  @Override
  public void addLayerNorm(
      float[] a,
      int aOff,
      float[] x,
      int xOff,
      int n,
      int h,
      float[] gamma,
      float[] beta,
      float eps) {
    int vh = F.loopBound(h);
    for (int r = 0; r < n; r++) {
      int o = xOff + r * h;
      if (a != null) {
        int ao = aOff + r * h;
        int c = 0;
        for (; c < vh; c += L) {
          FloatVector.fromArray(F, x, o + c)
              .add(FloatVector.fromArray(F, a, ao + c))
              .intoArray(x, o + c);
        }
        for (; c < h; c++) {
          x[o + c] += a[ao + c];
        }
      }
      FloatVector acc = FloatVector.zero(F);
      int c = 0;
      for (; c < vh; c += L) {
        acc = acc.add(FloatVector.fromArray(F, x, o + c));
      }
      float sum = acc.reduceLanes(VectorOperators.ADD);
      for (; c < h; c++) {
        sum += x[o + c];
      }
      float mean = sum / h;
      FloatVector m = FloatVector.broadcast(F, mean);
      acc = FloatVector.zero(F);
      for (c = 0; c < vh; c += L) {
        FloatVector d = FloatVector.fromArray(F, x, o + c).sub(m);
        acc = d.fma(d, acc);
      }
      float sq = acc.reduceLanes(VectorOperators.ADD);
      for (; c < h; c++) {
        float d = x[o + c] - mean;
        sq += d * d;
      }
      float inv = (float) (1.0 / Math.sqrt(sq / h + eps));
      FloatVector iv = FloatVector.broadcast(F, inv);
      for (c = 0; c < vh; c += L) {
        FloatVector.fromArray(F, x, o + c)
            .sub(m)
            .mul(iv)
            .fma(FloatVector.fromArray(F, gamma, c), FloatVector.fromArray(F, beta, c))
            .intoArray(x, o + c);
      }
      for (; c < h; c++) {
        x[o + c] = (x[o + c] - mean) * inv * gamma[c] + beta[c];
      }
    }
  }

  @Override
  public void gelu(float[] x, int off, int len) {
    FloatVector half = FloatVector.broadcast(F, 0.5f);
    FloatVector one = FloatVector.broadcast(F, 1f);
    FloatVector invSqrt2 = FloatVector.broadcast(F, (float) (1 / Math.sqrt(2)));
    int end = off + len;
    int i = off;
    for (; i + L <= end; i += L) {
      FloatVector v = FloatVector.fromArray(F, x, i);
      v.mul(invSqrt2).intoArray(x, i);
      erf(x, i);
      FloatVector.fromArray(F, x, i).add(one).mul(v).mul(half).intoArray(x, i);
    }
    for (; i < end; i++) {
      x[i] = 0.5f * x[i] * (1f + FloatOps.erf(x[i] * (float) (1 / Math.sqrt(2))));
    }
  }

  /** {@link FloatOps#exp2} of the L floats at {@code v[off]}, in place. */
  static void exp2(float[] v, int off) {
    FloatVector x = FloatVector.fromArray(F, v, off);
    VectorMask<Float> under = x.compare(VectorOperators.LT, EXP2_MIN);
    x = x.blend(EXP2_MIN, under);
    FloatVector r = x.add(EXP2_ROUND);
    FloatVector f = x.sub(r.sub(EXP2_ROUND));
    FloatVector p =
        f.fma(EXP2_C5, EXP2_C4)
            .fma(f, FloatVector.broadcast(F, EXP2_C3))
            .fma(f, FloatVector.broadcast(F, EXP2_C2))
            .fma(f, FloatVector.broadcast(F, EXP2_C1))
            .fma(f, FloatVector.broadcast(F, 1f));
    // r's low mantissa bits hold 0x400000 + n; shifted by 23 they become n in the exponent field.
    jdk.incubator.vector.IntVector e = r.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
    FloatVector y = p.reinterpretAsInts().add(e).reinterpretAsFloats();
    y.blend(0f, under).intoArray(v, off);
  }

  /**
   * {@link FloatOps#tanh} of the L floats at {@code v[off]}, in place. The Vector API's own {@code
   * TANH} is not used: C2 calls a vector math library (SVML) while the interpreter and C1 call
   * {@link Math#tanh} lane by lane, so scores changed with JIT tiering.
   */
  static void tanh(float[] v, int off) {
    FloatVector x = FloatVector.fromArray(F, v, off);
    FloatVector a = x.abs();
    FloatVector s = x.mul(x);
    FloatVector poly =
        s.fma(TANH_P0, TANH_P1)
            .fma(s, FloatVector.broadcast(F, TANH_P2))
            .fma(s, FloatVector.broadcast(F, TANH_P3))
            .fma(s, FloatVector.broadcast(F, TANH_P4))
            .mul(s)
            .fma(x, x);
    a.min(TANH_CLAMP).mul(TWO_LOG2E).intoArray(v, off);
    exp2(v, off);
    FloatVector e = FloatVector.fromArray(F, v, off);
    FloatVector big = FloatVector.broadcast(F, 1f).sub(FloatVector.broadcast(F, 2f).div(e.add(1f)));
    VectorMask<Float> negative = x.compare(VectorOperators.LT, 0f);
    big = big.blend(big.neg(), negative);
    big.blend(poly, a.compare(VectorOperators.LT, TANH_SMALL)).intoArray(v, off);
  }

  /** {@link FloatOps#erf} of the L floats at {@code v[off]}, in place. */
  static void erf(float[] v, int off) {
    FloatVector x = FloatVector.fromArray(F, v, off).min(4f).max(-4f);
    FloatVector x2 = x.mul(x);
    FloatVector p = x2.fma(ERF_A13, ERF_A11);
    p = p.fma(x2, FloatVector.broadcast(F, ERF_A9));
    p = p.fma(x2, FloatVector.broadcast(F, ERF_A7));
    p = p.fma(x2, FloatVector.broadcast(F, ERF_A5));
    p = p.fma(x2, FloatVector.broadcast(F, ERF_A3));
    p = p.fma(x2, FloatVector.broadcast(F, ERF_A1));
    p = p.mul(x);
    FloatVector q = x2.fma(ERF_B8, ERF_B6);
    q = q.fma(x2, FloatVector.broadcast(F, ERF_B4));
    q = q.fma(x2, FloatVector.broadcast(F, ERF_B2));
    q = q.fma(x2, FloatVector.broadcast(F, ERF_B0));
    p.div(q).intoArray(v, off);
  }
}
