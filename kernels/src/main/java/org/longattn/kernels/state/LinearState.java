package org.longattn.kernels.state;

import java.nio.ByteBuffer;
import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.cpu.JavaLinearBackend;
import org.longattn.kernels.cpu.LinearKernels;
import org.longattn.kernels.feature.FeatureMap;
import org.longattn.kernels.feature.FlatRows;

/**
 * Linear-attention state (S, z) of one head over a set of keys (DESIGN §3), for a feature map φ
 * ({@link FeatureMap}) with m features and values dv wide.
 *
 * <p>Layout (row-major):
 *
 * <pre>
 *   s[i·dv + c] = Σ_j φ(k_j)_i · v_j[c]      (S = Σ φ(k)vᵀ, m × dv)
 *   z[i]        = Σ_j φ(k_j)_i               (z = Σ φ(k), m)
 *   tokens      = number of keys summed (0 only for the identity)
 *   shift       = log of a common factor taken out: the true state is e^shift·(S, z)
 * </pre>
 *
 * <p>The shift keeps large features in float range (FAVOR+'s key stabiliser, {@link
 * FeatureMap#applyKeys}): it is 0 for ordinary inputs of every family, and then nothing below
 * rescales anything. merge: with equal shifts S = S1 + S2, z = z1 + z2; otherwise shift = max(sh1,
 * sh2), αk = e^(shk − shift) (one of them exactly 1) and S = α1·S1 + α2·S2, z likewise. Identity:
 * zeros with tokens = 0; a side with tokens = 0 is skipped (or copied), so x ⊕ identity = identity
 * ⊕ x = x bit for bit, signed zeros included. merge is bitwise commutative and associative up to
 * rounding; reductions fix the association by block ids ({@link TreeFold}, {@link TreeScan}). The
 * shift cancels in every output (numerator and denominator carry the same factor).
 *
 * <p>Output for a query: out = φ(q)ᵀS / φ(q)ᵀz, zeros when φ(q)ᵀz = 0 (no key, or every product
 * underflowed). Non-causal attention is one reduction per document; causal attention is an
 * exclusive prefix scan over blocks followed by {@link #applyCausal} within each block.
 *
 * <p>Kernels: {@link LinearKernels} (Vector API; S += Φᵀ V as a blocked matrix product; every
 * element summed in a fixed order with FMA, so the same bits on every executor).
 *
 * <p>Precision: everything accumulates in float. φ ≥ 0, so z and the denominator are sums of
 * non-negative terms (relative error ≤ (terms)·2^−24, ≈ √terms·2^−24 typically); S's terms carry
 * the sign of v, so its error is relative to Σ φ|v|, not to |S|. The output's error is therefore
 * bounded relative to max|v|, as with softmax attention. A job that needs more can keep blocks
 * short: the sequential part of every sum is one block, the rest is a tree of depth log2(blocks).
 */
public final class LinearState {
  public final int m;
  public final int dv;
  public final float[] s;
  public final float[] z;
  private long tokens;
  private double shift;

  private LinearState(int m, int dv) {
    this.m = m;
    this.dv = dv;
    this.s = new float[m * dv];
    this.z = new float[m];
  }

  /** The identity: no key, m features, values dv wide. */
  public static LinearState identity(int m, int dv) {
    if (m < 1 || dv < 1) {
      throw new IllegalArgumentException("m and dv must be >= 1: " + m + ", " + dv);
    }
    return new LinearState(m, dv);
  }

  /** The state of n keys given as feature rows φ(k_j) and value rows v_j. */
  public static LinearState ofKeys(
      int m,
      int dv,
      float[] phiK,
      int phiOff,
      int phiStride,
      float[] v,
      int vOff,
      int vStride,
      int n) {
    LinearState st = identity(m, dv);
    st.accumulate(phiK, phiOff, phiStride, v, vOff, vStride, n);
    return st;
  }

  /** The log of the factor taken out of (S, z) (0 unless features were rescaled). */
  public double shift() {
    return shift;
  }

  /** Number of keys summed into this state. */
  public long tokens() {
    return tokens;
  }

  /** A deep copy. */
  public LinearState copy() {
    LinearState c = new LinearState(m, dv);
    c.copyFrom(this);
    return c;
  }

  /** Overwrites this state with {@code src} (same shape). */
  public void copyFrom(LinearState src) {
    checkShape(src);
    System.arraycopy(src.s, 0, s, 0, s.length);
    System.arraycopy(src.z, 0, z, 0, m);
    tokens = src.tokens;
    shift = src.shift;
  }

