package org.longattn.kernels.hyena;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * A causal long convolution y = h ∗ u (y[t] = Σ_{j ≤ t} h[t−j]·u[j], h of length n) of one
 * document, cut into spans so that no step needs the whole document, in three stages:
 *
 * <ol>
 *   <li><b>per span S</b> ({@link #sourceChunks}, {@link #filterChunks}): X_S = FFT_M(u on span S,
 *       zero-padded) and A_S = FFT_M(h on lags [S·L, (S+1)·L), zero-padded) — span S generates the
 *       filter block of its own index (h = 0 outside [0, n));
 *   <li><b>per frequency chunk</b> ({@link #causalSum}): the spectrum of the filter segment g_Δ[m]
 *       = h[(Δ−1)·L + m], m ∈ [0, 2L), is G_Δ = A_{Δ−1} + w ⊙ A_Δ with w_k = e^{−2πi·k·L/M} (A_{−1}
 *       = 0), and Y_T = Σ_{S=0..T} X_S ⊙ G_{T−S}, summed in source-span order S = 0, 1, …, T — a
 *       causal convolution over span indices, independently at every frequency;
 *   <li><b>per span T</b> ({@link #inverse}): y on span T = IFFT_M(Y_T)[L .. L + len_T).
 * </ol>
 *
 * <p>Why it is exact: for a target t = T·L + a and source j = S·L + b (a, b ∈ [0, L)), the lag is t
 * − j = (Δ−1)·L + (a − b + L) with Δ = T − S, so the pair contributes g_Δ[a − b + L]·u[j], the (a +
 * L)-th term of the linear convolution g_Δ ∗ u_S (length ≤ 3L − 1). With M ≥ 2L the circular
 * convolution of size M does not alias indices [L, 2L). By linearity the sum over S can be taken on
 * spectra, so each target needs one inverse FFT.
 *
 * <p>Cost per channel, with P = ⌈n/L⌉ spans: 3P real FFTs of size M ≈ 2L (O(n log L)) plus P(P+1)/2
 * complex multiply-adds per frequency (O(n·P)); each filter lag is generated once; data moved: X, A
 * and Y, each ≈ 2n values. L is the span length, except that a document of a single span uses L = n
 * (so short documents get small FFTs).
 *
 * <p>Spectra are JTransforms' packed real format (a[0] = Re 0, a[1] = Re M/2, a[2k], a[2k+1] = Re,
 * Im of bin k), cut into {@link #chunks()} contiguous chunks of whole (re, im) pairs; chunk arrays
 * are float, channel-major ({@code [channel·chunkLength + i]}); FFTs and sums run in double. Not
 * thread-safe (one FFT plan per instance).
 */
public final class BlockConvolution {
  static {
    // Tasks are the parallelism; JTransforms' own threads would oversubscribe the executor.
    pl.edu.icm.jlargearrays.ConcurrencyUtils.setNumberOfThreads(1);
  }

  private final int n;
  private final int spans;
  private final int segment;
  private final int fftSize;
  private final int chunks;
  private final DoubleFFT_1D fft;

  /**
   * @param n document length (≥ 1)
   * @param spanTokens tokens per span (≥ 1)
   */
  public BlockConvolution(int n, int spanTokens) {
    if (n < 1 || spanTokens < 1) {
      throw new IllegalArgumentException("n " + n + ", span tokens " + spanTokens);
    }
    this.n = n;
    this.spans = (int) ((n + (long) spanTokens - 1) / spanTokens);
    this.segment = spans == 1 ? n : spanTokens;
    this.fftSize = Math.max(2, Integer.highestOneBit(2 * segment - 1) << 1);
    this.chunks = Math.min(spans, fftSize / 2);
    this.fft = new DoubleFFT_1D(fftSize);
  }

  /** Spans P of the document (and frequency chunks as far as there are bins). */
  public int spans() {
    return spans;
  }

  /** L: tokens per span (the last span may be shorter). */
  public int segment() {
    return segment;
  }

  /** M: the FFT size, a power of two ≥ 2L. */
  public int fftSize() {
    return fftSize;
  }

  public int chunks() {
    return chunks;
  }

  public int spanStart(int span) {
    return span * segment;
  }

  public int spanLength(int span) {
    return Math.min(n, (span + 1) * segment) - span * segment;
  }

  /** First packed index of chunk c (even). */
  public int chunkStart(int c) {
    return 2 * (int) ((long) c * (fftSize / 2) / chunks);
  }

  /** Packed values in chunk c. */
  public int chunkLength(int c) {
    return chunkStart(c + 1) - chunkStart(c);
  }

  /** Stage 1: chunks of the spectra of u on one span ({@code u[channel][0 .. spanLength)}). */
  public float[][] sourceChunks(double[][] u, int len) {
    double[][] spectra = new double[u.length][];
    for (int c = 0; c < u.length; c++) {
      double[] a = new double[fftSize];
      System.arraycopy(u[c], 0, a, 0, len);
      fft.realForward(a);
      spectra[c] = a;
    }
    return cut(spectra);
  }

  /**
   * Stage 1: chunks of A_block, the spectra of filter {@code filter} on lags [block·L,
   * (block+1)·L), every channel.
   */
  public float[][] filterChunks(HyenaFilter h, int filter, int block) {
    double[][] g = new double[h.channels()][fftSize];
    h.segment(filter, (long) block * segment, segment, g, 0);
    for (double[] a : g) {
      fft.realForward(a);
    }
    return cut(g);
  }

  private float[][] cut(double[][] spectra) {
    int channels = spectra.length;
    float[][] out = new float[chunks][];
    for (int k = 0; k < chunks; k++) {
      int from = chunkStart(k);
      int len = chunkLength(k);
      float[] o = new float[channels * len];
      for (int c = 0; c < channels; c++) {
        for (int i = 0; i < len; i++) {
          o[c * len + i] = (float) spectra[c][from + i];
        }
      }
      out[k] = o;
    }
    return out;
  }

  /**
   * Stage 2 for chunk {@code chunk}: {@code ys[T] = Σ_{S=0..T} xs[S] ⊙ G_{T−S}} for T = 0..P−1 with
   * G_Δ = as[Δ−1] + w ⊙ as[Δ] (complex products; the packed pair at index 0 holds the two real bins
   * 0 and M/2), accumulated in double in the order S = 0, 1, …, T.
   *
   * @param xs source chunks by span, {@code channels × chunkLength(chunk)} each
   * @param as filter-block chunks by block index, same shape
   */
  public float[][] causalSum(int chunk, float[][] xs, float[][] as, int channels) {
    int len = chunkLength(chunk);
    boolean realPair = chunkStart(chunk) == 0;
    double[][] gs = new double[spans][];
    double[] w = twiddles(chunk);
    for (int delta = 0; delta < spans; delta++) {
      float[] prev = delta == 0 ? null : as[delta - 1];
      gs[delta] = segmentSpectrum(prev, as[delta], w, channels, len, realPair);
    }
    float[][] ys = new float[spans][];
    double[] acc = new double[channels * len];
    for (int t = 0; t < spans; t++) {
      java.util.Arrays.fill(acc, 0);
      for (int s = 0; s <= t; s++) {
        multiplyAdd(acc, xs[s], gs[t - s], channels, len, realPair);
      }
      float[] y = new float[acc.length];
      for (int i = 0; i < acc.length; i++) {
        y[i] = (float) acc[i];
      }
      ys[t] = y;
    }
    return ys;
  }

  /** w_k = e^{−2πi·k·L/M} for the chunk's packed pairs (at index 0: w_0 = 1 and w_{M/2}, real). */
  private double[] twiddles(int chunk) {
    int from = chunkStart(chunk);
    int len = chunkLength(chunk);
    double[] w = new double[len];
    for (int i = 0; i < len; i += 2) {
      int bin = (from + i) / 2;
      if (bin == 0) {
        w[i] = 1;
        w[i + 1] = segment % 2 == 0 ? 1 : -1; // e^{−iπL}, the Nyquist bin's (real) factor
      } else {
        double theta = 2 * Math.PI * ((long) bin * segment % fftSize) / fftSize;
        w[i] = Math.cos(theta);
        w[i + 1] = -Math.sin(theta);
      }
    }
    return w;
  }

  /** G_Δ = prev + w ⊙ cur on one chunk (prev = A_{Δ−1}, null for Δ = 0). */
  private static double[] segmentSpectrum(
      float[] prev, float[] cur, double[] w, int channels, int len, boolean realPair) {
    double[] g = new double[channels * len];
    for (int c = 0; c < channels; c++) {
      int o = c * len;
      for (int i = 0; i < len; i += 2) {
        double p0 = prev == null ? 0 : prev[o + i];
        double p1 = prev == null ? 0 : prev[o + i + 1];
        if (i == 0 && realPair) {
          g[o] = p0 + w[0] * cur[o];
          g[o + 1] = p1 + w[1] * cur[o + 1];
        } else {
          g[o + i] = p0 + w[i] * cur[o + i] - w[i + 1] * cur[o + i + 1];
          g[o + i + 1] = p1 + w[i] * cur[o + i + 1] + w[i + 1] * cur[o + i];
        }
      }
    }
    return g;
  }

  private static void multiplyAdd(
      double[] acc, float[] x, double[] g, int channels, int len, boolean realPair) {
    for (int c = 0; c < channels; c++) {
      int o = c * len;
      int i = 0;
      if (realPair) { // bins 0 and M/2 are real
        acc[o] += x[o] * g[o];
        acc[o + 1] += x[o + 1] * g[o + 1];
        i = 2;
      }
      for (; i < len; i += 2) {
        double xr = x[o + i];
        double xi = x[o + i + 1];
        double gr = g[o + i];
        double gi = g[o + i + 1];
        acc[o + i] += xr * gr - xi * gi;
        acc[o + i + 1] += xr * gi + xi * gr;
      }
    }
  }

  /**
   * Stage 3: y on span {@code span} ({@code [channel][0 .. spanLength)}) from its spectrum's chunks
   * ({@code ys[chunk]} as {@link #causalSum} made them).
   */
  public double[][] inverse(int span, float[][] ys, int channels) {
    int len = spanLength(span);
    double[][] y = new double[channels][];
    double[] a = new double[fftSize];
    for (int c = 0; c < channels; c++) {
      for (int k = 0; k < chunks; k++) {
        int from = chunkStart(k);
        int cl = chunkLength(k);
        float[] chunk = ys[k];
        for (int i = 0; i < cl; i++) {
          a[from + i] = chunk[c * cl + i];
        }
      }
      fft.realInverse(a, true);
      y[c] = java.util.Arrays.copyOfRange(a, segment, segment + len);
    }
    return y;
  }
}
