package org.longattn.kernels.state;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.longattn.kernels.feature.FlatRows;
import org.longattn.kernels.feature.StableGaussian;
import org.longattn.kernels.pattern.Seeds;

/**
 * Linformer-style low-rank projection of one head's keys and values (Wang et al. 2020), with random
 * projections so that it is a sum over blocks (DESIGN §3):
 *
 * <pre>
 *   K' = Σ_b E_b K_b      (rank × d)        E_b = the columns e_p of the block's positions p
 *   V' = Σ_b F_b V_b      (rank × dv)       F_b = the columns f_p
 *   e_p, f_p ∈ R^rank, entries N(0, 1)/√rank, drawn from (seed, E or F, p) alone
 *   out_i = softmax(scale · q_i K'ᵀ) V'   over the rank projected keys
 * </pre>
 *
 * <p>Layout (row-major): {@code kp[r·d + c]} = K'[r][c], {@code vp[r·dv + c]} = V'[r][c]; tokens =
 * number of keys summed (0 only for the identity).
 *
 * <p>Drawing column p from (seed, position p) makes E_b a function of the seed and the block's
 * position range only, i.e. of (seed, block id) for a fixed block size, and the projection does not
 * change when tokens are grouped into blocks differently (a short last block is just fewer
 * columns). {@link StableGaussian} makes the columns bitwise the same on every JVM.
 *
 * <p>merge: K' = K'1 + K'2, V' = V'1 + V'2 (same seed and shape); identity zeros with tokens = 0,
 * skipped bit for bit as in {@link LinearState}. Bitwise commutative, associative up to rounding;
 * reduce with {@link TreeFold}. Precision: float sums whose terms carry both signs, so the error of
 * K' is relative to Σ_p |e_p||k_p| ≈ √tokens·|K'|, which grows with the document; scores are then
 * rounded relative to that scale.
 *
 * <p>Attention follows {@link SoftmaxState}'s conventions: scores s = scale·q·k', out = Σ
 * e^(s−max)·v' / Σ e^(s−max), zeros when no key was summed.
 */
public final class LinformerProjection {
  private static final long E = 0x45; // stream tags: E for keys, F for values
  private static final long F = 0x46;

  public final long seed;
  public final int rank;
  public final int d;
  public final int dv;
  public final float[] kp;
  public final float[] vp;
  private long tokens;

  private LinformerProjection(long seed, int rank, int d, int dv) {
    this.seed = seed;
    this.rank = rank;
    this.d = d;
    this.dv = dv;
    this.kp = new float[rank * d];
    this.vp = new float[rank * dv];
  }

  /** The identity: no key. */
  public static LinformerProjection identity(long seed, int rank, int d, int dv) {
    if (rank < 1 || d < 1 || dv < 1) {
      throw new IllegalArgumentException(
          "rank, d, dv must be >= 1: " + rank + ", " + d + ", " + dv);
    }
    return new LinformerProjection(seed, rank, d, dv);
  }

  /** Column e_p of E (rank entries, N(0, 1)/√rank). */
  public static float[] keyColumn(long seed, long position, int rank) {
    return column(seed, E, position, rank);
  }

  /** Column f_p of F (rank entries, N(0, 1)/√rank). */
  public static float[] valueColumn(long seed, long position, int rank) {
    return column(seed, F, position, rank);
  }

