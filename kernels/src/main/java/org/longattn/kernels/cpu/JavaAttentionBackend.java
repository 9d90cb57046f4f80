package org.longattn.kernels.cpu;

import java.util.Arrays;
import java.util.List;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.ScoreOverflowException;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.state.SoftmaxState;
import org.longattn.kernels.vectorization.FloatOps;
import org.longattn.kernels.vectorization.SoftmaxColumns;

/**
 * The CPU backend: exact online-softmax attention, tile by tile, on the JVM's {@link FloatOps} (the
 * Vector API, or plain Java where the incubator module is absent).
 *
 * <p>Queries are taken in chunks of QS = max(64, 4·lanes) rows, transposed and pre-scaled once per
 * chunk ({@code qt[c·QS + i] = scale·q_i[c]}); the chunk's state lives transposed too ({@code
 * ot[c·QS + i]} = o of query i, column c). Then for every key block in list order, 64 keys at a
 * time, with K and V read in place (any stride):
 *
 * <ol>
 *   <li>Sᵀ = K·Qtᵀ (keys × queries), register-blocked FMA ({@link FloatOps#gemm4x4});
 *   <li>masking only when the tile is not entirely inside the band or has excluded keys ({@link
 *       Band#allowsAll}); tiles with {@link Band#allowsNone} are skipped;
 *   <li>online softmax down the columns, one vector of queries at a time ({@link
 *       FloatOps#softmaxUpdate});
 *   <li>Oᵀ ← α·Oᵀ + Vᵀ·Pᵀ.
 * </ol>
 *
 * The arithmetic depends on the inputs and the key-block order only (no threads, fixed tiling), so
 * results are bitwise reproducible. Scores that overflow the float range are refused with {@link
 * ScoreOverflowException} (detected once per chunk from the running maxima and sums, and in masked
 * tiles while masking: no extra pass over the scores), never written as NaN. Known gap: in a tile
 * without masking, a visible score that overflowed to −∞ (some |q_c·k_c| beyond the float range
 * with a sign that drives the sum down) weighs 0 instead of being refused. Not thread-safe (scratch
 * buffers): one instance per thread.
 */
public final class JavaAttentionBackend implements AttentionBackend {
  /** Keys per tile. */
  private static final int KT = 64;

  private final FloatOps ops;

  /** Floats per vector of {@link #ops}. */
  private final int L;

  /** Query slots per chunk (the row length of qt, s and ot); a multiple of 4·L. */
  private final int QS;

  private float[] qt = new float[0];
  private float[] ot = new float[0];
  private final float[] s;
  private final float[] m;
  private final SoftmaxColumns cols;
  private final float[] l;
  private final float[] t;
  private final float[] dsum;
  private final float[] gsum;
  private final float[] alpha;
  private final int[] qpos;
  private final int[] kpos = new int[KT];
  private final float[] qrel;
  private final float[] krel = new float[KT];
  private final boolean[] excluded = new boolean[KT];
  private final boolean[] global = new boolean[KT];
  private float[] additiveW; // non-null only inside accumulateAdditive
  private boolean overflow; // a visible score of the current chunk is ±∞ or NaN

  /** A backend on the JVM's {@link FloatOps#get()}. */
  public JavaAttentionBackend() {
    this(FloatOps.get());
  }

  /** A backend on the given primitives (tests compare implementations with it). */
  public JavaAttentionBackend(FloatOps ops) {
    this.ops = ops;
    this.L = ops.lanes();
    this.QS = Math.max(64, 4 * L);
    s = new float[KT * QS];
    cols = new SoftmaxColumns(QS);
    m = cols.m;
    l = cols.l;
    t = cols.t;
    dsum = cols.dsum;
    gsum = cols.gsum;
    alpha = cols.alpha;
    qrel = cols.qrel;
    qpos = new int[QS];
  }

  @Override
  public String name() {
    return "java";
  }

  @Override
  public String device() {
    return "cpu (" + ops.description() + ")";
  }

