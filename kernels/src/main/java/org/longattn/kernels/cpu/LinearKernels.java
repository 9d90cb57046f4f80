package org.longattn.kernels.cpu;

import org.longattn.kernels.vectorization.FloatOps;

/**
 * Kernels of linear attention (state (S, z), DESIGN §3), flat row-major arrays: row r of an array
 * is {@code a[off + r·stride .. + width)}.
 *
 * <pre>
 *   accumulate:  S (m × dv) += Φᵀ V,  z += Σ_j φ_j       (Φ: n × m features, V: n × dv values)
 *   apply:       out_r = φ_rᵀ S / φ_r·z                  (zeros where φ_r·z = 0)
 *   applyCausal: out_r = (φ_rᵀ S + Σ_{j≤r} a_rj v_j) / (φ_r·z + Σ_{j≤r} a_rj),  a_rj = φ_r·ψ_j
 * </pre>
 *
 * The rank-1 updates φ_j v_jᵀ are done as a blocked matrix product by the shared micro-kernel
 * ({@link FloatOps#gemm4x4}): 4 rows of S × 4 vectors of columns in 16 accumulators.
 *
 * <p><b>Determinism.</b> Every output element is a sum in a fixed order — over j ascending (then i
 * ascending) with fused multiply-adds — whatever the register blocking, the vector width or the JIT
 * tier: only lanewise operations are used (no {@code reduceLanes}, no vector transcendental), so
 * results are the same bits on every executor. Dot products φ_r·z are scalar, in a fixed order.
 */
public final class LinearKernels {
  private static final FloatOps OPS = FloatOps.get();
  private static final int L = OPS.lanes();

  private LinearKernels() {}

  /**
   * φ(x) = elu(x) + 1 = x + 1 (x &gt; 0), e^x (x ≤ 0) of n rows of width d: e^x by {@link
   * FloatOps#exp2} (relative error ≈ 2e-7 plus the rounding of x·log2 e; 0 below x ≈ −86.6).
   */
  public static void eluPlusOne(
      float[] x, int xOff, int xStride, int n, int d, float[] out, int outOff, int outStride) {
    for (int r = 0; r < n; r++) {
      OPS.eluPlusOne(x, xOff + r * xStride, out, outOff + r * outStride, d);
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
    for (int j = 0; j < n; j++) {
      OPS.axpy(1f, phi, pOff + j * pStride, z, 0, m); // fma(1, φ, z) = φ + z, rounded once
    }
    int c = 0;
    for (; c + 4 * L <= dv; c += 4 * L) {
      int r = 0;
      for (; r + 4 <= m; r += 4) {
        OPS.gemm4x4(n, phi, pOff + r, 1, pStride, v, vOff + c, vStride, s, r * dv + c, dv, true);
      }
      for (; r < m; r++) {
        for (int cc = 0; cc < 4 * L; cc += L) {
          OPS.gemm1x1(
              n, phi, pOff + r, pStride, v, vOff + c + cc, vStride, s, r * dv + c + cc, true);
        }
      }
    }
    for (; c + L <= dv; c += L) {
      for (int r = 0; r < m; r++) {
        OPS.gemm1x1(n, phi, pOff + r, pStride, v, vOff + c, vStride, s, r * dv + c, true);
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

  /** A fixed-order dot product ({@link FloatOps#dot}). */
  private static float dot(float[] x, int xo, float[] y, int yo, int m) {
    return OPS.dot(x, xo, y, yo, m);
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
    OPS.gemm4x4(m, phi, p0, pStride, 1, b, c0, w, out, o0, oStride, false);
    if (a != null) {
      OPS.gemm4x4(jEnd, a, a0, aStride, 1, v, v0, vStride, out, o0, oStride, true);
    }
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
    OPS.gemm1x1(m, phi, p0, 1, b, c0, w, out, o0, false);
    if (a != null) {
      OPS.gemm1x1(jEnd, a, a0, 1, v, v0, vStride, out, o0, true);
    }
  }
}
