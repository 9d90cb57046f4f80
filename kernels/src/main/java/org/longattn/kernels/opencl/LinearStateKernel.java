package org.longattn.kernels.opencl;

import com.aparapi.Kernel;

/**
 * The OpenCL kernels of linear attention, one work-item per output element (Aparapi translates
 * {@link #run} to OpenCL C). Dense row-major arrays set by {@link OpenClLinearBackend}:
 *
 * <pre>
 *   phi[r·m + i]  features (keys for ACCUMULATE, queries otherwise);  psi[j·m + i] key features
 *   v[j·dv + c]   values;  s[i·dv + c], z[i]  the state;  out[r·dv + c]  outputs
 * </pre>
 *
 * <ul>
 *   <li>ACCUMULATE: item (i, c) &lt; m·dv: s[i, c] += Σ_j phi[j, i]·v[j, c]; item m·dv + i: z[i] +=
 *       Σ_j phi[j, i] (j ascending).
 *   <li>APPLY: item (r, c): out = Σ_i phi[r, i]·s[i, c] / Σ_i phi[r, i]·z[i] (0 if the latter is
 *       0).
 *   <li>APPLY_CAUSAL: as APPLY, numerator + Σ_{j≤r} a_rj v[j, c], denominator + Σ_{j≤r} a_rj, a_rj
 *       = Σ_i phi[r, i]·psi[j, i].
 * </ul>
 *
 * No local memory, no barriers, no private arrays.
 */
final class LinearStateKernel extends Kernel {
  static final int ACCUMULATE = 0;
  static final int APPLY = 1;
  static final int APPLY_CAUSAL = 2;

  float[] phi = new float[1];
  float[] psi = new float[1];
  float[] v = new float[1];
  float[] s = new float[1];
  float[] z = new float[1];
  float[] out = new float[1];
  int mode;
  int n;
  int m;
  int dv;
  int work;

  @Override
  public void run() {
    int id = getGlobalId();
    if (mode == ACCUMULATE && id < m * dv) {
      int i = id / dv;
      int c = id - i * dv;
      float acc = s[id];
      for (int j = 0; j < n; j++) {
        acc += phi[j * m + i] * v[j * dv + c];
      }
      s[id] = acc;
    }
    if (mode == ACCUMULATE && id >= m * dv && id < work) {
      int i = id - m * dv;
      float acc = z[i];
      for (int j = 0; j < n; j++) {
        acc += phi[j * m + i];
      }
      z[i] = acc;
    }
    if (mode != ACCUMULATE && id < work) {
      int r = id / dv;
      int c = id - r * dv;
      float num = 0f;
      float den = 0f;
      for (int i = 0; i < m; i++) {
        float f = phi[r * m + i];
        num += f * s[i * dv + c];
        den += f * z[i];
      }
      int keys = 0; // keys of the block this query reads: j ≤ r when causal
      if (mode == APPLY_CAUSAL) {
        keys = r + 1;
      }
      for (int j = 0; j < keys; j++) {
        float a = 0f;
        for (int i = 0; i < m; i++) {
          a += phi[r * m + i] * psi[j * m + i];
        }
        num += a * v[j * dv + c];
        den += a;
      }
      float o = 0f;
      if (den != 0f) {
        o = num / den;
      }
      out[id] = o;
    }
  }
}
