package org.longattn.kernels.cpu;

import static org.longattn.kernels.cpu.TileKernels.F;
import static org.longattn.kernels.cpu.TileKernels.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector API kernels of linear attention (state (S, z), DESIGN §3), flat row-major arrays: row r of
 * an array is {@code a[off + r·stride .. + width)}.
 *
 * <pre>
 *   accumulate:  S (m × dv) += Φᵀ V,  z += Σ_j φ_j       (Φ: n × m features, V: n × dv values)
 *   apply:       out_r = φ_rᵀ S / φ_r·z                  (zeros where φ_r·z = 0)
 *   applyCausal: out_r = (φ_rᵀ S + Σ_{j≤r} a_rj v_j) / (φ_r·z + Σ_{j≤r} a_rj),  a_rj = φ_r·ψ_j
 * </pre>
 *
 * The rank-1 updates φ_j v_jᵀ are done as a blocked matrix product: 4 rows of S × 4 vectors of
 * columns in 16 accumulators, one broadcast per (j, row) and one load per (j, vector).
 *
 * <p><b>Determinism.</b> Every output element is a sum in a fixed order — over j ascending (then i
 * ascending) with fused multiply-adds — whatever the register blocking, the vector width or the JIT
 * tier: only lanewise operations are used (no {@code reduceLanes}, no vector transcendental), so
 * results are the same bits on every executor. Dot products φ_r·z are scalar, in a fixed order.
 */
public final class LinearKernels {
  private static final float LOG2E = 1.4426950408889634f;

  private LinearKernels() {}

  /**
   * φ(x) = elu(x) + 1 = x + 1 (x &gt; 0), e^x (x ≤ 0) of n rows of width d: e^x by {@link
   * TileSoftmax#exp2} (relative error ≈ 2e-7 plus the rounding of x·log2 e; 0 below x ≈ −86.6).
   */
  public static void eluPlusOne(
      float[] x, int xOff, int xStride, int n, int d, float[] out, int outOff, int outStride) {
    for (int r = 0; r < n; r++) {
      int xi = xOff + r * xStride;
      int oi = outOff + r * outStride;
      int c = 0;
      for (; c + L <= d; c += L) {
        FloatVector v = FloatVector.fromArray(F, x, xi + c);
        VectorMask<Float> positive = v.compare(VectorOperators.GT, 0f);
        TileSoftmax.exp2(v.mul(LOG2E)).blend(v.add(1f), positive).intoArray(out, oi + c);
      }
      for (; c < d; c++) {
        float v = x[xi + c];
        out[oi + c] = v > 0f ? v + 1f : (float) Math.exp(v);
      }
    }
  }

  /** S += Φᵀ V and z += Σ_j φ_j over n rows (j ascending, FMA). */
  public static void accumulate(
      float[] phi,
      int pOff,
      int pStride,
      float[] v,
      int vOff,
      int vStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z) {
    int i = 0;
    for (; i + L <= m; i += L) {
      FloatVector acc = FloatVector.fromArray(F, z, i);
      for (int j = 0; j < n; j++) {
        acc = acc.add(FloatVector.fromArray(F, phi, pOff + j * pStride + i));
      }
      acc.intoArray(z, i);
    }
    for (; i < m; i++) {
      float acc = z[i];
      for (int j = 0; j < n; j++) {
        acc += phi[pOff + j * pStride + i];
      }
      z[i] = acc;
    }
    int c = 0;
    for (; c + 4 * L <= dv; c += 4 * L) {
      int r = 0;
      for (; r + 4 <= m; r += 4) {
        outer4x4(phi, pOff + r, pStride, v, vOff + c, vStride, n, s, r * dv + c, dv);
      }
      for (; r < m; r++) {
        for (int cc = 0; cc < 4 * L; cc += L) {
          outer1x1(phi, pOff + r, pStride, v, vOff + c + cc, vStride, n, s, r * dv + c + cc);
        }
      }
    }
    for (; c + L <= dv; c += L) {
      for (int r = 0; r < m; r++) {
        outer1x1(phi, pOff + r, pStride, v, vOff + c, vStride, n, s, r * dv + c);
      }
    }
    for (; c < dv; c++) {
      for (int r = 0; r < m; r++) {
        float acc = s[r * dv + c];
        for (int j = 0; j < n; j++) {
          acc = Math.fma(phi[pOff + j * pStride + r], v[vOff + j * vStride + c], acc);
        }
        s[r * dv + c] = acc;
      }
    }
  }

