package org.longattn.kernels.vectorization;

import static org.longattn.kernels.vectorization.PanamaFloatOps.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Online-softmax update of one tile, one query vector (L queries) at a time, running down the key
 * rows of the transposed score tile {@code s[j·ld + i]} (so no horizontal reductions). Scores are
 * natural (scale already applied); masked scores are −∞. Overwrites s with p = e^(s − m_new) and
 * updates the running state (m, l[, t, dsum, gsum]) of those queries; writes the factor α =
 * e^(m_old − m_new) by which the caller must rescale the queries' output rows.
 *
 * <p>Guards (FlashAttention's rules): a query with m_old = −∞ holds the identity (l = o = t = 0),
 * so α and the shift are taken as 1 and 0 there (no −∞ − −∞); a query that has seen nothing yet
 * keeps m = −∞ and its p are taken against 0 (all 0). Every exponent is formed as (s − m)·log₂e
 * with s ≤ m, so it is ≤ 0 however large the scores are: p ≤ 1, and p = 1 exactly for the maximum
 * (hence l ≥ 1, max weight 1/l ≤ 1 and entropy ≥ 0). Scores must be finite or −∞ (masked); the
 * backend refuses scores beyond the float range before they get here. Where α underflows to 0 the
 * old t term is dropped (its limit is 0) instead of forming 0·(−∞).
 */
final class PanamaSoftmax {
  private PanamaSoftmax() {}

  /**
   * Running-max update of queries i0..i0+L over kn key rows: m ← m_new, α = e^(m_old − m_new) into
   * {@code alpha}. Every step is a small void method working from and to arrays, so that no vector
   * crosses a call boundary (a method C2 does not inline would box it) and each stays under C2's
   * inlining node limit; no helper here takes or returns a vector or a mask.
   */
  private static void newMax(float[] s, int ld, int i0, int kn, float[] m, float[] alpha) {
    tileMax(s, ld, i0, kn, alpha);
    FloatVector mx = FloatVector.fromArray(F, alpha, i0);
    FloatVector mOld = FloatVector.fromArray(F, m, i0);
    FloatVector mNew = mOld.blend(mx, mx.compare(VectorOperators.GT, mOld));
    FloatVector shift =
        mOld.sub(mNew).blend(0f, mOld.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
    shift.mul(FloatOps.LOG2E).intoArray(alpha, i0);
    PanamaFloatOps.exp2(alpha, i0);
    mNew.intoArray(m, i0);
  }

  /**
   * The column maxima of rows 0..kn of the tile into {@code out[i0..i0+L]}: four independent
   * running maxima (one compare + blend chain each, so the chains overlap instead of waiting on
   * each other), merged in order. The maximum is exact, so this equals one running maximum down the
   * rows, except that among equal maxima of ±0 the chains might keep another zero than the first;
   * lanes whose maximum is zero are therefore taken again by one running maximum.
   */
  private static void tileMax(float[] s, int ld, int i0, int kn, float[] out) {
    FloatVector m0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    FloatVector m1 = m0;
    FloatVector m2 = m0;
    FloatVector m3 = m0;
    int j = 0;
    for (; j + 4 <= kn; j += 4) {
      int o = j * ld + i0;
      FloatVector x0 = FloatVector.fromArray(F, s, o);
      FloatVector x1 = FloatVector.fromArray(F, s, o + ld);
      FloatVector x2 = FloatVector.fromArray(F, s, o + 2 * ld);
      FloatVector x3 = FloatVector.fromArray(F, s, o + 3 * ld);
      m0 = m0.blend(x0, x0.compare(VectorOperators.GT, m0)); // compare + blend: MAX is slow on 17
      m1 = m1.blend(x1, x1.compare(VectorOperators.GT, m1));
      m2 = m2.blend(x2, x2.compare(VectorOperators.GT, m2));
      m3 = m3.blend(x3, x3.compare(VectorOperators.GT, m3));
    }
    for (; j < kn; j++) {
      FloatVector x = FloatVector.fromArray(F, s, j * ld + i0);
      m0 = m0.blend(x, x.compare(VectorOperators.GT, m0));
    }
    m0 = m0.blend(m1, m1.compare(VectorOperators.GT, m0));
    m0 = m0.blend(m2, m2.compare(VectorOperators.GT, m0));
    m0 = m0.blend(m3, m3.compare(VectorOperators.GT, m0));
    if (m0.compare(VectorOperators.EQ, 0f).anyTrue()) {
      m0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
      for (j = 0; j < kn; j++) {
        FloatVector x = FloatVector.fromArray(F, s, j * ld + i0);
        m0 = m0.blend(x, x.compare(VectorOperators.GT, m0));
      }
    }
    m0.intoArray(out, i0);
  }

  /** Update without statistics: m, l. */
  static void update(float[] s, int ld, int i0, int kn, float[] m, float[] l, float[] alpha) {
    newMax(s, ld, i0, kn, m, alpha);
    FloatVector mx = FloatVector.fromArray(F, m, i0);
    mx = mx.blend(0f, mx.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY)); // −∞ → 0: all p 0
    FloatVector sum = FloatVector.zero(F);
    for (int j = 0; j < kn; j++) {
      int o = j * ld + i0;
      FloatVector.fromArray(F, s, o).sub(mx).mul(FloatOps.LOG2E).intoArray(s, o);
      PanamaFloatOps.exp2(s, o);
      sum = sum.add(FloatVector.fromArray(F, s, o));
    }
    FloatVector.fromArray(F, l, i0).fma(FloatVector.fromArray(F, alpha, i0), sum).intoArray(l, i0);
  }

  /**
   * Update with statistics: also t (Σ p·(s − m)), dsum (Σ p·|i − j|) and gsum (Σ p over keys with
   * {@code global[j]}).
   *
   * @param mOld scratch of at least i0 + L slots (receives the old running max)
   * @param qrel query positions by slot, relative to a base position
   * @param krel key positions of the tile's rows, relative to the same base (distances are exact in
   *     fp32 below 2^24 and rounded once above)
   */
  static void updateWithStats(
      float[] s,
      int ld,
      int i0,
      int kn,
      float[] m,
      float[] mOld,
      float[] l,
      float[] t,
      float[] dsum,
      float[] gsum,
      float[] alpha,
      float[] qrel,
      float[] krel,
      boolean[] global) {
    FloatVector.fromArray(F, m, i0).intoArray(mOld, i0);
    newMax(s, ld, i0, kn, m, alpha);
    rescaleStats(i0, m, mOld, l, t, dsum, gsum, alpha);
    accumulateStats(s, ld, i0, kn, m, l, t, dsum, gsum, qrel, krel, global);
  }

  /** t ← α·(t + l·(m_old − m_new)), l, dsum, gsum ← α·(…); shift 0 where m_old = −∞. */
  private static void rescaleStats(
      int i0,
      float[] m,
      float[] mOld,
      float[] l,
      float[] t,
      float[] dsum,
      float[] gsum,
      float[] alpha) {
    FloatVector a = FloatVector.fromArray(F, alpha, i0);
    FloatVector old = FloatVector.fromArray(F, mOld, i0);
    FloatVector shift =
        old.sub(FloatVector.fromArray(F, m, i0))
            .blend(0f, old.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
    FloatVector lOld = FloatVector.fromArray(F, l, i0);
    FloatVector.fromArray(F, t, i0)
        .add(lOld.mul(shift))
        .mul(a)
        .blend(0f, a.compare(VectorOperators.EQ, 0f)) // α = 0: the old part vanishes (no 0·−∞)
        .intoArray(t, i0);
    lOld.mul(a).intoArray(l, i0);
    FloatVector.fromArray(F, dsum, i0).mul(a).intoArray(dsum, i0);
    FloatVector.fromArray(F, gsum, i0).mul(a).intoArray(gsum, i0);
  }

  /** p = e^(s − m) into s; l, t, dsum, gsum += their terms (m already updated). */
  private static void accumulateStats(
      float[] s,
      int ld,
      int i0,
      int kn,
      float[] m,
      float[] l,
      float[] t,
      float[] dsum,
      float[] gsum,
      float[] qrel,
      float[] krel,
      boolean[] global) {
    FloatVector mx = FloatVector.fromArray(F, m, i0);
    mx = mx.blend(0f, mx.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY)); // −∞ → 0: all p 0
    FloatVector qp = FloatVector.fromArray(F, qrel, i0);
    FloatVector lv = FloatVector.fromArray(F, l, i0);
    FloatVector tv = FloatVector.fromArray(F, t, i0);
    FloatVector dv = FloatVector.fromArray(F, dsum, i0);
    FloatVector gv = FloatVector.fromArray(F, gsum, i0);
    for (int j = 0; j < kn; j++) {
      int o = j * ld + i0;
      FloatVector sh = FloatVector.fromArray(F, s, o).sub(mx); // ≤ 0 (−∞ for masked keys)
      sh.mul(FloatOps.LOG2E).intoArray(s, o);
      PanamaFloatOps.exp2(s, o);
      FloatVector p = FloatVector.fromArray(F, s, o);
      lv = lv.add(p);
      tv = p.fma(sh.blend(0f, p.compare(VectorOperators.EQ, 0f)), tv); // 0·−∞ guard
      dv = p.fma(qp.sub(krel[j]).abs(), dv);
      if (global[j]) {
        gv = gv.add(p);
      }
    }
    lv.intoArray(l, i0);
    tv.intoArray(t, i0);
    dv.intoArray(dsum, i0);
    gv.intoArray(gsum, i0);
  }
}
