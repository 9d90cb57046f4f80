package org.longattn.kernels.state;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.longattn.kernels.feature.FlatRows;

/**
 * Gated linear attention (GLA, Yang et al. 2023, "Gated Linear Attention Transformers with
 * Hardware-Efficient Training") of one head: a block summary (a, U) that composes associatively in
 * block order (DESIGN §3).
 *
 * <p>Convention. Per token t: query q_t and key k_t (dk wide), value v_t (dv wide), log-gate g_t ∈
 * (−∞, 0]^dk (per key dimension; e.g. g = log σ(x)/τ). With S_0 = 0 (dk × dv):
 *
 * <pre>
 *   S_t = diag(e^{g_t})·S_{t−1} + k_t v_tᵀ
 *   o_t = S_tᵀ q_t          (no normaliser, no 1/√dk: scale q beforehand if wanted)
 * </pre>
 *
 * <p>Block summary of tokens t = 1..n, layout (row-major):
 *
 * <pre>
 *   a[i]        = Σ_t g_t[i]                                   (log of the span's total decay)
 *   u[i·dv + c] = Σ_t e^{Σ_{s>t} g_s[i]} · k_t[i] · v_t[c]     (U: the span's S from S = 0)
 *   tokens      = n (0 only for the identity)
 * </pre>
 *
 * so S_end = diag(e^a)·S_start + U. Composition, left = earlier tokens:
 *
 * <pre>
 *   (a1, U1) ∘ (a2, U2) = (a1 + a2, diag(e^{a2})·U1 + U2)
 * </pre>
 *
 * associative (up to rounding), NOT commutative: scans and folds must keep block order ({@link
 * TreeFold} and {@link TreeScan} do). Identity (0, 0) with tokens = 0; a side with tokens = 0 is
 * skipped (or copied), so x ∘ identity = identity ∘ x = x bit for bit. The U of the exclusive
 * prefix of a block is the S entering it, which {@link #apply} takes.
 *
 * <p>Precision: float throughout. Within a block a key's decay is the product of rounded e^{g}
 * factors (≤ n roundings for n tokens); across blocks it is one rounded e^{a}. Errors are relative
 * to Σ |decay·k·v| terms, not to |U|, since terms carry the sign of k and v.
 */
public final class GatedState {
  public final int dk;
  public final int dv;
  public final float[] a;
  public final float[] u;
  private long tokens;

  private GatedState(int dk, int dv) {
    this.dk = dk;
    this.dv = dv;
    this.a = new float[dk];
    this.u = new float[dk * dv];
  }

  /** The identity (0, 0): no token. */
  public static GatedState identity(int dk, int dv) {
    if (dk < 1 || dv < 1) {
      throw new IllegalArgumentException("dk and dv must be >= 1: " + dk + ", " + dv);
    }
    return new GatedState(dk, dv);
  }

  /**
   * The summary of n tokens in order: key row t is {@code k[kOff + t·kStride .. + dk)}, value row
   * {@code v[vOff + t·vStride .. + dv)}, log-gate row {@code g[gOff + t·gStride .. + dk)} (every
   * entry ≤ 0, −∞ allowed). Runs the recurrence U ← diag(e^{g_t})U + k_t v_tᵀ from U = 0.
   */
  public static GatedState ofBlock(
      float[] k,
      int kOff,
      int kStride,
      float[] v,
      int vOff,
      int vStride,
      float[] g,
      int gOff,
      int gStride,
      int n,
      int dk,
      int dv) {
    GatedState st = identity(dk, dv);
    FlatRows.check(k, kOff, kStride, n, dk, "key");
    FlatRows.check(v, vOff, vStride, n, dv, "value");
    FlatRows.check(g, gOff, gStride, n, dk, "gate");
    float[] decay = new float[dk];
    for (int t = 0; t < n; t++) {
      decays(g, gOff + t * gStride, decay);
      for (int i = 0; i < dk; i++) {
        st.a[i] += g[gOff + t * gStride + i];
      }
      step(st.u, decay, k, kOff + t * kStride, v, vOff + t * vStride, dk, dv);
    }
    st.tokens = n;
    return st;
  }

  /** Number of tokens summarised. */
  public long tokens() {
    return tokens;
  }

  /** A deep copy. */
  public GatedState copy() {
    GatedState c = new GatedState(dk, dv);
    c.copyFrom(this);
    return c;
  }

  /** Overwrites this state with {@code src} (same shape). */
  public void copyFrom(GatedState src) {
    checkShape(src);
    System.arraycopy(src.a, 0, a, 0, dk);
    System.arraycopy(src.u, 0, u, 0, u.length);
    tokens = src.tokens;
  }