  /** S rows r..r+3 (at s0, row stride dv), 4 vectors of columns: += Σ_j φ_j[r..r+3] v_j. */
  private static void outer4x4(
      float[] phi,
      int p0,
      int pStride,
      float[] v,
      int v0,
      int vStride,
      int n,
      float[] s,
      int s0,
      int dv) {
    FloatVector a00 = FloatVector.fromArray(F, s, s0);
    FloatVector a01 = FloatVector.fromArray(F, s, s0 + L);
    FloatVector a02 = FloatVector.fromArray(F, s, s0 + 2 * L);
    FloatVector a03 = FloatVector.fromArray(F, s, s0 + 3 * L);
    FloatVector a10 = FloatVector.fromArray(F, s, s0 + dv);
    FloatVector a11 = FloatVector.fromArray(F, s, s0 + dv + L);
    FloatVector a12 = FloatVector.fromArray(F, s, s0 + dv + 2 * L);
    FloatVector a13 = FloatVector.fromArray(F, s, s0 + dv + 3 * L);
    FloatVector a20 = FloatVector.fromArray(F, s, s0 + 2 * dv);
    FloatVector a21 = FloatVector.fromArray(F, s, s0 + 2 * dv + L);
    FloatVector a22 = FloatVector.fromArray(F, s, s0 + 2 * dv + 2 * L);
    FloatVector a23 = FloatVector.fromArray(F, s, s0 + 2 * dv + 3 * L);
    FloatVector a30 = FloatVector.fromArray(F, s, s0 + 3 * dv);
    FloatVector a31 = FloatVector.fromArray(F, s, s0 + 3 * dv + L);
    FloatVector a32 = FloatVector.fromArray(F, s, s0 + 3 * dv + 2 * L);
    FloatVector a33 = FloatVector.fromArray(F, s, s0 + 3 * dv + 3 * L);
    for (int j = 0; j < n; j++) {
      int vo = v0 + j * vStride;
      FloatVector x0 = FloatVector.fromArray(F, v, vo);
      FloatVector x1 = FloatVector.fromArray(F, v, vo + L);
      FloatVector x2 = FloatVector.fromArray(F, v, vo + 2 * L);
      FloatVector x3 = FloatVector.fromArray(F, v, vo + 3 * L);
      int po = p0 + j * pStride;
      FloatVector f = FloatVector.broadcast(F, phi[po]);
      a00 = x0.fma(f, a00);
      a01 = x1.fma(f, a01);
      a02 = x2.fma(f, a02);
      a03 = x3.fma(f, a03);
      f = FloatVector.broadcast(F, phi[po + 1]);
      a10 = x0.fma(f, a10);
      a11 = x1.fma(f, a11);
      a12 = x2.fma(f, a12);
      a13 = x3.fma(f, a13);
      f = FloatVector.broadcast(F, phi[po + 2]);
      a20 = x0.fma(f, a20);
      a21 = x1.fma(f, a21);
      a22 = x2.fma(f, a22);
      a23 = x3.fma(f, a23);
      f = FloatVector.broadcast(F, phi[po + 3]);
      a30 = x0.fma(f, a30);
      a31 = x1.fma(f, a31);
      a32 = x2.fma(f, a32);
      a33 = x3.fma(f, a33);
    }
    a00.intoArray(s, s0);
    a01.intoArray(s, s0 + L);
    a02.intoArray(s, s0 + 2 * L);
    a03.intoArray(s, s0 + 3 * L);
    a10.intoArray(s, s0 + dv);
    a11.intoArray(s, s0 + dv + L);
    a12.intoArray(s, s0 + dv + 2 * L);
    a13.intoArray(s, s0 + dv + 3 * L);
    a20.intoArray(s, s0 + 2 * dv);
    a21.intoArray(s, s0 + 2 * dv + L);
    a22.intoArray(s, s0 + 2 * dv + 2 * L);
    a23.intoArray(s, s0 + 2 * dv + 3 * L);
    a30.intoArray(s, s0 + 3 * dv);
    a31.intoArray(s, s0 + 3 * dv + L);
    a32.intoArray(s, s0 + 3 * dv + 2 * L);
    a33.intoArray(s, s0 + 3 * dv + 3 * L);
  }