  @Override
  public void accumulate(
      QueryRows queries,
      List<KeyRows> keys,
      Band band,
      float scale,
      boolean stats,
      SoftmaxState acc) {
    int d = queries.d();
    int dv = acc.dv;
    if (acc.rows != queries.n()) {
      throw new IllegalArgumentException("state rows " + acc.rows + " != queries " + queries.n());
    }
    for (KeyRows kr : keys) {
      if (kr.d() != d || kr.dv() != dv) {
        throw new IllegalArgumentException("key/value widths differ from queries/state");
      }
    }
    if (qt.length < d * QS) {
      qt = new float[d * QS];
    }
    if (ot.length < dv * QS) {
      ot = new float[dv * QS];
    }
    for (int q0 = 0; q0 < queries.n(); q0 += QS) {
      int qn = Math.min(QS, queries.n() - q0);
      int nvec = (qn + L - 1) / L;
      loadChunk(queries, q0, qn, nvec, scale, stats, acc);
      for (KeyRows kr : keys) {
        for (int k0 = 0; k0 < kr.n(); k0 += KT) {
          tile(kr, k0, Math.min(KT, kr.n() - k0), qn, nvec, d, dv, band, stats);
        }
      }
      storeChunk(q0, qn, stats, acc);
      if (overflow || !finiteMaxima(qn)) {
        throw checkRange(queries, q0, qn, keys, band, scale);
      }
    }
  }

  /**
   * Additive scores: the same tile loop with {@link #additiveScores} in place of the dot product;
   * scale 1 (queries are loaded as they are).
   */
  @Override
  public void accumulateAdditive(
      QueryRows queries,
      List<KeyRows> keys,
      float[] w,
      Band band,
      boolean stats,
      SoftmaxState acc) {
    if (w.length != queries.d()) {
      throw new IllegalArgumentException("additive weights: " + w.length + " != d " + queries.d());
    }
    additiveW = w;
    try {
      accumulate(queries, keys, band, 1f, stats, acc);
    } finally {
      additiveW = null;
    }
  }

  /** One tile: keys k0..k0+kn of kr against the current query chunk. */
  private void tile(
      KeyRows kr, int k0, int kn, int qn, int nvec, int d, int dv, Band band, boolean stats) {
    for (int j = 0; j < kn; j++) {
      kpos[j] = kr.position(k0 + j);
      krel[j] = (float) ((long) kpos[j] - qpos[0]);
    }
    if (band.allowsNone(qpos[0], qpos[qn - 1], kpos[0], kpos[kn - 1])) {
      return;
    }
    boolean anyExcluded = false;
    boolean allExcluded = true;
    for (int j = 0; j < kn; j++) {
      byte f = kr.flag(k0 + j);
      excluded[j] = (f & KeyRows.EXCLUDED) != 0;
      global[j] = (f & KeyRows.GLOBAL) != 0;
      anyExcluded |= excluded[j];
      allExcluded &= excluded[j];
    }
    if (allExcluded) {
      return;
    }
    if (additiveW != null) {
      additiveScores(kr, k0, kn, nvec, d); // |s| ≤ Σ|w|: always finite
    } else {
      scores(kr, k0, kn, nvec, d);
    }
    if (anyExcluded || !band.allowsAll(qpos[0], qpos[qn - 1], kpos[0], kpos[kn - 1])) {
      mask(kn, qn, band);
    }
    for (int v = 0; v < nvec; v++) {
      if (stats) {
        ops.softmaxUpdateWithStats(s, QS, v * L, kn, cols, krel, global);
      } else {
        ops.softmaxUpdate(s, QS, v * L, kn, cols);
      }
    }
    rescaleOutput(nvec, dv);
    values(kr, k0, kn, nvec, dv);
  }