  /** Returns left ∘ right (left = earlier tokens) as a new state; neither input changes. */
  public static GatedState compose(GatedState left, GatedState right) {
    GatedState r = left.copy();
    r.composeInPlace(right);
    return r;
  }

  /** this ← this ∘ later: a += a_later, U = diag(e^{a_later})·U + U_later. */
  public void composeInPlace(GatedState later) {
    checkShape(later);
    if (later.tokens == 0) {
      return; // x ∘ identity = x, bit for bit
    }
    if (tokens == 0) {
      copyFrom(later);
      return;
    }
    for (int i = 0; i < dk; i++) {
      float decay = (float) Math.exp(later.a[i]);
      a[i] += later.a[i];
      int row = i * dv;
      for (int c = 0; c < dv; c++) {
        u[row + c] = decay * u[row + c] + later.u[row + c];
      }
    }
    tokens += later.tokens;
  }

  /**
   * Outputs of one block of n tokens given this state's U as the S entering the block (the U of the
   * exclusive prefix; the identity for the first block): token by token S ← diag(e^{g_t})S + k_t
   * v_tᵀ, out row t = Sᵀq_t. Query rows are {@code q[qOff + t·qStride .. + dk)}, output rows {@code
   * out[outOff + t·outStride .. + dv)}, the rest as in {@link #ofBlock}. This state is not changed.
   * Cost 2·n·dk·dv.
   */
  public void apply(
      float[] q,
      int qOff,
      int qStride,
      float[] k,
      int kOff,
      int kStride,
      float[] v,
      int vOff,
      int vStride,
      float[] g,
      int gOff,
      int gStride,
      int n,
      float[] out,
      int outOff,
      int outStride) {
    FlatRows.check(q, qOff, qStride, n, dk, "query");
    FlatRows.check(k, kOff, kStride, n, dk, "key");
    FlatRows.check(v, vOff, vStride, n, dv, "value");
    FlatRows.check(g, gOff, gStride, n, dk, "gate");
    FlatRows.check(out, outOff, outStride, n, dv, "output");
    float[] st = u.clone();
    float[] decay = new float[dk];
    for (int t = 0; t < n; t++) {
      decays(g, gOff + t * gStride, decay);
      step(st, decay, k, kOff + t * kStride, v, vOff + t * vStride, dk, dv);
      int o = outOff + t * outStride;
      Arrays.fill(out, o, o + dv, 0f);
      int qt = qOff + t * qStride;
      for (int i = 0; i < dk; i++) {
        float qi = q[qt + i];
        int row = i * dv;
        for (int c = 0; c < dv; c++) {
          out[o + c] += st[row + c] * qi;
        }
      }
    }
  }

  private static void decays(float[] g, int off, float[] decay) {
    for (int i = 0; i < decay.length; i++) {
      float x = g[off + i];
      if (!(x <= 0f)) {
        throw new IllegalArgumentException("log-gate must be <= 0, got " + x);
      }
      decay[i] = (float) Math.exp(x);
    }
  }

  /** st ← diag(decay)·st + k vᵀ. */
  private static void step(
      float[] st, float[] decay, float[] k, int kOff, float[] v, int vOff, int dk, int dv) {
    for (int i = 0; i < dk; i++) {
      float di = decay[i];
      float ki = k[kOff + i];
      int row = i * dv;
      for (int c = 0; c < dv; c++) {
        st[row + c] = di * st[row + c] + ki * v[vOff + c];
      }
    }
  }

  /** Bytes taken by {@link #writeTo}. */
  public int byteSize() {
    return 16 + 4 * (dk + dk * dv);
  }

  /** Serialises (dk, dv, tokens, a, u) in the buffer's byte order. */
  public void writeTo(ByteBuffer buf) {
    buf.putInt(dk).putInt(dv).putLong(tokens);
    for (float[] x : new float[][] {a, u}) {
      buf.asFloatBuffer().put(x);
      buf.position(buf.position() + 4 * x.length);
    }
  }

  /** Reads a state written by {@link #writeTo}. */
  public static GatedState readFrom(ByteBuffer buf) {
    GatedState st = identity(buf.getInt(), buf.getInt());
    st.tokens = buf.getLong();
    for (float[] x : new float[][] {st.a, st.u}) {
      buf.asFloatBuffer().get(x);
      buf.position(buf.position() + 4 * x.length);
    }
    return st;
  }

  private void checkShape(GatedState other) {
    if (other.dk != dk || other.dv != dv) {
      throw new IllegalArgumentException(
          "shape differs: " + dk + "x" + dv + " vs " + other.dk + "x" + other.dv);
    }
  }
}