  /**
   * Adds n keys: feature row j is {@code phiK[phiOff + j·phiStride .. + m)}, value row j is {@code
   * v[vOff + j·vStride .. + dv)}. S += φ(k_j)v_jᵀ and z += φ(k_j), one key after the other.
   */
  public void accumulate(
      float[] phiK, int phiOff, int phiStride, float[] v, int vOff, int vStride, int n) {
    accumulate(JavaLinearBackend.INSTANCE, phiK, phiOff, phiStride, v, vOff, vStride, n);
  }

  /** {@link #accumulate(float[], int, int, float[], int, int, int)} on {@code backend}. */
  public void accumulate(
      LinearAttentionBackend backend,
      float[] phiK,
      int phiOff,
      int phiStride,
      float[] v,
      int vOff,
      int vStride,
      int n) {
    accumulate(backend, phiK, phiOff, phiStride, v, vOff, vStride, n, 0);
  }

  /**
   * Adds n keys whose feature rows carry the factor e^(−keyShift) ({@link FeatureMap#applyKeys}):
   * the true state becomes e^shift·S + e^keyShift·Φᵀ V, stored against the larger of the two
   * shifts.
   */
  public void accumulate(
      LinearAttentionBackend backend,
      float[] phiK,
      int phiOff,
      int phiStride,
      float[] v,
      int vOff,
      int vStride,
      int n,
      double keyShift) {
    FlatRows.check(phiK, phiOff, phiStride, n, m, "key feature");
    FlatRows.check(v, vOff, vStride, n, dv, "value");
    if (n == 0) {
      return;
    }
    if (tokens == 0) {
      shift = keyShift;
    } else if (keyShift != shift) {
      double mx = Math.max(shift, keyShift);
      scale((float) StrictMath.exp(shift - mx));
      shift = mx;
      phiK = scaledRows(phiK, phiOff, phiStride, n, (float) StrictMath.exp(keyShift - mx));
      phiOff = 0;
      phiStride = m;
    }
    backend.accumulate(phiK, phiOff, phiStride, v, vOff, vStride, n, m, dv, s, z);
    tokens += n;
  }

  /** S, z ← a·(S, z). */
  private void scale(float a) {
    for (int i = 0; i < s.length; i++) {
      s[i] *= a;
    }
    for (int i = 0; i < m; i++) {
      z[i] *= a;
    }
  }

