package org.longattn.kernels.vectorization;

/**
 * The hot float operations of the CPU kernels, and nothing else: the register-blocked
 * multiply-accumulate micro-kernel, the online-softmax column update, and a few row operations. Two
 * implementations: {@link PanamaFloatOps} (Vector API, {@code jdk.incubator.vector}) and {@link
 * ScalarFloatOps} (plain Java, runs on any JVM); {@link #get()} picks one once per JVM ({@link
 * FloatOpsProvider}). Modelled on Lucene's {@code VectorUtilSupport}.
 *
 * <p><b>Layout.</b> Flat {@code float[]} with offsets; a "vector" is {@link #lanes()} consecutive
 * floats. Every operation is lanewise: element x of an output is a sum over its own inputs in a
 * fixed order (ascending t, one fused multiply-add per step), never a horizontal reduction — so the
 * result does not depend on the lane count, the JIT tier or the implementation, except where an
 * operation says otherwise ({@link #addLayerNorm}). {@link ScalarFloatOps} with the same lane count
 * gives the same bits as {@link PanamaFloatOps}.
 *
 * <p><b>Micro-kernel.</b> {@code gemmRxV} computes an R-row × V-vector block of C += A·B:
 *
 * <pre>
 *   c[cOff + r·ldc + x] (+)= Σ_{t<k} a[aOff + r·aRow + t·aStep] · b[bOff + t·ldb + x]
 *       r < R, x < V·lanes(); t ascending, FMA; without accumulate, the sum starts at +0
 * </pre>
 *
 * A is read by scalars, by rows (aStep = 1: keys, weights) or by columns (aRow = 1: values); {@link
 * #gemm4x4} refuses any other layout ({@link #checkLayout}), so that each layout can be compiled
 * with constant strides. B and C are read by whole vectors (a packed panel and an accumulator
 * tile).
 */
public interface FloatOps {

  /** The implementation chosen for this JVM (see {@link FloatOpsProvider}). */
  static FloatOps get() {
    return FloatOpsProvider.INSTANCE;
  }

  /** A short description, e.g. "Vector API, 512-bit" or "scalar". */
  String description();

  /** Floats per vector: the granularity of the micro-kernel's columns and of the row updates. */
  int lanes();

  /**
   * The layouts of A that {@link #gemm4x4} takes: by rows (aStep = 1) or by columns (aRow = 1).
   *
   * @throws IllegalArgumentException for any other pair of strides
   */
  static void checkLayout(int aRow, int aStep) {
    if (aStep != 1 && aRow != 1) {
      throw new IllegalArgumentException(
          "A must be read by rows (aStep 1) or by columns (aRow 1): aRow "
              + aRow
              + ", aStep "
              + aStep);
    }
  }

  /** 4 rows × 4 vectors of C (+)= A·B (16 accumulators; see the class comment). */
  void gemm4x4(
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
      boolean accumulate);

  /** 4 rows × 1 vector of C (+)= A·B. */
  void gemm4x1(
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
      boolean accumulate);

  /** 1 row × 4 vectors of C (+)= A·B. */
  void gemm1x4(
      int k,
      float[] a,
      int aOff,
      int aStep,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      boolean accumulate);

  /** 1 row × 1 vector of C (+)= A·B. */
  void gemm1x1(
      int k,
      float[] a,
      int aOff,
      int aStep,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      boolean accumulate);

  /** y[yOff + i] ← fma(α, x[xOff + i], y[yOff + i]) for i < n. */
  void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

  /** x[off + r·ld + i] ← x[off + r·ld + i]·f[fOff + i] for r < rows, i < n. */
  void scaleRows(float[] x, int off, int ld, int rows, float[] f, int fOff, int n);

