package org.longattn.kernels.hyena;

import java.util.SplittableRandom;

/**
 * The implicit long-convolution filters of a Hyena operator (Poli et al. 2023, §3.3 "implicit long
 * filters"): for filter i (1..order), channel c (head-major: c = head·d + j) and lag t in [0, n) of
 * a document of n tokens,
 *
 * <pre>
 *   h_i[c][t] = FFN(z(t))[i][c] · window_c(t)
 *   z(t)      = [ t̂, cos(f_1 ω t), …, cos(f_K ω t), −sin(f_1 ω t), …, −sin(f_K ω t) ]
 *               t̂ = t/(n−1) (0 when n = 1), ω = 2π/n, f_k = linspace(1e-4, K−1, K)
 *   FFN(z)    = W_out · sin(W_3 · sin(W_2 · sin(W_1 z + b_1) + b_2) + b_3)     (no output bias)
 *   window_c  = exp(−α_j t̂),  α_j = linspace(ln(100)/1.5, ln(100)/0.3, d)[j]  (j = c mod d)
 * </pre>
 *
 * as in the reference implementation (positional embedding, {@code Sin} activations, exponential
 * modulation with fast/slow decay 0.3/1.5 of the length to reach 1e-2). Every head gets the whole
 * range of decay rates over its d channels. Weights are drawn from a {@link SplittableRandom}
 * seeded by {@code seed}, uniform in ±1/√fan_in (PyTorch's {@code nn.Linear} default), in a fixed
 * order (W_1, b_1, W_2, b_2, W_3, b_3, then W_out filter by filter, channel by channel), so filter
 * i does not depend on the order it is part of and a filter is the same function of (seed, n, i, c,
 * t) on every executor — nothing is broadcast.
 *
 * <p>{@link #segment} evaluates any lag range; values are a function of the absolute lag only (the
 * window's recurrence is anchored at multiples of {@link #ANCHOR}), so two segments overlapping on
 * a lag return bitwise the same value there. Immutable and thread-safe.
 */
public final class HyenaFilter {
  /** Sinusoidal bands K of the positional features (features: 2K+1). */
  public static final int BANDS = 4;

  /** Width of the FFN's hidden layers. */
  public static final int WIDTH = 16;

  /** Lags between exact evaluations of the decay window (a running product in between). */
  static final int ANCHOR = 1024;

  private static final int FEATURES = 2 * BANDS + 1;

  /** f_k = linspace(1e-4, K−1, K), as the reference positional embedding. */
  private static final double[] BAND_FREQUENCIES = new double[BANDS];

  static {
    for (int k = 0; k < BANDS; k++) {
      BAND_FREQUENCIES[k] = BANDS == 1 ? 1e-4 : 1e-4 + (BANDS - 1 - 1e-4) * k / (BANDS - 1);
    }
  }

  private static final double FAST_DECAY = 0.3;
  private static final double SLOW_DECAY = 1.5;
  private static final double TARGET = 1e-2;

  private final int n;
  private final int order;
  private final int heads;
  private final int d;
  private final double[] w1 = new double[WIDTH * FEATURES];
  private final double[] b1 = new double[WIDTH];
  private final double[] w2 = new double[WIDTH * WIDTH];
  private final double[] b2 = new double[WIDTH];
  private final double[] w3 = new double[WIDTH * WIDTH];
  private final double[] b3 = new double[WIDTH];

  /** W_out: [filter][channel][WIDTH]. */
  private final double[] wOut;

  /** Decay rate α_j per channel of a head. */
  private final double[] alpha;

  /**
   * @param seed seed of the FFN weights
   * @param order filters (≥ 1)
   * @param heads heads (≥ 1)
   * @param d channels per head (≥ 1)
   * @param n document length (≥ 1): the filters' length and time scale
   */
  public HyenaFilter(long seed, int order, int heads, int d, int n) {
    if (order < 1 || heads < 1 || d < 1 || n < 1) {
      throw new IllegalArgumentException(
          "bad Hyena filter shape: order " + order + ", heads " + heads + ", d " + d + ", n " + n);
    }
    this.n = n;
    this.order = order;
    this.heads = heads;
    this.d = d;
    SplittableRandom rng = new SplittableRandom(seed ^ 0x48796e6146494cL); // "HynaFIL"
    uniform(rng, w1, FEATURES);
    uniform(rng, b1, FEATURES);
    uniform(rng, w2, WIDTH);
    uniform(rng, b2, WIDTH);
    uniform(rng, w3, WIDTH);
    uniform(rng, b3, WIDTH);
    this.wOut = new double[order * heads * d * WIDTH];
    uniform(rng, wOut, WIDTH);
    this.alpha = new double[d];
    double slow = Math.abs(Math.log(TARGET) / SLOW_DECAY);
    double fast = Math.abs(Math.log(TARGET) / FAST_DECAY);
    for (int j = 0; j < d; j++) {
      alpha[j] = d == 1 ? slow : slow + (fast - slow) * j / (d - 1);
    }
  }

