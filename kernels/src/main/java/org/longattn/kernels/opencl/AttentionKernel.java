package org.longattn.kernels.opencl;

import com.aparapi.Kernel;

/**
 * The OpenCL tile kernel: online-softmax attention of gathered queries against gathered keys, one
 * work-item per (query row, key chunk, value-column group). Aparapi translates {@link #run} to
 * OpenCL C, so it uses primitives, primitive arrays and Kernel's math only.
 *
 * <p>Layout (row-major, dense, set by {@link OpenClAttentionBackend}):
 *
 * <pre>
 *   q[r·d + x]   query r, pre-scaled;  qPos[r] its position        (r &lt; nq)
 *   k[j·d + x]   key j;  v[j·dv + c] its values;  kPos[j], kGlobal[j] ∈ {0, 1}  (j &lt; nk)
 *   chunk c      keys [c·keysPerChunk, min((c+1)·keysPerChunk, nk))
 *   outputs      row p = c·nq + r of the partial state (m, l, t, dsum, gsum, o[p·dv + col])
 * </pre>
 *
 * Work-item id = (g·chunks + c)·nq + r, so neighbouring items read the same key (broadcast) and
 * write neighbouring rows. Each item runs the online softmax of its chunk in registers: for every
 * key j in the band (i − left ≤ j ≤ i + right, (j − i) mod dilation = 0) with s = q·k: when s
 * exceeds the running max m, α = e^(m − s) rescales l, o, dsum, gsum and t ← α·(t + l·(m − s));
 * then p = e^(s − m), l += p, t += p·(s − m), dsum += p·|i − j|, gsum += p·global, o += p·v. A
 * chunk without a visible key leaves its row the identity (m = −∞, zeros). Scores are finite (the
 * host refuses pairs whose score could overflow), every exponent is ≤ 0 and the maximum's p is
 * exactly e^0 = 1. No local memory or barriers.
 */
final class AttentionKernel extends Kernel {
  /** Value columns per work-item (its private accumulator). */
  static final int COLS = 64;

  float[] q = new float[1];
  int[] qPos = new int[1];
  float[] k = new float[1];
  float[] v = new float[1];
  int[] kPos = new int[1];
  int[] kGlobal = new int[1];
  int nq;
  int nk;
  int d;
  int dv;
  int keysPerChunk;
  int chunks;
  int work;
  int left;
  int right;
  int dilation;
  int stats;
  float negInf = Float.NEGATIVE_INFINITY;

  float[] m = new float[1];
  float[] l = new float[1];
  float[] t = new float[1];
  float[] dsum = new float[1];
  float[] gsum = new float[1];
  float[] o = new float[1];

  @PrivateMemorySpace(COLS)
  float[] acc = new float[COLS];

  @Override
  public void run() {
    int id = getGlobalId();
    if (id < work) {
      int r = id % nq;
      int c = (id / nq) % chunks;
      int g = id / (nq * chunks);
      int col0 = g * COLS;
      int cols = min(COLS, dv - col0);
      for (int x = 0; x < cols; x++) {
        acc[x] = 0f;
      }
      float mx = negInf;
      float sum = 0f;
      float ts = 0f;
      float ds = 0f;
      float gs = 0f;
      int qp = qPos[r];
      int qb = r * d;
      int j0 = c * keysPerChunk;
      int j1 = min(j0 + keysPerChunk, nk);
      for (int j = j0; j < j1; j++) {
        int diff = kPos[j] - qp;
        if (diff >= -left && diff <= right && diff % dilation == 0) {
          float s = 0f;
          int kb = j * d;
          for (int x = 0; x < d; x++) {
            s += q[qb + x] * k[kb + x];
          }
          if (s > mx) {
            if (sum > 0f) { // sum = 0 until the first key: nothing to rescale (and no −∞ − −∞)
              float alpha = exp(mx - s); // mx − s < 0: 0 ≤ α < 1, no ∞ − ∞ (scores are finite)
              if (alpha == 0f) {
                ts = 0f; // the limit of α·(t + l·(m − s)); l·(m − s) may be −∞
              } else {
                ts = alpha * (ts + sum * (mx - s));
              }
              sum *= alpha;
              ds *= alpha;
              gs *= alpha;
              for (int x = 0; x < cols; x++) {
                acc[x] *= alpha;
              }
            }
            mx = s;
          }
          float p = exp(s - mx);
          sum += p;
          if (stats != 0) {
            ts += p * (s - mx);
            ds += p * abs(diff);
            gs += p * kGlobal[j];
          }
          int vb = j * dv + col0;
          for (int x = 0; x < cols; x++) {
            acc[x] += p * v[vb + x];
          }
        }
      }
      int row = c * nq + r;
      if (g == 0) {
        m[row] = mx;
        l[row] = sum;
        t[row] = ts;
        dsum[row] = ds;
        gsum[row] = gs;
      }
      int ob = row * dv + col0;
      for (int x = 0; x < cols; x++) {
        o[ob + x] = acc[x];
      }
    }
  }
}