  private static float[] column(long seed, long which, long position, int rank) {
    SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, which, position));
    double scale = 1 / Math.sqrt(rank);
    float[] col = new float[rank];
    for (int r = 0; r < rank; r++) {
      col[r] = (float) (StableGaussian.next(rng) * scale);
    }
    return col;
  }

  /** Number of keys summed. */
  public long tokens() {
    return tokens;
  }

  /**
   * Adds n keys at positions first .. first + n − 1: key row j is {@code k[kOff + j·kStride .. +
   * d)}, value row j is {@code v[vOff + j·vStride .. + dv)}. K' += e_p k_pᵀ, V' += f_p v_pᵀ.
   */
  public void accumulate(
      float[] k, int kOff, int kStride, float[] v, int vOff, int vStride, int n, long first) {
    FlatRows.check(k, kOff, kStride, n, d, "key");
    FlatRows.check(v, vOff, vStride, n, dv, "value");
    if (first < 0) {
      throw new IllegalArgumentException("negative position: " + first);
    }
    for (int j = 0; j < n; j++) {
      addOuter(kp, keyColumn(seed, first + j, rank), k, kOff + j * kStride, d);
      addOuter(vp, valueColumn(seed, first + j, rank), v, vOff + j * vStride, dv);
    }
    tokens += n;
  }

  private static void addOuter(float[] dst, float[] col, float[] x, int xOff, int width) {
    for (int r = 0; r < col.length; r++) {
      float e = col[r];
      int row = r * width;
      for (int c = 0; c < width; c++) {
        dst[row + c] += e * x[xOff + c];
      }
    }
  }

  /** A deep copy. */
  public LinformerProjection copy() {
    LinformerProjection c = new LinformerProjection(seed, rank, d, dv);
    c.copyFrom(this);
    return c;
  }

  /** Overwrites this with {@code src} (same seed and shape). */
  public void copyFrom(LinformerProjection src) {
    checkShape(src);
    System.arraycopy(src.kp, 0, kp, 0, kp.length);
    System.arraycopy(src.vp, 0, vp, 0, vp.length);
    tokens = src.tokens;
  }

  /** Returns a ⊕ b as a new value; neither input changes. */
  public static LinformerProjection merge(LinformerProjection a, LinformerProjection b) {
    LinformerProjection r = a.copy();
    r.mergeInPlace(b);
    return r;
  }

  /** this ← this ⊕ other: K' += K'_other, V' += V'_other. */
  public void mergeInPlace(LinformerProjection other) {
    checkShape(other);
    if (other.tokens == 0) {
      return;
    }
    if (tokens == 0) {
      copyFrom(other);
      return;
    }
    for (int i = 0; i < kp.length; i++) {
      kp[i] += other.kp[i];
    }
    for (int i = 0; i < vp.length; i++) {
      vp[i] += other.vp[i];
    }
    tokens += other.tokens;
  }

  /**
   * Softmax attention of n queries against the rank projected keys: query row i is {@code q[qOff +
   * i·qStride .. + d)}, output row i {@code out[outOff + i·outStride .. + dv)}; zeros when no key
   * was summed.
   */
  public void attend(
      float[] q,
      int qOff,
      int qStride,
      int n,
      float scale,
      float[] out,
      int outOff,
      int outStride) {
    FlatRows.check(q, qOff, qStride, n, d, "query");
    FlatRows.check(out, outOff, outStride, n, dv, "output");
    float[] p = new float[rank];
    for (int i = 0; i < n; i++) {
      int qi = qOff + i * qStride;
      int o = outOff + i * outStride;
      if (tokens == 0) {
        Arrays.fill(out, o, o + dv, 0f);
        continue;
      }
      float max = Float.NEGATIVE_INFINITY;
      for (int r = 0; r < rank; r++) {
        float s = 0f;
        for (int c = 0; c < d; c++) {
          s += q[qi + c] * kp[r * d + c];
        }
        p[r] = scale * s;
        max = Math.max(max, p[r]);
      }
      float l = 0f;
      for (int r = 0; r < rank; r++) {
        p[r] = (float) Math.exp(p[r] - max);
        l += p[r];
      }
      for (int c = 0; c < dv; c++) {
        float acc = 0f;
        for (int r = 0; r < rank; r++) {
          acc += p[r] * vp[r * dv + c];
        }
        out[o + c] = acc / l;
      }
    }
  }

  /** Bytes taken by {@link #writeTo}. */
  public int byteSize() {
    return 32 + 4 * (kp.length + vp.length);
  }

  /** Serialises (seed, rank, d, dv, tokens, kp, vp) in the buffer's byte order. */
  public void writeTo(ByteBuffer buf) {
    buf.putLong(seed).putInt(rank).putInt(d).putInt(dv).putInt(0).putLong(tokens);
    for (float[] x : new float[][] {kp, vp}) {
      buf.asFloatBuffer().put(x);
      buf.position(buf.position() + 4 * x.length);
    }
  }

  /** Reads a value written by {@link #writeTo}. */
  public static LinformerProjection readFrom(ByteBuffer buf) {
    long seed = buf.getLong();
    int rank = buf.getInt();
    int d = buf.getInt();
    int dv = buf.getInt();
    buf.getInt(); // padding, keeps the float arrays 8-byte aligned
    LinformerProjection x = identity(seed, rank, d, dv);
    x.tokens = buf.getLong();
    for (float[] a : new float[][] {x.kp, x.vp}) {
      buf.asFloatBuffer().get(a);
      buf.position(buf.position() + 4 * a.length);
    }
    return x;
  }

  private void checkShape(LinformerProjection other) {
    if (other.seed != seed || other.rank != rank || other.d != d || other.dv != dv) {
      throw new IllegalArgumentException("seed or shape differs");
    }
  }
}
