package org.longattn.kernels.state;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Online-softmax state of {@code rows} query rows over some set of keys (DESIGN §3), the monoid
 * every exact attention result is reduced with.
 *
 * <p>Layout, row r, value column c (row-major, {@code dv} wide):
 *
 * <pre>
 *   m[r]        = max score seen              (−∞ when no key was visible)
 *   l[r]        = Σ e^(s−m)
 *   o[r·dv + c] = Σ e^(s−m)·v[c]               (unnormalised output)
 *   t[r]        = Σ e^(s−m)·(s−m)              (for entropy; shifted by m, see below)
 *   dsum[r]     = Σ e^(s−m)·|i−j|              (for the mean attention distance)
 *   gsum[r]     = Σ_{j global} e^(s−m)         (for the mass on global tokens)
 * </pre>
 *
 * <p>merge: m = max(m1, m2), αk = e^(mk−m), then l, o, dsum, gsum = α1·x1 + α2·x2 and t = α1·(t1 +
 * l1·(m1−m)) + α2·(t2 + l2·(m2−m)). Identity: m = −∞, everything else 0; a row with m = −∞ on
 * either side is not scaled but skipped (or copied), so x ⊕ identity = identity ⊕ x = x bit for
 * bit, signed zeros included.
 *
 * <p>DESIGN §3 writes t = Σ e^(s−m)·s; we keep it shifted by m so that entropy = log l − t/l has no
 * cancellation between two large terms (m + log l and t/l) when scores are large.
 *
 * <p>Final values: out = o/l, entropy = log l − t/l (nats), mean distance = dsum/l, max weight =
 * 1/l (the largest p is e^(m−m)/l), global mass = gsum/l. A row that saw no key gives zeros.
 *
 * <p>Range: every p is formed as e^(s−m) with s ≤ m and the maximum's p is exactly 1, so l ≥ 1 and
 * t ≤ 0 for a row that saw a key; hence max weight 1/l ∈ (0, 1] and entropy ≥ 0 exactly in float
 * arithmetic. exp and log are {@link StrictMath}'s (the same bits on every JVM, interpreted or
 * compiled). Where αk underflows to 0, side k's t term is 0 (its limit) rather than 0·(−∞).
 *
 * <p>merge is bitwise commutative (each output is a symmetric expression of the two sides) and
 * associative up to rounding; reductions fix the association by block ids ({@link TreeFold}).
 */
public final class SoftmaxState {
  public final int rows;
  public final int dv;
  public final float[] m;
  public final float[] l;
  public final float[] t;
  public final float[] dsum;
  public final float[] gsum;
  public final float[] o;

  private SoftmaxState(int rows, int dv) {
    this.rows = rows;
    this.dv = dv;
    this.m = new float[rows];
    Arrays.fill(m, Float.NEGATIVE_INFINITY);
    this.l = new float[rows];
    this.t = new float[rows];
    this.dsum = new float[rows];
    this.gsum = new float[rows];
    this.o = new float[rows * dv];
  }

  /** The identity: no key seen for any of {@code rows} rows. */
  public static SoftmaxState identity(int rows, int dv) {
    if (rows < 0 || dv < 0) {
      throw new IllegalArgumentException("rows and dv must be >= 0: " + rows + ", " + dv);
    }
    return new SoftmaxState(rows, dv);
  }

  /** A deep copy. */
  public SoftmaxState copy() {
    SoftmaxState c = new SoftmaxState(rows, dv);
    c.copyFrom(this);
    return c;
  }

  /** Overwrites this state with {@code src} (same shape). */
  public void copyFrom(SoftmaxState src) {
    checkShape(src);
    System.arraycopy(src.m, 0, m, 0, rows);
    System.arraycopy(src.l, 0, l, 0, rows);
    System.arraycopy(src.t, 0, t, 0, rows);
    System.arraycopy(src.dsum, 0, dsum, 0, rows);
    System.arraycopy(src.gsum, 0, gsum, 0, rows);
    System.arraycopy(src.o, 0, o, 0, rows * dv);
  }

  /** Returns a ⊕ b as a new state; neither input changes. */
  public static SoftmaxState merge(SoftmaxState a, SoftmaxState b) {
    SoftmaxState r = a.copy();
    r.mergeInPlace(b);
    return r;
  }

  /** this ← this ⊕ other (row by row; see the class Javadoc for the formula). */
  public void mergeInPlace(SoftmaxState other) {
    checkShape(other);
    for (int r = 0; r < rows; r++) {
      mergeRow(r, other, r);
    }
  }

