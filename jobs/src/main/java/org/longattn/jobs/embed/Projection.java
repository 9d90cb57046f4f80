package org.longattn.jobs.embed;

import java.io.Serializable;
import java.util.Random;
import org.longattn.datasets.InputException;

/**
 * Token embedding → q, k, v of every head.
 *
 * <p>For a token at position p with word vector e (d = model width, zeros for an out-of-vocabulary
 * word): x = e + PE(p) with the sinusoidal positions of Vaswani et al. (2017), PE(p, 2i) = sin(p ·
 * ω_i), PE(p, 2i+1) = cos(p · ω_i), ω_i = 10000^(−2i/d); then q = x·Wq, k = x·Wk, v = x·Wv with Wq
 * and Wk of shape d × (heads · headDim) and Wv of shape d × (heads · valueDim), row-major. Output
 * column c = h · headDim + j is value j of head h (head-major, as the token table wants). Sums are
 * accumulated in double and rounded once to float; sin/cos use {@link StrictMath}, so every
 * executor computes the same bits.
 *
 * <p>A plain serializable class (broadcast to executors; Kryo cannot deserialize records).
 */
public final class Projection implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int width;
  private final int heads;
  private final int headDim;
  private final int valueDim;
  // Widened once to double: the multiply-add loop then has one element type, which C2
  // auto-vectorises (a float→double conversion inside it is not).
  private final double[] wq;
  private final double[] wk;
  private final double[] wv;
  private final double[] frequencies;

  /**
   * @param width d, the word vector length
   * @param wq row-major d × (heads · headDim)
   * @param wk row-major d × (heads · headDim)
   * @param wv row-major d × (heads · valueDim)
   */
  public Projection(
      int width, int heads, int headDim, int valueDim, float[] wq, float[] wk, float[] wv) {
    if (width < 1 || heads < 1 || headDim < 1 || valueDim < 1) {
      throw new IllegalArgumentException("sizes must be >= 1");
    }
    if (wq.length != width * heads * headDim
        || wk.length != width * heads * headDim
        || wv.length != width * heads * valueDim) {
      throw new IllegalArgumentException("matrix sizes do not match the shape");
    }
    this.width = width;
    this.heads = heads;
    this.headDim = headDim;
    this.valueDim = valueDim;
    this.wq = widen(wq);
    this.wk = widen(wk);
    this.wv = widen(wv);
    this.frequencies = new double[(width + 1) / 2];
    for (int i = 0; i < frequencies.length; i++) {
      frequencies[i] = StrictMath.pow(10000.0, -2.0 * i / width);
    }
  }

  /**
   * Matrices drawn from {@code seed}: independent N(0, 1/d) entries (so x·W keeps the scale of x),
   * from {@link java.util.Random}, whose sequence the Java specification fixes; Wq, Wk, Wv use the
   * seeds {@code seed·3 + 0, 1, 2} mixed by SplitMix64.
   */
  public static Projection seeded(int width, int heads, int headDim, int valueDim, long seed) {
    return new Projection(
        width,
        heads,
        headDim,
        valueDim,
        gaussian(width, heads * headDim, mix(seed * 3)),
        gaussian(width, heads * headDim, mix(seed * 3 + 1)),
        gaussian(width, heads * valueDim, mix(seed * 3 + 2)));
  }

  /**
   * Matrices read from {@code .npy} files (see {@link NpyMatrix}); checks their shapes.
   *
   * @throws InputException naming the file when a shape is not d × (heads · headDim) (Wq, Wk) or d
   *     × (heads · valueDim) (Wv), or a value is NaN or infinite
   */
  public static Projection of(
      int width,
      int heads,
      int headDim,
      int valueDim,
      NamedMatrix wq,
      NamedMatrix wk,
      NamedMatrix wv) {
    check(wq, width, heads * headDim, "heads × head_dim");
    check(wk, width, heads * headDim, "heads × head_dim");
    check(wv, width, heads * valueDim, "heads × value_dim");
    return new Projection(
        width,
        heads,
        headDim,
        valueDim,
        wq.matrix().data(),
        wk.matrix().data(),
        wv.matrix().data());
  }

  /** A matrix and the file it came from. */
  public record NamedMatrix(String name, NpyMatrix matrix) {}

  private static void check(NamedMatrix m, int rows, int cols, String colsMeaning) {
    NpyMatrix x = m.matrix();
    if (x.rows() != rows || x.cols() != cols) {
      throw new InputException(
          "weights file '"
              + m.name()
              + "': shape ("
              + x.rows()
              + ", "
              + x.cols()
              + ") but expected ("
              + rows
              + ", "
              + cols
              + ") = (vector size, "
              + colsMeaning
              + ")");
    }
    float[] d = x.data();
    for (int i = 0; i < d.length; i++) {
      if (!Float.isFinite(d[i])) {
        throw new InputException(
            "weights file '"
                + m.name()
                + "': value at ("
                + i / cols
                + ", "
                + i % cols
                + ") is "
                + d[i]);
      }
    }
  }

  public int width() {
    return width;
  }

  public int heads() {
    return heads;
  }

  public int headDim() {
    return headDim;
  }

  public int valueDim() {
    return valueDim;
  }

  /** x = e + PE(pos) into {@code x} (length d); {@code e == null} means the zero vector. */
  public void input(float[] e, int pos, double[] x) {
    for (int i = 0; i < width; i++) {
      double angle = pos * frequencies[i / 2];
      double pe = (i & 1) == 0 ? StrictMath.sin(angle) : StrictMath.cos(angle);
      x[i] = (e == null ? 0.0 : e[i]) + pe;
    }
  }

  /** q for the input x (from {@link #input}). */
  public float[] query(double[] x) {
    return times(x, wq, heads * headDim);
  }

  public float[] key(double[] x) {
    return times(x, wk, heads * headDim);
  }

  public float[] value(double[] x) {
    return times(x, wv, heads * valueDim);
  }

  private static double[] widen(float[] w) {
    double[] d = new double[w.length];
    for (int i = 0; i < w.length; i++) {
      d[i] = w[i];
    }
    return d;
  }

  private float[] times(double[] x, double[] w, int cols) {
    double[] acc = new double[cols];
    for (int i = 0; i < width; i++) {
      double xi = x[i];
      int row = i * cols;
      for (int c = 0; c < cols; c++) {
        acc[c] += xi * w[row + c];
      }
    }
    float[] out = new float[cols];
    for (int c = 0; c < cols; c++) {
      out[c] = (float) acc[c];
    }
    return out;
  }

  private static float[] gaussian(int rows, int cols, long seed) {
    Random r = new Random(seed);
    double scale = 1.0 / Math.sqrt(rows);
    float[] w = new float[rows * cols];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * scale);
    }
    return w;
  }

  /** SplitMix64's finaliser: decorrelates consecutive seeds. */
  private static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