  /**
   * Σ x_i·y_i for i < n in a fixed order: 4 partial sums (i mod 4, FMA), combined as (s0 + s1) +
   * (s2 + s3).
   */
  default float dot(float[] x, int xo, float[] y, int yo, int n) {
    float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 = Math.fma(x[xo + i], y[yo + i], s0);
      s1 = Math.fma(x[xo + i + 1], y[yo + i + 1], s1);
      s2 = Math.fma(x[xo + i + 2], y[yo + i + 2], s2);
      s3 = Math.fma(x[xo + i + 3], y[yo + i + 3], s3);
    }
    for (; i < n; i++) {
      s0 = Math.fma(x[xo + i], y[yo + i], s0);
    }
    return (s0 + s1) + (s2 + s3);
  }

  /**
   * Online-softmax update of one vector of queries (slots i0 .. i0 + lanes()) over kn key rows of a
   * transposed score tile {@code s[j·ld + i]} (natural scores, masked = −∞): m ← max(m, max_j s), α
   * = e^(m_old − m_new) into {@code alpha}, s ← p = e^(s − m_new), l ← α·l + Σ_j p. A query with
   * m_old = −∞ holds the identity (α = 1, shift 0); p are taken against 0 where m_new = −∞. Every
   * exponent is ≤ 0, so p ≤ 1 and p = 1 exactly at the maximum. e^x by {@link #exp2} of x·log₂e.
   */
  void softmaxUpdate(float[] s, int ld, int i0, int kn, SoftmaxColumns c);

  /**
   * {@link #softmaxUpdate} that also keeps t (Σ p·(s − m)), dsum (Σ p·|qrel_i − krel_j|) and gsum
   * (Σ p over keys with {@code global[j]}), rescaled by α (t also shifted by l·(m_old − m_new); the
   * old t term is dropped where α underflows to 0).
   */
  void softmaxUpdateWithStats(
      float[] s, int ld, int i0, int kn, SoftmaxColumns c, float[] krel, boolean[] global);

  /**
   * Additive scores of one key against one vector of queries: s[sOff + i] = Σ_{a<d}
   * w[a]·tanh(qt[qOff + a·ld + i] + k[kOff + a]) for i < lanes(), a ascending, FMA; tanh by {@link
   * #tanh}.
   */
  void additiveScores(
      float[] qt, int qOff, int ld, int d, float[] k, int kOff, float[] w, float[] s, int sOff);

  /**
   * φ(x) = elu(x) + 1 of n floats: x + 1 for x &gt; 0, else e^x — by {@link #exp2} for the first ⌊n
   * / lanes()⌋·lanes() floats and by {@link Math#exp} for the rest.
   */
  void eluPlusOne(float[] x, int xOff, float[] out, int oOff, int n);

  /**
   * Residual + LayerNorm of n rows of h floats in place in x: z = a + x, x ← γ·(z − μ)/√(σ² + ε) +
   * β (μ, σ² biased, over the row); {@code a} may be null. The sums over the row are reduced across
   * lanes, so the bits depend on {@link #lanes()} and the implementation (within fp32 rounding).
   */
  void addLayerNorm(
      float[] a,
      int aOff,
      float[] x,
      int xOff,
      int n,
      int h,
      float[] gamma,
      float[] beta,
      float eps);

  /** GELU, erf form, in place: x ← ½·x·(1 + erf(x/√2)), erf by {@link #erf}. */
  void gelu(float[] x, int off, int len);

  // ---- the scalar definitions every implementation follows lane by lane

  /** 2^f on [−0.5, 0.5], near-minimax degree 5 with c0 = 1: relative error 1.9e-7 in fp32. */
  float EXP2_C1 = 0.6931470036506653f;

  float EXP2_C2 = 0.24022242426872253f;
  float EXP2_C3 = 0.05550733581185341f;
  float EXP2_C4 = 0.009671512991189957f;
  float EXP2_C5 = 0.0013264724984765053f;

  /** 1.5·2^23: x + ROUND rounds x to an integer. */
  float EXP2_ROUND = 12582912f;

  /** 2^x below this returns 0 (true value &lt; 3e-38). */
  float EXP2_MIN = -125f;

  float LOG2E = 1.4426950408889634f;

  /**
   * 2^x: x = n + f with n = round(x), f ∈ [−0.5, 0.5]; 2^f by polynomial, 2^n added to the exponent
   * bits. Exactly 1 at x = 0; 0 below {@link #EXP2_MIN} (−∞ included).
   */
  static float exp2(float x) {
    boolean under = x < EXP2_MIN;
    if (under) {
      x = EXP2_MIN;
    }
    float r = x + EXP2_ROUND;
    float f = x - (r - EXP2_ROUND);
    float p = Math.fma(f, EXP2_C5, EXP2_C4);
    p = Math.fma(p, f, EXP2_C3);
    p = Math.fma(p, f, EXP2_C2);
    p = Math.fma(p, f, EXP2_C1);
    p = Math.fma(p, f, 1f);
    // r's low mantissa bits hold 0x400000 + n; shifted by 23 they become n in the exponent field.
    int e = Float.floatToRawIntBits(r) << 23;
    float y = Float.intBitsToFloat(Float.floatToRawIntBits(p) + e);
    return under ? 0f : y;
  }

  float TANH_P0 = -5.70498872745e-3f;
  float TANH_P1 = 2.06390887954e-2f;
  float TANH_P2 = -5.37397155531e-2f;
  float TANH_P3 = 1.33314422036e-1f;
  float TANH_P4 = -3.33332819422e-1f;
  float TANH_SMALL = 0.625f;
  float TANH_CLAMP = 10f;
  float TWO_LOG2E = 2.8853900817779268f;

  /**
   * tanh from IEEE operations and {@link #exp2} only (so it gives the same bits in every JIT tier),
   * Cephes' {@code tanhf}: for |x| &lt; 0.625 the odd polynomial x + x³·P(x²); otherwise sign(x)·(1
   * − 2/(e^(2|x|) + 1)) with |x| clamped to 10. Absolute error below 4e-7.
   */
  static float tanh(float x) {
    float a = Math.abs(x);
    float s = x * x;
    float poly = Math.fma(s, TANH_P0, TANH_P1);
    poly = Math.fma(poly, s, TANH_P2);
    poly = Math.fma(poly, s, TANH_P3);
    poly = Math.fma(poly, s, TANH_P4);
    poly = Math.fma(poly * s, x, x);
    float e = exp2(Math.min(a, TANH_CLAMP) * TWO_LOG2E);
    float big = 1f - 2f / (e + 1f);
    if (x < 0f) {
      big = -big;
    }
    return a < TANH_SMALL ? poly : big;
  }

  // erf(x) ≈ x·P(x²)/Q(x²) on [−4, 4] (clamped outside, where |erf| rounds to 1 in float):
  // the rational approximation of Eigen's generic_fast_erf_float, max abs error 4.2e-7.
  float ERF_A1 = -1.60960333262415e-02f;
  float ERF_A3 = -2.95459980854025e-03f;
  float ERF_A5 = -7.34990630326855e-04f;
  float ERF_A7 = -5.69250639462346e-05f;
  float ERF_A9 = -2.10102402082508e-06f;
  float ERF_A11 = 2.77068142495902e-08f;
  float ERF_A13 = -2.72614225801306e-10f;
  float ERF_B0 = -1.42647390514189e-02f;
  float ERF_B2 = -7.37332916720468e-03f;
  float ERF_B4 = -1.68282697438203e-03f;
  float ERF_B6 = -2.13374055278905e-04f;
  float ERF_B8 = -1.45660718464996e-05f;

  /** erf (rational approximation, max abs error 4.2e-7). */
  static float erf(float v) {
    float x = Math.max(-4f, Math.min(4f, v));
    float x2 = x * x;
    float p = Math.fma(x2, ERF_A13, ERF_A11);
    p = Math.fma(p, x2, ERF_A9);
    p = Math.fma(p, x2, ERF_A7);
    p = Math.fma(p, x2, ERF_A5);
    p = Math.fma(p, x2, ERF_A3);
    p = Math.fma(p, x2, ERF_A1);
    p *= x;
    float q = Math.fma(x2, ERF_B8, ERF_B6);
    q = Math.fma(q, x2, ERF_B4);
    q = Math.fma(q, x2, ERF_B2);
    q = Math.fma(q, x2, ERF_B0);
    return p / q;
  }
}