  private static void uniform(SplittableRandom rng, double[] a, int fanIn) {
    double bound = 1 / Math.sqrt(fanIn);
    for (int i = 0; i < a.length; i++) {
      a[i] = bound * (2 * rng.nextDouble() - 1);
    }
  }

  public int n() {
    return n;
  }

  public int order() {
    return order;
  }

  /** Channels: heads·d. */
  public int channels() {
    return heads * d;
  }

  /**
   * Filter {@code filter} (1-based) at lags [first, first + len) for every channel, into {@code
   * out[c][offset + t − first]}; lags outside [0, n) give 0 (causal, filter length n).
   */
  public void segment(int filter, long first, int len, double[][] out, int offset) {
    if (filter < 1 || filter > order) {
      throw new IllegalArgumentException("filter " + filter + " of order " + order);
    }
    int channels = channels();
    double[] hidden = new double[WIDTH];
    double[] tmp = new double[WIDTH];
    double[] z = new double[FEATURES];
    double[] decay = new double[d];
    double[] step = new double[d];
    double scale = n == 1 ? 0 : 1.0 / (n - 1);
    for (int j = 0; j < d; j++) {
      step[j] = Math.exp(-alpha[j] * scale);
    }
    int base = (filter - 1) * channels * WIDTH;
    long anchored = Long.MIN_VALUE; // lag the decay values belong to
    for (int r = 0; r < len; r++) {
      long t = first + r;
      if (t < 0 || t >= n) {
        for (int c = 0; c < channels; c++) {
          out[c][offset + r] = 0;
        }
        continue;
      }
      anchored = advanceDecay(t, anchored, scale, decay, step);
      hidden(t, z, hidden, tmp);
      for (int c = 0; c < channels; c++) {
        int w = base + c * WIDTH;
        double s = 0;
        for (int k = 0; k < WIDTH; k++) {
          s += wOut[w + k] * hidden[k];
        }
        out[c][offset + r] = s * decay[c % d];
      }
    }
  }

  /**
   * Moves the decay values to lag t: exact at multiples of {@link #ANCHOR}, a running product from
   * there, so the value at t never depends on where a segment started.
   */
  private long advanceDecay(long t, long at, double scale, double[] decay, double[] step) {
    if (at < 0 || t < at || t / ANCHOR != at / ANCHOR) {
      at = t - t % ANCHOR;
      for (int j = 0; j < d; j++) {
        decay[j] = Math.exp(-alpha[j] * at * scale);
      }
    }
    for (; at < t; at++) {
      for (int j = 0; j < d; j++) {
        decay[j] *= step[j];
      }
    }
    return at;
  }

  /** The FFN's last hidden layer at lag t. */
  private void hidden(long t, double[] z, double[] h, double[] tmp) {
    z[0] = n == 1 ? 0 : t / (double) (n - 1);
    double w = 2 * Math.PI * t / n;
    for (int k = 0; k < BANDS; k++) {
      z[1 + k] = Math.cos(BAND_FREQUENCIES[k] * w);
      z[1 + BANDS + k] = -Math.sin(BAND_FREQUENCIES[k] * w);
    }
    layer(w1, b1, z, FEATURES, tmp);
    layer(w2, b2, tmp, WIDTH, h);
    layer(w3, b3, h, WIDTH, tmp);
    System.arraycopy(tmp, 0, h, 0, WIDTH);
  }

  /** out = sin(W·in + b), W row-major WIDTH × fanIn. */
  private static void layer(double[] w, double[] b, double[] in, int fanIn, double[] out) {
    for (int o = 0; o < WIDTH; o++) {
      double s = b[o];
      for (int i = 0; i < fanIn; i++) {
        s += w[o * fanIn + i] * in[i];
      }
      out[o] = Math.sin(s);
    }
  }
}
