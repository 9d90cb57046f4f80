package org.longattn.kernels.hyena;

/**
 * The Hyena operator of order N (Poli et al. 2023, eq. 3) on one document, per channel:
 *
 * <pre>
 *   z_0 = v,   z_i = h_i ∗ (x_i ⊙ z_{i−1})  (i = 1..N),   y = z_N
 *   x_i = q for odd i, k for even i           (order 2: y = h_2 ∗ (k ⊙ (h_1 ∗ (q ⊙ v))))
 * </pre>
 *
 * with the causal long convolutions ∗ of {@link BlockConvolution} and the implicit filters of
 * {@link HyenaFilter}. The token table carries two gate projections (q and k), so orders above 2
 * reuse them alternately. Rows are head-major (channel c = head·d + j); v must have the width of q.
 *
 * <p>{@link #apply} runs the three convolution stages of every step in one JVM, in exactly the
 * order and with exactly the rounding the distributed job uses, so the two agree bitwise; the
 * static helpers are the element-wise steps both share.
 */
public final class HyenaOperator {
  /** Highest supported order. */
  public static final int MAX_ORDER = 8;

  private HyenaOperator() {}

  /** Whether step i (1-based) is gated by q (else by k). */
  public static boolean gateIsQ(int step) {
    return step % 2 == 1;
  }

  /** Step 1's input on rows [0, len) of a span: u[c][t] = x[t·C + c] · v[t·C + c]. */
  public static double[][] sources(float[] x, float[] v, int len, int channels) {
    double[][] u = new double[channels][len];
    for (int t = 0; t < len; t++) {
      for (int c = 0; c < channels; c++) {
        u[c][t] = (double) x[t * channels + c] * v[t * channels + c];
      }
    }
    return u;
  }

  /** The next step's input, in place: z[c][t] ← x[t·C + c] · z[c][t]. */
  public static double[][] gate(float[] x, double[][] z, int len) {
    int channels = z.length;
    for (int c = 0; c < channels; c++) {
      for (int t = 0; t < len; t++) {
        z[c][t] *= x[t * channels + c];
      }
    }
    return z;
  }

  /** Output rows: out[t·C + c] = (float) z[c][t]. */
  public static float[] rows(double[][] z, int len) {
    int channels = z.length;
    float[] out = new float[len * channels];
    for (int c = 0; c < channels; c++) {
      for (int t = 0; t < len; t++) {
        out[t * channels + c] = (float) z[c][t];
      }
    }
    return out;
  }

  /**
   * The operator on a whole document held in memory (tests, benchmarks): q, k, v are n rows of C =
   * filter.channels() values.
   */
  public static float[] apply(HyenaFilter filter, int spanTokens, float[] q, float[] k, float[] v) {
    int n = filter.n();
    int channels = filter.channels();
    BlockConvolution conv = new BlockConvolution(n, spanTokens);
    int spans = conv.spans();
    double[][][] u = new double[spans][][];
    for (int s = 0; s < spans; s++) {
      int from = conv.spanStart(s) * channels;
      int len = conv.spanLength(s);
      u[s] =
          sources(
              slice(gateIsQ(1) ? q : k, from, len * channels),
              slice(v, from, len * channels),
              len,
              channels);
    }
    for (int step = 1; step <= filter.order(); step++) {
      float[][][] xs = new float[spans][][];
      float[][][] gs = new float[spans][][];
      for (int s = 0; s < spans; s++) {
        xs[s] = conv.sourceChunks(u[s], conv.spanLength(s));
        gs[s] = conv.filterChunks(filter, step, s); // filter block s
      }
      float[][][] ys = new float[spans][conv.chunks()][];
      for (int c = 0; c < conv.chunks(); c++) {
        float[][] xc = new float[spans][];
        float[][] gc = new float[spans][];
        for (int s = 0; s < spans; s++) {
          xc[s] = xs[s][c];
          gc[s] = gs[s][c];
        }
        float[][] yc = conv.causalSum(c, xc, gc, channels);
        for (int t = 0; t < spans; t++) {
          ys[t][c] = yc[t];
        }
      }
      for (int t = 0; t < spans; t++) {
        double[][] z = conv.inverse(t, ys[t], channels);
        if (step < filter.order()) {
          int from = conv.spanStart(t) * channels;
          int len = conv.spanLength(t);
          z = gate(slice(gateIsQ(step + 1) ? q : k, from, len * channels), z, len);
        }
        u[t] = z;
      }
    }
    float[] out = new float[n * channels];
    for (int t = 0; t < spans; t++) {
      float[] r = rows(u[t], conv.spanLength(t));
      System.arraycopy(r, 0, out, conv.spanStart(t) * channels, r.length);
    }
    return out;
  }

  private static float[] slice(float[] a, int from, int len) {
    return java.util.Arrays.copyOfRange(a, from, from + len);
  }
}
