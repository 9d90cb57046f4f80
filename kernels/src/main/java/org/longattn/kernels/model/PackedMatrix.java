package org.longattn.kernels.model;

/**
 * A weight matrix W ({@code in × out}, row-major) and its bias, laid out once for {@link Gemm}: cut
 * into panels of {@link Gemm#NR} columns, each panel stored k-major so that the micro-kernel reads
 * it as one contiguous stream:
 *
 * <pre>
 *   data[(p·in + k)·NR + j] = W[k·out + p·NR + j]     (0 past the last column)
 *   bias[p·NR + j]          = b[p·NR + j]             (0 past the last column)
 * </pre>
 */
public final class PackedMatrix {
  final int in;
  final int out;
  final int panels;
  final float[] data;
  final float[] bias;

  /**
   * Packs W and b (b may be null for no bias).
   *
   * @param w {@code in × out} row-major
   */
  public PackedMatrix(float[] w, float[] b, int in, int out) {
    if (in < 1 || out < 1 || w.length != (long) in * out || (b != null && b.length != out)) {
      throw new IllegalArgumentException("bad matrix shape " + in + " × " + out);
    }
    int nr = Gemm.NR;
    this.in = in;
    this.out = out;
    this.panels = (out + nr - 1) / nr;
    this.data = new float[panels * in * nr];
    this.bias = new float[panels * nr];
    for (int p = 0; p < panels; p++) {
      int cols = Math.min(nr, out - p * nr);
      for (int k = 0; k < in; k++) {
        System.arraycopy(w, k * out + p * nr, data, (p * in + k) * nr, cols);
      }
    }
    if (b != null) {
      System.arraycopy(b, 0, bias, 0, out);
    }
  }

  /**
   * Packs the column-wise concatenation [W1 | W2 | …] (all {@code in} rows) with biases [b1 | b2 |
   * …]: one GEMM then computes several projections of the same input (e.g. q, k and v).
   */
  public static PackedMatrix concat(int in, float[][] ws, float[][] bs) {
    int out = 0;
    for (float[] w : ws) {
      out += w.length / in;
    }
    float[] w = new float[in * out];
    float[] b = new float[out];
    int c0 = 0;
    for (int m = 0; m < ws.length; m++) {
      int cols = ws[m].length / in;
      for (int k = 0; k < in; k++) {
        System.arraycopy(ws[m], k * cols, w, k * out + c0, cols);
      }
      System.arraycopy(bs[m], 0, b, c0, cols);
      c0 += cols;
    }
    return new PackedMatrix(w, b, in, out);
  }

  /** Rows of W (the input width). */
  public int in() {
    return in;
  }

  /** Columns of W (the output width). */
  public int out() {
    return out;
  }
}
