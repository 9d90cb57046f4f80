package org.longattn.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked FMA micro-kernels of one tile, in the transposed layout of {@link
 * JavaAttentionBackend}: queries run along vector lanes, keys and head columns along scalars.
 *
 * <pre>
 *   qt[c·QS + i]  = scale·q_i[c]          (transposed, pre-scaled query chunk, QS query slots)
 *   s[j·QS + i]   = Σ_c k_j[c]·qt[c·QS + i]          scores Sᵀ, one row per key
 *   ot[c·QS + i] += Σ_j v_j[c]·s[j·QS + i]           Oᵀ += Vᵀ·Pᵀ, with P stored in s
 * </pre>
 *
 * Each kernel is a small method (C2 inlines and keeps its accumulators in registers only while the
 * method stays small): 4 rows × 4 vectors (16 accumulators) for the bulk, narrower ones for edges.
 */
final class TileKernels {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  static final int L = F.length();

  /** Query slots per chunk (the row length of qt, s and ot); a multiple of 4·L. */
  static final int QS = Math.max(64, 4 * L);

  private TileKernels() {}

  /** Scores of 4 keys (rows at k0..k3 in k) against 4 query vectors starting at slot i0. */
  static void scores4x4(
      float[] qt, int i0, float[] k, int k0, int k1, int k2, int k3, int d, float[] s, int sRow) {
    FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
    FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    for (int c = 0; c < d; c++) {
      int qo = c * QS + i0;
      FloatVector q0 = FloatVector.fromArray(F, qt, qo);
      FloatVector q1 = FloatVector.fromArray(F, qt, qo + L);
      FloatVector q2 = FloatVector.fromArray(F, qt, qo + 2 * L);
      FloatVector q3 = FloatVector.fromArray(F, qt, qo + 3 * L);
      FloatVector b = FloatVector.broadcast(F, k[k0 + c]);
      a00 = q0.fma(b, a00);
      a01 = q1.fma(b, a01);
      a02 = q2.fma(b, a02);
      a03 = q3.fma(b, a03);
      b = FloatVector.broadcast(F, k[k1 + c]);
      a10 = q0.fma(b, a10);
      a11 = q1.fma(b, a11);
      a12 = q2.fma(b, a12);
      a13 = q3.fma(b, a13);
      b = FloatVector.broadcast(F, k[k2 + c]);
      a20 = q0.fma(b, a20);
      a21 = q1.fma(b, a21);
      a22 = q2.fma(b, a22);
      a23 = q3.fma(b, a23);
      b = FloatVector.broadcast(F, k[k3 + c]);
      a30 = q0.fma(b, a30);
      a31 = q1.fma(b, a31);
      a32 = q2.fma(b, a32);
      a33 = q3.fma(b, a33);
    }
    int o = sRow * QS + i0;
    a00.intoArray(s, o);
    a01.intoArray(s, o + L);
    a02.intoArray(s, o + 2 * L);
    a03.intoArray(s, o + 3 * L);
    o += QS;
    a10.intoArray(s, o);
    a11.intoArray(s, o + L);
    a12.intoArray(s, o + 2 * L);
    a13.intoArray(s, o + 3 * L);
    o += QS;
    a20.intoArray(s, o);
    a21.intoArray(s, o + L);
    a22.intoArray(s, o + 2 * L);
    a23.intoArray(s, o + 3 * L);
    o += QS;
    a30.intoArray(s, o);
    a31.intoArray(s, o + L);
    a32.intoArray(s, o + 2 * L);
    a33.intoArray(s, o + 3 * L);
  }

  /** Scores of 4 keys against one query vector at slot i0. */
  static void scores4x1(
      float[] qt, int i0, float[] k, int k0, int k1, int k2, int k3, int d, float[] s, int sRow) {
    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
    for (int c = 0; c < d; c++) {
      FloatVector q = FloatVector.fromArray(F, qt, c * QS + i0);
      a0 = q.fma(FloatVector.broadcast(F, k[k0 + c]), a0);
      a1 = q.fma(FloatVector.broadcast(F, k[k1 + c]), a1);
      a2 = q.fma(FloatVector.broadcast(F, k[k2 + c]), a2);
      a3 = q.fma(FloatVector.broadcast(F, k[k3 + c]), a3);
    }
    int o = sRow * QS + i0;
    a0.intoArray(s, o);
    a1.intoArray(s, o + QS);
    a2.intoArray(s, o + 2 * QS);
    a3.intoArray(s, o + 3 * QS);
  }

  /** Scores of one key against one query vector at slot i0. */
  static void scores1x1(float[] qt, int i0, float[] k, int k0, int d, float[] s, int sRow) {
    FloatVector a = FloatVector.zero(F);
    for (int c = 0; c < d; c++) {
      a = FloatVector.fromArray(F, qt, c * QS + i0).fma(FloatVector.broadcast(F, k[k0 + c]), a);
    }
    a.intoArray(s, sRow * QS + i0);
  }