  /** Row {@code r} of this ← row r of this ⊕ row {@code or} of {@code other}. */
  public void mergeRow(int r, SoftmaxState other, int or) {
    if (other.dv != dv) {
      throw new IllegalArgumentException("dv differs: " + dv + " vs " + other.dv);
    }
    float m1 = m[r];
    float m2 = other.m[or];
    if (m2 == Float.NEGATIVE_INFINITY) {
      return; // x ⊕ identity = x, bit for bit (α·x + 0 would turn −0.0 into +0.0)
    }
    if (m1 == Float.NEGATIVE_INFINITY) {
      copyRow(r, other, or); // identity ⊕ x = x, bit for bit
      return;
    }
    float mx = Math.max(m1, m2);
    float sh1 = m1 - mx;
    float sh2 = m2 - mx;
    float a1 = (float) StrictMath.exp(sh1);
    float a2 = (float) StrictMath.exp(sh2);
    float l1 = l[r];
    float l2 = other.l[or];
    t[r] = shiftedT(a1, t[r], l1, sh1) + shiftedT(a2, other.t[or], l2, sh2);
    l[r] = a1 * l1 + a2 * l2;
    dsum[r] = a1 * dsum[r] + a2 * other.dsum[or];
    gsum[r] = a1 * gsum[r] + a2 * other.gsum[or];
    m[r] = mx;
    int base = r * dv;
    int obase = or * dv;
    for (int c = 0; c < dv; c++) {
      o[base + c] = a1 * o[base + c] + a2 * other.o[obase + c];
    }
  }

  /** α·(t + l·shift), 0 where α underflowed to 0 (its limit; l·shift may be −∞ there). */
  private static float shiftedT(float alpha, float t, float l, float shift) {
    return alpha == 0f ? 0f : alpha * (t + l * shift);
  }

  private void copyRow(int r, SoftmaxState src, int sr) {
    m[r] = src.m[sr];
    l[r] = src.l[sr];
    t[r] = src.t[sr];
    dsum[r] = src.dsum[sr];
    gsum[r] = src.gsum[sr];
    System.arraycopy(src.o, sr * dv, o, r * dv, dv);
  }

  /** Writes out = o/l for row r into {@code out[off .. off+dv)}; zeros when no key was seen. */
  public void output(int r, float[] out, int off) {
    float lr = l[r];
    float inv = lr > 0f ? 1f / lr : 0f;
    int base = r * dv;
    for (int c = 0; c < dv; c++) {
      out[off + c] = o[base + c] * inv;
    }
  }

  /** Entropy of row r's attention distribution in nats (0 when no key was seen). */
  public float entropy(int r) {
    return l[r] > 0f ? (float) StrictMath.log(l[r]) - t[r] / l[r] : 0f;
  }

  /** Σ p·|i−j| for row r (0 when no key was seen). */
  public float meanDistance(int r) {
    return l[r] > 0f ? dsum[r] / l[r] : 0f;
  }

  /** max_j p_ij for row r (0 when no key was seen). */
  public float maxWeight(int r) {
    return l[r] > 0f ? 1f / l[r] : 0f;
  }

  /** Attention mass of row r on global tokens (0 when no key was seen). */
  public float globalMass(int r) {
    return l[r] > 0f ? gsum[r] / l[r] : 0f;
  }

  /** Bytes taken by {@link #writeTo}. */
  public int byteSize() {
    return 8 + 4 * (rows * 5 + rows * dv);
  }

  /** Serialises (rows, dv, m, l, t, dsum, gsum, o) in the buffer's byte order. */
  public void writeTo(ByteBuffer buf) {
    buf.putInt(rows).putInt(dv);
    for (float[] a : new float[][] {m, l, t, dsum, gsum, o}) {
      buf.asFloatBuffer().put(a);
      buf.position(buf.position() + 4 * a.length);
    }
  }

  /** Reads a state written by {@link #writeTo}. */
  public static SoftmaxState readFrom(ByteBuffer buf) {
    SoftmaxState s = new SoftmaxState(buf.getInt(), buf.getInt());
    for (float[] a : new float[][] {s.m, s.l, s.t, s.dsum, s.gsum, s.o}) {
      buf.asFloatBuffer().get(a);
      buf.position(buf.position() + 4 * a.length);
    }
    return s;
  }

  private void checkShape(SoftmaxState other) {
    if (other.rows != rows || other.dv != dv) {
      throw new IllegalArgumentException(
          "shape differs: " + rows + "x" + dv + " vs " + other.rows + "x" + other.dv);
    }
  }
}