  /** One vector of S at s0: += Σ_j φ_j[p0] v_j[v0 ..]. */
  private static void outer1x1(
      float[] phi, int p0, int pStride, float[] v, int v0, int vStride, int n, float[] s, int s0) {
    FloatVector a = FloatVector.fromArray(F, s, s0);
    for (int j = 0; j < n; j++) {
      a =
          FloatVector.fromArray(F, v, v0 + j * vStride)
              .fma(FloatVector.broadcast(F, phi[p0 + j * pStride]), a);
    }
    a.intoArray(s, s0);
  }

  /** out_r = φ_rᵀ S / φ_r·z for n rows (zeros where φ_r·z = 0). */
  public static void apply(
      float[] phi,
      int pOff,
      int pStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z,
      float[] out,
      int oOff,
      int oStride) {
    float[] den = new float[n];
    for (int r = 0; r < n; r++) {
      den[r] = dot(phi, pOff + r * pStride, z, 0, m);
    }
    project(phi, pOff, pStride, n, m, s, dv, out, oOff, oStride, null, 0, 0, null, 0, 0);
    divide(out, oOff, oStride, n, dv, den);
  }

  /**
   * Causal outputs of one block of n tokens: query features Φ (rows at pOff), key features Ψ (at
   * kOff), values V (at vOff), and (S, z) = the state of every key before the block.
   */
  public static void applyCausal(
      float[] phi,
      int pOff,
      int pStride,
      float[] psi,
      int kOff,
      int kStride,
      float[] v,
      int vOff,
      int vStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z,
      float[] out,
      int oOff,
      int oStride) {
    int np = (n + L - 1) / L * L;
    // Ψᵀ (m × np, zero-padded), so a row of A = ΦΨᵀ is a sum of broadcasts × vectors
    float[] kt = new float[m * np];
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < m; i++) {
        kt[i * np + j] = psi[kOff + j * kStride + i];
      }
    }
    float[] a = new float[n * np];
    project(phi, pOff, pStride, n, m, kt, np, a, 0, np, null, 0, 0, null, 0, 0);
    float[] den = new float[n];
    for (int r = 0; r < n; r++) {
      java.util.Arrays.fill(a, r * np + r + 1, (r + 1) * np, 0f); // the causal mask: j ≤ r
      float d = dot(phi, pOff + r * pStride, z, 0, m);
      for (int j = 0; j <= r; j++) {
        d += a[r * np + j];
      }
      den[r] = d;
    }
    project(phi, pOff, pStride, n, m, s, dv, out, oOff, oStride, a, np, n, v, vOff, vStride);
    divide(out, oOff, oStride, n, dv, den);
  }

  /** A fixed-order scalar dot product (4 partial sums, then combined left to right). */
  private static float dot(float[] x, int xo, float[] y, int yo, int m) {
    float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
    int i = 0;
    for (; i + 4 <= m; i += 4) {
      s0 = Math.fma(x[xo + i], y[yo + i], s0);
      s1 = Math.fma(x[xo + i + 1], y[yo + i + 1], s1);
      s2 = Math.fma(x[xo + i + 2], y[yo + i + 2], s2);
      s3 = Math.fma(x[xo + i + 3], y[yo + i + 3], s3);
    }
    for (; i < m; i++) {
      s0 = Math.fma(x[xo + i], y[yo + i], s0);
    }
    return (s0 + s1) + (s2 + s3);
  }

  private static void divide(float[] out, int oOff, int oStride, int n, int dv, float[] den) {
    for (int r = 0; r < n; r++) {
      int o = oOff + r * oStride;
      float d = den[r];
      for (int c = 0; c < dv; c++) {
        out[o + c] = d == 0f ? 0f : out[o + c] / d;
      }
    }
  }

  /**
   * out_r = Σ_i φ_r[i]·B_i (B: m rows of width w at b, row stride w), then, when {@code a} is not
   * null, + Σ_{j<na} a[r·aStride + j]·v_j — each element in that order, FMA. Overwrites out.
   */
  private static void project(
      float[] phi,
      int pOff,
      int pStride,
      int n,
      int m,
      float[] b,
      int w,
      float[] out,
      int oOff,
      int oStride,
      float[] a,
      int aStride,
      int na,
      float[] v,
      int vOff,
      int vStride) {
    int c = 0;
    for (; c + 4 * L <= w; c += 4 * L) {
      int r = 0;
      for (; r + 4 <= n; r += 4) {
        rows4x4(
            phi,
            pOff + r * pStride,
            pStride,
            m,
            b,
            c,
            w,
            out,
            oOff + r * oStride + c,
            oStride,
            a,
            a == null ? 0 : r * aStride,
            aStride,
            Math.min(na, r + 4),
            v,
            vOff + c,
            vStride);
      }
      for (; r < n; r++) {
        for (int cc = 0; cc < 4 * L; cc += L) {
          rows1x1(
              phi,
              pOff + r * pStride,
              m,
              b,
              c + cc,
              w,
              out,
              oOff + r * oStride + c + cc,
              a,
              r * aStride,
              Math.min(na, r + 1),
              v,
              vOff + c + cc,
              vStride);
        }
      }
    }
    for (; c + L <= w; c += L) {
      for (int r = 0; r < n; r++) {
        rows1x1(
            phi,
            pOff + r * pStride,
            m,
            b,
            c,
            w,
            out,
            oOff + r * oStride + c,
            a,
            r * aStride,
            Math.min(na, r + 1),
            v,
            vOff + c,
            vStride);
      }
    }
    for (; c < w; c++) {
      for (int r = 0; r < n; r++) {
        float acc = 0f;
        for (int i = 0; i < m; i++) {
          acc = Math.fma(phi[pOff + r * pStride + i], b[i * w + c], acc);
        }
        for (int j = 0; a != null && j < Math.min(na, r + 1); j++) {
          acc = Math.fma(a[r * aStride + j], v[vOff + j * vStride + c], acc);
        }
        out[oOff + r * oStride + c] = acc;
      }
    }
  }

  /**
   * 4 rows × 4 vectors of {@link #project}: rows at p0 (stride pStride), B columns c0.., out at o0
   * (stride oStride); with {@code a}: then keys j &lt; jEnd (a rows at a0, masked entries are 0).
   */
  private static void rows4x4(
      float[] phi,
      int p0,
      int pStride,
      int m,
      float[] b,
      int c0,
      int w,
      float[] out,
      int o0,
      int oStride,
      float[] a,
      int a0,
      int aStride,
      int jEnd,
      float[] v,
      int v0,
      int vStride) {
    FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
    FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    int steps = m + (a == null ? 0 : jEnd);
    for (int t = 0; t < steps; t++) {
      FloatVector x0, x1, x2, x3;
      float f0, f1, f2, f3;
      if (t < m) {
        int bo = t * w + c0;
        x0 = FloatVector.fromArray(F, b, bo);
        x1 = FloatVector.fromArray(F, b, bo + L);
        x2 = FloatVector.fromArray(F, b, bo + 2 * L);
        x3 = FloatVector.fromArray(F, b, bo + 3 * L);
        f0 = phi[p0 + t];
        f1 = phi[p0 + pStride + t];
        f2 = phi[p0 + 2 * pStride + t];
        f3 = phi[p0 + 3 * pStride + t];
      } else {
        int j = t - m;
        int vo = v0 + j * vStride;
        x0 = FloatVector.fromArray(F, v, vo);
        x1 = FloatVector.fromArray(F, v, vo + L);
        x2 = FloatVector.fromArray(F, v, vo + 2 * L);
        x3 = FloatVector.fromArray(F, v, vo + 3 * L);
        f0 = a[a0 + j];
        f1 = a[a0 + aStride + j];
        f2 = a[a0 + 2 * aStride + j];
        f3 = a[a0 + 3 * aStride + j];
      }
      FloatVector f = FloatVector.broadcast(F, f0);
      a00 = x0.fma(f, a00);
      a01 = x1.fma(f, a01);
      a02 = x2.fma(f, a02);
      a03 = x3.fma(f, a03);
      f = FloatVector.broadcast(F, f1);
      a10 = x0.fma(f, a10);
      a11 = x1.fma(f, a11);
      a12 = x2.fma(f, a12);
      a13 = x3.fma(f, a13);
      f = FloatVector.broadcast(F, f2);
      a20 = x0.fma(f, a20);
      a21 = x1.fma(f, a21);
      a22 = x2.fma(f, a22);
      a23 = x3.fma(f, a23);
      f = FloatVector.broadcast(F, f3);
      a30 = x0.fma(f, a30);
      a31 = x1.fma(f, a31);
      a32 = x2.fma(f, a32);
      a33 = x3.fma(f, a33);
    }
    a00.intoArray(out, o0);
    a01.intoArray(out, o0 + L);
    a02.intoArray(out, o0 + 2 * L);
    a03.intoArray(out, o0 + 3 * L);
    a10.intoArray(out, o0 + oStride);
    a11.intoArray(out, o0 + oStride + L);
    a12.intoArray(out, o0 + oStride + 2 * L);
    a13.intoArray(out, o0 + oStride + 3 * L);
    a20.intoArray(out, o0 + 2 * oStride);
    a21.intoArray(out, o0 + 2 * oStride + L);
    a22.intoArray(out, o0 + 2 * oStride + 2 * L);
    a23.intoArray(out, o0 + 2 * oStride + 3 * L);
    a30.intoArray(out, o0 + 3 * oStride);
    a31.intoArray(out, o0 + 3 * oStride + L);
    a32.intoArray(out, o0 + 3 * oStride + 2 * L);
    a33.intoArray(out, o0 + 3 * oStride + 3 * L);
  }

  /** One row × one vector of {@link #project}. */
  private static void rows1x1(
      float[] phi,
      int p0,
      int m,
      float[] b,
      int c0,
      int w,
      float[] out,
      int o0,
      float[] a,
      int a0,
      int jEnd,
      float[] v,
      int v0,
      int vStride) {
    FloatVector acc = FloatVector.zero(F);
    for (int i = 0; i < m; i++) {
      acc = FloatVector.fromArray(F, b, i * w + c0).fma(FloatVector.broadcast(F, phi[p0 + i]), acc);
    }
    for (int j = 0; a != null && j < jEnd; j++) {
      acc =
          FloatVector.fromArray(F, v, v0 + j * vStride)
              .fma(FloatVector.broadcast(F, a[a0 + j]), acc);
    }
    acc.intoArray(out, o0);
  }
}