  /** ot rows c0..c0+3, vectors i0..i0+4L += Σ_{j<kn} v[vBase + j·vStride + c]·p[j·QS + i]. */
  static void values4x4(
      float[] p, int i0, int kn, float[] v, int vBase, int vStride, int c0, float[] ot) {
    int o = c0 * QS + i0;
    FloatVector a00 = FloatVector.fromArray(F, ot, o);
    FloatVector a01 = FloatVector.fromArray(F, ot, o + L);
    FloatVector a02 = FloatVector.fromArray(F, ot, o + 2 * L);
    FloatVector a03 = FloatVector.fromArray(F, ot, o + 3 * L);
    FloatVector a10 = FloatVector.fromArray(F, ot, o + QS);
    FloatVector a11 = FloatVector.fromArray(F, ot, o + QS + L);
    FloatVector a12 = FloatVector.fromArray(F, ot, o + QS + 2 * L);
    FloatVector a13 = FloatVector.fromArray(F, ot, o + QS + 3 * L);
    FloatVector a20 = FloatVector.fromArray(F, ot, o + 2 * QS);
    FloatVector a21 = FloatVector.fromArray(F, ot, o + 2 * QS + L);
    FloatVector a22 = FloatVector.fromArray(F, ot, o + 2 * QS + 2 * L);
    FloatVector a23 = FloatVector.fromArray(F, ot, o + 2 * QS + 3 * L);
    FloatVector a30 = FloatVector.fromArray(F, ot, o + 3 * QS);
    FloatVector a31 = FloatVector.fromArray(F, ot, o + 3 * QS + L);
    FloatVector a32 = FloatVector.fromArray(F, ot, o + 3 * QS + 2 * L);
    FloatVector a33 = FloatVector.fromArray(F, ot, o + 3 * QS + 3 * L);
    for (int j = 0; j < kn; j++) {
      int po = j * QS + i0;
      FloatVector p0 = FloatVector.fromArray(F, p, po);
      FloatVector p1 = FloatVector.fromArray(F, p, po + L);
      FloatVector p2 = FloatVector.fromArray(F, p, po + 2 * L);
      FloatVector p3 = FloatVector.fromArray(F, p, po + 3 * L);
      int vo = vBase + j * vStride + c0;
      FloatVector b = FloatVector.broadcast(F, v[vo]);
      a00 = p0.fma(b, a00);
      a01 = p1.fma(b, a01);
      a02 = p2.fma(b, a02);
      a03 = p3.fma(b, a03);
      b = FloatVector.broadcast(F, v[vo + 1]);
      a10 = p0.fma(b, a10);
      a11 = p1.fma(b, a11);
      a12 = p2.fma(b, a12);
      a13 = p3.fma(b, a13);
      b = FloatVector.broadcast(F, v[vo + 2]);
      a20 = p0.fma(b, a20);
      a21 = p1.fma(b, a21);
      a22 = p2.fma(b, a22);
      a23 = p3.fma(b, a23);
      b = FloatVector.broadcast(F, v[vo + 3]);
      a30 = p0.fma(b, a30);
      a31 = p1.fma(b, a31);
      a32 = p2.fma(b, a32);
      a33 = p3.fma(b, a33);
    }
    a00.intoArray(ot, o);
    a01.intoArray(ot, o + L);
    a02.intoArray(ot, o + 2 * L);
    a03.intoArray(ot, o + 3 * L);
    a10.intoArray(ot, o + QS);
    a11.intoArray(ot, o + QS + L);
    a12.intoArray(ot, o + QS + 2 * L);
    a13.intoArray(ot, o + QS + 3 * L);
    a20.intoArray(ot, o + 2 * QS);
    a21.intoArray(ot, o + 2 * QS + L);
    a22.intoArray(ot, o + 2 * QS + 2 * L);
    a23.intoArray(ot, o + 2 * QS + 3 * L);
    a30.intoArray(ot, o + 3 * QS);
    a31.intoArray(ot, o + 3 * QS + L);
    a32.intoArray(ot, o + 3 * QS + 2 * L);
    a33.intoArray(ot, o + 3 * QS + 3 * L);
  }

  /** ot rows c0..c0+3, one vector at slot i0 (see {@link #values4x4}). */
  static void values4x1(
      float[] p, int i0, int kn, float[] v, int vBase, int vStride, int c0, float[] ot) {
    int o = c0 * QS + i0;
    FloatVector a0 = FloatVector.fromArray(F, ot, o);
    FloatVector a1 = FloatVector.fromArray(F, ot, o + QS);
    FloatVector a2 = FloatVector.fromArray(F, ot, o + 2 * QS);
    FloatVector a3 = FloatVector.fromArray(F, ot, o + 3 * QS);
    for (int j = 0; j < kn; j++) {
      FloatVector pj = FloatVector.fromArray(F, p, j * QS + i0);
      int vo = vBase + j * vStride + c0;
      a0 = pj.fma(FloatVector.broadcast(F, v[vo]), a0);
      a1 = pj.fma(FloatVector.broadcast(F, v[vo + 1]), a1);
      a2 = pj.fma(FloatVector.broadcast(F, v[vo + 2]), a2);
      a3 = pj.fma(FloatVector.broadcast(F, v[vo + 3]), a3);
    }
    a0.intoArray(ot, o);
    a1.intoArray(ot, o + QS);
    a2.intoArray(ot, o + 2 * QS);
    a3.intoArray(ot, o + 3 * QS);
  }

  /** ot row c, one vector at slot i0 (see {@link #values4x4}). */
  static void values1x1(
      float[] p, int i0, int kn, float[] v, int vBase, int vStride, int c, float[] ot) {
    int o = c * QS + i0;
    FloatVector a = FloatVector.fromArray(F, ot, o);
    for (int j = 0; j < kn; j++) {
      a =
          FloatVector.fromArray(F, p, j * QS + i0)
              .fma(FloatVector.broadcast(F, v[vBase + j * vStride + c]), a);
    }
    a.intoArray(ot, o);
  }
}
