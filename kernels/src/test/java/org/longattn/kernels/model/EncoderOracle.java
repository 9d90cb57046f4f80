package org.longattn.kernels.model;

import java.util.function.BiPredicate;

/**
 * Plain double-precision reference of {@link Encoder} with an explicit mask: naive loops, exact erf
 * by its Taylor series and Math.exp — nothing shared with the optimised path.
 */
final class EncoderOracle {
  private EncoderOracle() {}

  /** y = x·W + b, x n × in, W in × out (row-major). */
  static double[] linear(double[] x, int n, int in, float[] w, float[] b, int out) {
    double[] y = new double[n * out];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < out; c++) {
        double s = b == null ? 0 : b[c];
        for (int k = 0; k < in; k++) {
          s += x[r * in + k] * w[k * out + c];
        }
        y[r * out + c] = s;
      }
    }
    return y;
  }

  static void layerNorm(double[] x, int n, int h, float[] g, float[] b, double eps) {
    for (int r = 0; r < n; r++) {
      double mean = 0;
      for (int c = 0; c < h; c++) {
        mean += x[r * h + c];
      }
      mean /= h;
      double var = 0;
      for (int c = 0; c < h; c++) {
        double d = x[r * h + c] - mean;
        var += d * d;
      }
      var /= h;
      for (int c = 0; c < h; c++) {
        x[r * h + c] = (x[r * h + c] - mean) / Math.sqrt(var + eps) * g[c] + b[c];
      }
    }
  }

  /** erf by its Maclaurin series (|x| ≤ 5; beyond, ±1 to double precision). */
  static double erf(double x) {
    if (Math.abs(x) > 5) {
      return Math.signum(x);
    }
    double term = x;
    double sum = x;
    for (int n = 1; n < 200; n++) {
      term *= -x * x / n;
      sum += term / (2 * n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }

  /** ctx of every head: softmax over the keys {@code mask} allows. */
  static double[] attention(
      double[] q,
      double[] k,
      double[] v,
      int n,
      int heads,
      int d,
      BiPredicate<Integer, Integer> mask) {
    int hd = heads * d;
    double[] ctx = new double[n * hd];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < n; i++) {
        double[] s = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          if (!mask.test(i, j)) {
            continue;
          }
          double dot = 0;
          for (int c = 0; c < d; c++) {
            dot += q[i * hd + h * d + c] * k[j * hd + h * d + c];
          }
          s[j] = dot / Math.sqrt(d);
          max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
          if (mask.test(i, j)) {
            s[j] = Math.exp(s[j] - max);
            sum += s[j];
          }
        }
        for (int j = 0; j < n; j++) {
          if (mask.test(i, j)) {
            for (int c = 0; c < d; c++) {
              ctx[i * hd + h * d + c] += s[j] / sum * v[j * hd + h * d + c];
            }
          }
        }
      }
    }
    return ctx;
  }

  /** The last hidden state of one document (positions 0 .. n−1). */
  static double[] forward(EncoderWeights w, int[] ids, BiPredicate<Integer, Integer> mask) {
    EncoderConfig cfg = w.config();
    int n = ids.length;
    int h = cfg.hidden();
    int f = cfg.ffn();
    double eps = cfg.layerNormEps();
    double[] x = new double[n * h];
    for (int i = 0; i < n; i++) {
      int p = i % cfg.maxPositions();
      for (int c = 0; c < h; c++) {
        x[i * h + c] =
            (double) w.wordEmbeddings()[ids[i] * h + c]
                + w.positionEmbeddings()[p * h + c]
                + w.tokenTypeEmbedding()[c];
      }
    }
    layerNorm(x, n, h, w.embeddingNormGamma(), w.embeddingNormBeta(), eps);
    for (LayerWeights l : w.layers()) {
      double[] q = linear(x, n, h, l.query(), l.queryBias(), h);
      double[] k = linear(x, n, h, l.key(), l.keyBias(), h);
      double[] v = linear(x, n, h, l.value(), l.valueBias(), h);
      double[] ctx = attention(q, k, v, n, cfg.heads(), cfg.headDim(), mask);
      double[] a = linear(ctx, n, h, l.attentionOutput(), l.attentionOutputBias(), h);
      for (int i = 0; i < x.length; i++) {
        x[i] += a[i];
      }
      layerNorm(x, n, h, l.attentionNormGamma(), l.attentionNormBeta(), eps);
      double[] mid = linear(x, n, h, l.intermediate(), l.intermediateBias(), f);
      for (int i = 0; i < mid.length; i++) {
        mid[i] = 0.5 * mid[i] * (1 + erf(mid[i] / Math.sqrt(2)));
      }
      double[] o = linear(mid, n, f, l.output(), l.outputBias(), h);
      for (int i = 0; i < x.length; i++) {
        x[i] += o[i];
      }
      layerNorm(x, n, h, l.outputNormGamma(), l.outputNormBeta(), eps);
    }
    return x;
  }
}
