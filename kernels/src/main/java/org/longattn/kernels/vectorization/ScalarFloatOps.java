package org.longattn.kernels.vectorization;

/**
 * {@link FloatOps} in plain Java: every "vector" is a loop over {@link #lanes()} floats doing, lane
 * by lane, what {@link PanamaFloatOps} does ({@link Math#fma} where it fuses, the same
 * polynomials), so with the same lane count it gives the same bits. Runs on any JVM, with or
 * without {@code jdk.incubator.vector}; a few times slower.
 */
public final class ScalarFloatOps implements FloatOps {
  private final int lanes;

  /**
   * @param lanes the "vector" width to emulate (a power of two from 1 to 64): only the tiling and
   *     the split points of {@link #eluPlusOne} and {@link #addLayerNorm} depend on it
   */
  public ScalarFloatOps(int lanes) {
    if (lanes < 1 || lanes > 64 || Integer.bitCount(lanes) != 1) {
      throw new IllegalArgumentException("lanes must be a power of two in [1, 64]: " + lanes);
    }
    this.lanes = lanes;
  }

  @Override
  public String description() {
    return "scalar";
  }

  @Override
  public int lanes() {
    return lanes;
  }

  /** rows × width block of C (+)= A·B, element by element in the micro-kernel's order. */
  private static void block(
      int rows,
      int width,
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
    for (int r = 0; r < rows; r++) {
      int co = cOff + r * ldc;
      int ar = aOff + r * aRow;
      for (int x = 0; x < width; x++) {
        float acc = accumulate ? c[co + x] : 0f;
        for (int t = 0; t < k; t++) {
          acc = Math.fma(b[bOff + t * ldb + x], a[ar + t * aStep], acc);
        }
        c[co + x] = acc;
      }
    }
  }

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
    block(4, 4 * lanes, k, a, aOff, aRow, aStep, b, bOff, ldb, c, cOff, ldc, accumulate);
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
    block(4, lanes, k, a, aOff, aRow, aStep, b, bOff, ldb, c, cOff, ldc, accumulate);
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
    block(1, 4 * lanes, k, a, aOff, 0, aStep, b, bOff, ldb, c, cOff, 0, accumulate);
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
    block(1, lanes, k, a, aOff, 0, aStep, b, bOff, ldb, c, cOff, 0, accumulate);
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
    }
  }

  @Override
  public void scaleRows(float[] x, int off, int ld, int rows, float[] f, int fOff, int n) {
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < n; i++) {
        x[off + r * ld + i] *= f[fOff + i];
      }
    }
  }

  /** m ← max(m, max_j s), α = e^(m_old − m_new) (1 where m_old = −∞), per lane. */
  private void newMax(float[] s, int ld, int i0, int kn, float[] m, float[] alpha) {
    for (int i = i0; i < i0 + lanes; i++) {
      float mx = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < kn; j++) {
        float x = s[j * ld + i];
        mx = x > mx ? x : mx;
      }
      float mOld = m[i];
      float mNew = mx > mOld ? mx : mOld;
      float shift = mOld == Float.NEGATIVE_INFINITY ? 0f : mOld - mNew;
      alpha[i] = FloatOps.exp2(shift * LOG2E);
      m[i] = mNew;
    }
  }

  private static float safeMax(float m) {
    return m == Float.NEGATIVE_INFINITY ? 0f : m;
  }

  @Override
  public void softmaxUpdate(float[] s, int ld, int i0, int kn, SoftmaxColumns c) {
    float[] m = c.m;
    float[] l = c.l;
    float[] alpha = c.alpha;
    newMax(s, ld, i0, kn, m, alpha);
    for (int i = i0; i < i0 + lanes; i++) {
      float mx = safeMax(m[i]);
      float sum = 0f;
      for (int j = 0; j < kn; j++) {
        int o = j * ld + i;
        float p = FloatOps.exp2((s[o] - mx) * LOG2E);
        s[o] = p;
        sum = sum + p;
      }
      l[i] = Math.fma(l[i], alpha[i], sum);
    }
  }

  @Override
  public void softmaxUpdateWithStats(
      float[] s, int ld, int i0, int kn, SoftmaxColumns c, float[] krel, boolean[] global) {
    float[] m = c.m;
    float[] mOld = c.mOld;
    float[] l = c.l;
    float[] t = c.t;
    float[] dsum = c.dsum;
    float[] gsum = c.gsum;
    float[] alpha = c.alpha;
    float[] qrel = c.qrel;
    System.arraycopy(m, i0, mOld, i0, lanes);
    newMax(s, ld, i0, kn, m, alpha);
    for (int i = i0; i < i0 + lanes; i++) {
      float a = alpha[i];
      float old = mOld[i];
      float shift = old == Float.NEGATIVE_INFINITY ? 0f : old - m[i];
      float lOld = l[i];
      float tv = (t[i] + lOld * shift) * a;
      t[i] = a == 0f ? 0f : tv; // α = 0: the old part vanishes (no 0·−∞)
      l[i] = lOld * a;
      dsum[i] = dsum[i] * a;
      gsum[i] = gsum[i] * a;
    }
    for (int i = i0; i < i0 + lanes; i++) {
      float mx = safeMax(m[i]);
      float qp = qrel[i];
      float lv = l[i];
      float tv = t[i];
      float dv = dsum[i];
      float gv = gsum[i];
      for (int j = 0; j < kn; j++) {
        int o = j * ld + i;
        float sh = s[o] - mx; // ≤ 0 (−∞ for masked keys)
        float p = FloatOps.exp2(sh * LOG2E);
        s[o] = p;
        lv = lv + p;
        tv = Math.fma(p, p == 0f ? 0f : sh, tv); // 0·−∞ guard
        dv = Math.fma(p, Math.abs(qp - krel[j]), dv);
        if (global[j]) {
          gv = gv + p;
        }
      }
      l[i] = lv;
      t[i] = tv;
      dsum[i] = dv;
      gsum[i] = gv;
    }
  }

  @Override
  public void additiveScores(
      float[] qt, int qOff, int ld, int d, float[] k, int kOff, float[] w, float[] s, int sOff) {
    for (int i = 0; i < lanes; i++) {
      float acc = 0f;
      for (int a = 0; a < d; a++) {
        acc = Math.fma(FloatOps.tanh(qt[qOff + a * ld + i] + k[kOff + a]), w[a], acc);
      }
      s[sOff + i] = acc;
    }
  }

  @Override
  public void eluPlusOne(float[] x, int xOff, float[] out, int oOff, int n) {
    int bound = n / lanes * lanes;
    for (int c = 0; c < n; c++) {
      float v = x[xOff + c];
      if (v > 0f) {
        out[oOff + c] = v + 1f;
      } else {
        out[oOff + c] = c < bound ? FloatOps.exp2(v * LOG2E) : (float) Math.exp(v);
      }
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
    for (int r = 0; r < n; r++) {
      int o = xOff + r * h;
      if (a != null) {
        for (int c = 0; c < h; c++) {
          x[o + c] += a[aOff + r * h + c];
        }
      }
      float sum = 0f;
      for (int c = 0; c < h; c++) {
        sum += x[o + c];
      }
      float mean = sum / h;
      float sq = 0f;
      for (int c = 0; c < h; c++) {
        float d = x[o + c] - mean;
        sq = Math.fma(d, d, sq);
      }
      float inv = (float) (1.0 / Math.sqrt(sq / h + eps));
      for (int c = 0; c < h; c++) {
        x[o + c] = Math.fma((x[o + c] - mean) * inv, gamma[c], beta[c]);
      }
    }
  }

  @Override
  public void gelu(float[] x, int off, int len) {
    float invSqrt2 = (float) (1 / Math.sqrt(2));
    for (int i = off; i < off + len; i++) {
      x[i] = (FloatOps.erf(x[i] * invSqrt2) + 1f) * x[i] * 0.5f;
    }
  }
}