  /** a·(n feature rows), contiguous n × m. */
  private float[] scaledRows(float[] phi, int off, int stride, int n, float a) {
    float[] r = new float[n * m];
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < m; i++) {
        r[j * m + i] = phi[off + j * stride + i] * a;
      }
    }
    return r;
  }

  /** Returns a ⊕ b as a new state; neither input changes. */
  public static LinearState merge(LinearState a, LinearState b) {
    LinearState r = a.copy();
    r.mergeInPlace(b);
    return r;
  }

  /** this ← this ⊕ other: S += S_other, z += z_other (rescaled first when the shifts differ). */
  public void mergeInPlace(LinearState other) {
    checkShape(other);
    if (other.tokens == 0) {
      return; // x ⊕ identity = x, bit for bit (x + 0 would turn −0.0 into +0.0)
    }
    if (tokens == 0) {
      copyFrom(other);
      return;
    }
    if (other.shift == shift) {
      for (int i = 0; i < s.length; i++) {
        s[i] += other.s[i];
      }
      for (int i = 0; i < m; i++) {
        z[i] += other.z[i];
      }
    } else {
      double mx = Math.max(shift, other.shift);
      float a1 = (float) StrictMath.exp(shift - mx);
      float a2 = (float) StrictMath.exp(other.shift - mx);
      for (int i = 0; i < s.length; i++) {
        s[i] = a1 * s[i] + a2 * other.s[i];
      }
      for (int i = 0; i < m; i++) {
        z[i] = a1 * z[i] + a2 * other.z[i];
      }
      shift = mx;
    }
    tokens += other.tokens;
  }

  /**
   * Non-causal output of n queries against this state: out row r = φ(q_r)ᵀS / φ(q_r)ᵀz (zeros when
   * φ(q_r)ᵀz = 0). Feature row r is {@code phiQ[phiOff + r·phiStride .. + m)}, output row r is
   * {@code out[outOff + r·outStride .. + dv)}.
   */
  public void apply(
      float[] phiQ, int phiOff, int phiStride, int n, float[] out, int outOff, int outStride) {
    apply(JavaLinearBackend.INSTANCE, phiQ, phiOff, phiStride, n, out, outOff, outStride);
  }

  /** {@link #apply(float[], int, int, int, float[], int, int)} on {@code backend}. */
  public void apply(
      LinearAttentionBackend backend,
      float[] phiQ,
      int phiOff,
      int phiStride,
      int n,
      float[] out,
      int outOff,
      int outStride) {
    FlatRows.check(phiQ, phiOff, phiStride, n, m, "query feature");
    FlatRows.check(out, outOff, outStride, n, dv, "output");
    backend.apply(phiQ, phiOff, phiStride, n, m, dv, s, z, out, outOff, outStride);
  }

  /**
   * Causal output of one block of n tokens given this state = the exclusive prefix (all keys before
   * the block; the identity for the first block). Token r sees this state and the block's keys
   * 0..r:
   *
   * <pre>
   *   out_r = (φ(q_r)ᵀS + Σ_{j≤r} (φ(q_r)·φ(k_j)) v_j) / (φ(q_r)ᵀz + Σ_{j≤r} φ(q_r)·φ(k_j))
   * </pre>
   *
   * (zeros when the denominator is 0). This state is not changed. Cost n·m·dv + n²/2·(m + dv).
   */
  public void applyCausal(
      float[] phiQ,
      int qOff,
      int qStride,
      float[] phiK,
      int kOff,
      int kStride,
      float[] v,
      int vOff,
      int vStride,
      int n,
      float[] out,
      int outOff,
      int outStride) {
    applyCausal(
        JavaLinearBackend.INSTANCE,
        phiQ,
        qOff,
        qStride,
        phiK,
        kOff,
        kStride,
        v,
        vOff,
        vStride,
        n,
        out,
        outOff,
        outStride);
  }

  /**
   * {@link #applyCausal(float[], int, int, float[], int, int, float[], int, int, int, float[], int,
   * int)} on {@code backend}.
   */
  public void applyCausal(
      LinearAttentionBackend backend,
      float[] phiQ,
      int qOff,
      int qStride,
      float[] phiK,
      int kOff,
      int kStride,
      float[] v,
      int vOff,
      int vStride,
      int n,
      float[] out,
      int outOff,
      int outStride) {
    FlatRows.check(phiQ, qOff, qStride, n, m, "query feature");
    FlatRows.check(phiK, kOff, kStride, n, m, "key feature");
    FlatRows.check(v, vOff, vStride, n, dv, "value");
    FlatRows.check(out, outOff, outStride, n, dv, "output");
    backend.applyCausal(
        phiQ, qOff, qStride, phiK, kOff, kStride, v, vOff, vStride, n, m, dv, s, z, out, outOff,
        outStride);
  }

  /**
   * {@link #applyCausal(LinearAttentionBackend, float[], int, int, float[], int, int, float[], int,
   * int, int, float[], int, int)} with key features that carry e^(−keyShift) ({@link
   * FeatureMap#applyKeys}): the prefix and the block's keys are brought to the larger shift first
   * (nothing is copied when the shifts agree or the prefix is empty).
   */
  public void applyCausal(
      LinearAttentionBackend backend,
      float[] phiQ,
      int qOff,
      int qStride,
      float[] phiK,
      int kOff,
      int kStride,
      double keyShift,
      float[] v,
      int vOff,
      int vStride,
      int n,
      float[] out,
      int outOff,
      int outStride) {
    LinearState prefix = this;
    if (tokens != 0 && keyShift != shift) {
      double mx = Math.max(shift, keyShift);
      prefix = copy();
      prefix.scale((float) StrictMath.exp(shift - mx));
      FlatRows.check(phiK, kOff, kStride, n, m, "key feature");
      phiK = scaledRows(phiK, kOff, kStride, n, (float) StrictMath.exp(keyShift - mx));
      kOff = 0;
      kStride = m;
    }
    prefix.applyCausal(
        backend, phiQ, qOff, qStride, phiK, kOff, kStride, v, vOff, vStride, n, out, outOff,
        outStride);
  }

  /** Bytes taken by {@link #writeTo}. */
  public int byteSize() {
    return 24 + 4 * (m * dv + m);
  }

  /** Serialises (m, dv, tokens, shift, s, z) in the buffer's byte order. */
  public void writeTo(ByteBuffer buf) {
    buf.putInt(m).putInt(dv).putLong(tokens).putDouble(shift);
    for (float[] a : new float[][] {s, z}) {
      buf.asFloatBuffer().put(a);
      buf.position(buf.position() + 4 * a.length);
    }
  }

  /** Reads a state written by {@link #writeTo}. */
  public static LinearState readFrom(ByteBuffer buf) {
    LinearState st = identity(buf.getInt(), buf.getInt());
    st.tokens = buf.getLong();
    st.shift = buf.getDouble();
    for (float[] a : new float[][] {st.s, st.z}) {
      buf.asFloatBuffer().get(a);
      buf.position(buf.position() + 4 * a.length);
    }
    return st;
  }

  private void checkShape(LinearState other) {
    if (other.m != m || other.dv != dv) {
      throw new IllegalArgumentException(
          "shape differs: " + m + "x" + dv + " vs " + other.m + "x" + other.dv);
    }
  }
}