  /** s ← Sᵀ of the tile (rows j < kn, query vectors v < nvec). */
  private void scores(KeyRows kr, int k0, int kn, int nvec, int d) {
    float[] k = kr.k();
    int stride = kr.kStride();
    int base = kr.kOff() + k0 * stride;
    int j = 0;
    for (; j + 4 <= kn; j += 4) {
      int r0 = base + j * stride;
      int v = 0;
      for (; v + 4 <= nvec; v += 4) {
        ops.gemm4x4(d, k, r0, stride, 1, qt, v * L, QS, s, j * QS + v * L, QS, false);
      }
      for (; v < nvec; v++) {
        ops.gemm4x1(d, k, r0, stride, 1, qt, v * L, QS, s, j * QS + v * L, QS, false);
      }
    }
    for (; j < kn; j++) {
      for (int v = 0; v < nvec; v++) {
        ops.gemm1x1(d, k, base + j * stride, 1, qt, v * L, QS, s, j * QS + v * L, false);
      }
    }
  }

  /**
   * Whether the chunk's running maxima and sums are sane: a visible score of +∞ makes m = +∞, a NaN
   * score (∞ − ∞ inside a dot product) makes l NaN. Checked once per chunk, not per score.
   */
  private boolean finiteMaxima(int qn) {
    for (int i = 0; i < qn; i++) {
      if (m[i] == Float.POSITIVE_INFINITY || Float.isNaN(l[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * The refusal of a chunk whose scores overflowed: the visible pair with the largest Σ_c |q_c·k_c|
   * scale (in double), named in a {@link ScoreOverflowException}. Runs only after an overflow.
   */
  private static ScoreOverflowException checkRange(
      QueryRows queries, int q0, int qn, List<KeyRows> keys, Band band, float scale) {
    int d = queries.d();
    double worst = -1;
    int wq = queries.position(q0);
    int wk = -1;
    for (KeyRows kr : keys) {
      for (int j = 0; j < kr.n(); j++) {
        if ((kr.flag(j) & KeyRows.EXCLUDED) != 0) {
          continue;
        }
        int kRow = kr.kOff() + j * kr.kStride();
        for (int i = q0; i < q0 + qn; i++) {
          if (!band.allows(queries.position(i), kr.position(j))) {
            continue;
          }
          int qRow = queries.off() + i * queries.stride();
          double sum = 0;
          for (int c = 0; c < d; c++) {
            sum += Math.abs((double) (queries.q()[qRow + c] * scale) * kr.k()[kRow + c]);
          }
          if (sum > worst) {
            worst = sum;
            wq = queries.position(i);
            wk = kr.position(j);
          }
        }
      }
    }
    return new ScoreOverflowException(wq, wk, worst);
  }

  /** s ← Σ_a w[a]·tanh(qt[a] + k_j[a]) for the tile's keys, a query vector at a time. */
  private void additiveScores(KeyRows kr, int k0, int kn, int nvec, int d) {
    float[] k = kr.k();
    int stride = kr.kStride();
    int base = kr.kOff() + k0 * stride;
    for (int j = 0; j < kn; j++) {
      int row = base + j * stride;
      for (int v = 0; v < nvec; v++) {
        ops.additiveScores(qt, v * L, QS, d, k, row, additiveW, s, j * QS + v * L);
      }
    }
  }

  /** Sets the scores of pairs outside the band and of excluded keys to −∞. */
  private void mask(int kn, int qn, Band band) {
    for (int j = 0; j < kn; j++) {
      int row = j * QS;
      if (excluded[j]) {
        Arrays.fill(s, row, row + qn, Float.NEGATIVE_INFINITY);
        continue;
      }
      int kp = kpos[j];
      for (int i = 0; i < qn; i++) {
        if (!band.allows(qpos[i], kp)) {
          s[row + i] = Float.NEGATIVE_INFINITY;
        } else if (!(Math.abs(s[row + i]) <= Float.MAX_VALUE)) {
          overflow = true; // a visible −∞ would otherwise pass for a masked key
        }
      }
    }
  }

  /** Oᵀ ← α·Oᵀ, skipped when no running max moved (α = 1 everywhere). */
  private void rescaleOutput(int nvec, int dv) {
    boolean moved = false;
    for (int i = 0; i < nvec * L; i++) {
      moved |= alpha[i] != 1f;
    }
    if (moved) {
      ops.scaleRows(ot, 0, QS, dv, alpha, 0, nvec * L);
    }
  }

  /** Oᵀ += Vᵀ·Pᵀ of the tile (P in s). */
  private void values(KeyRows kr, int k0, int kn, int nvec, int dv) {
    float[] vals = kr.v();
    int stride = kr.vStride();
    int base = kr.vOff() + k0 * stride;
    int c = 0;
    for (; c + 4 <= dv; c += 4) {
      int v = 0;
      for (; v + 4 <= nvec; v += 4) {
        ops.gemm4x4(kn, vals, base + c, 1, stride, s, v * L, QS, ot, c * QS + v * L, QS, true);
      }
      for (; v < nvec; v++) {
        ops.gemm4x1(kn, vals, base + c, 1, stride, s, v * L, QS, ot, c * QS + v * L, QS, true);
      }
    }
    for (; c < dv; c++) {
      for (int v = 0; v < nvec; v++) {
        ops.gemm1x1(kn, vals, base + c, stride, s, v * L, QS, ot, c * QS + v * L, true);
      }
    }
  }

  /** Transposes and scales queries q0..q0+qn into qt and loads their state (padding: identity). */
  private void loadChunk(
      QueryRows queries, int q0, int qn, int nvec, float scale, boolean stats, SoftmaxState acc) {
    int d = queries.d();
    int dv = acc.dv;
    float[] q = queries.q();
    int width = nvec * L;
    for (int c = 0; c < d; c++) {
      Arrays.fill(qt, c * QS + qn, c * QS + width, 0f);
    }
    for (int c = 0; c < dv; c++) {
      Arrays.fill(ot, c * QS + qn, c * QS + width, 0f); // padding slots: never read back
    }
    overflow = false;
    for (int i = 0; i < qn; i++) {
      int row = queries.off() + (q0 + i) * queries.stride();
      for (int c = 0; c < d; c++) {
        qt[c * QS + i] = q[row + c] * scale;
      }
      qpos[i] = queries.position(q0 + i);
      int o = (q0 + i) * dv;
      for (int c = 0; c < dv; c++) {
        ot[c * QS + i] = acc.o[o + c];
      }
    }
    for (int i = qn; i < QS; i++) {
      qpos[i] = qpos[qn - 1];
    }
    for (int i = 0; i < QS; i++) {
      qrel[i] = (float) ((long) qpos[i] - qpos[0]);
    }
    Arrays.fill(m, Float.NEGATIVE_INFINITY);
    Arrays.fill(l, 0f);
    Arrays.fill(t, 0f);
    Arrays.fill(dsum, 0f);
    Arrays.fill(gsum, 0f);
    System.arraycopy(acc.m, q0, m, 0, qn);
    System.arraycopy(acc.l, q0, l, 0, qn);
    if (stats) {
      System.arraycopy(acc.t, q0, t, 0, qn);
      System.arraycopy(acc.dsum, q0, dsum, 0, qn);
      System.arraycopy(acc.gsum, q0, gsum, 0, qn);
    }
  }

  /** Writes the chunk's state back (o transposed back to rows). */
  private void storeChunk(int q0, int qn, boolean stats, SoftmaxState acc) {
    int dv = acc.dv;
    System.arraycopy(m, 0, acc.m, q0, qn);
    System.arraycopy(l, 0, acc.l, q0, qn);
    if (stats) {
      System.arraycopy(t, 0, acc.t, q0, qn);
      System.arraycopy(dsum, 0, acc.dsum, q0, qn);
      System.arraycopy(gsum, 0, acc.gsum, q0, qn);
    }
    for (int i = 0; i < qn; i++) {
      int o = (q0 + i) * dv;
      for (int c = 0; c < dv; c++) {
        acc.o[o + c] = ot[c * QS + i];
      }
    }
  }
}
