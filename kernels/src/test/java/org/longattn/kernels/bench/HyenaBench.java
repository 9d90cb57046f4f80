package org.longattn.kernels.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.longattn.kernels.hyena.BlockConvolution;
import org.longattn.kernels.hyena.HyenaFilter;
import org.longattn.kernels.hyena.HyenaOperator;

/**
 * Kernel-only time of the Hyena operator on one document in one thread ({@link
 * HyenaOperator#apply}: every span stage, frequency task and inverse of the distributed job, run in
 * sequence), and the share of its parts. Arguments: tokens, heads, head_dim, order, span tokens,
 * repeats. Prints one line per run and the median.
 */
public final class HyenaBench {
  private HyenaBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1 << 20;
    int heads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int d = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    int order = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    int span = args.length > 4 ? Integer.parseInt(args[4]) : 32768;
    int repeat = args.length > 5 ? Integer.parseInt(args[5]) : 3;
    SplittableRandom rng = new SplittableRandom(1);
    int w = heads * d;
    float[] q = BenchData.uniform(rng, n * w);
    float[] k = BenchData.uniform(rng, n * w);
    float[] v = BenchData.uniform(rng, n * w);
    HyenaFilter filter = new HyenaFilter(0, order, heads, d, n);
    BlockConvolution conv = new BlockConvolution(n, span);
    double[] secs = new double[repeat];
    for (int r = 0; r < repeat; r++) {
      long t0 = System.nanoTime();
      HyenaOperator.apply(filter, span, q, k, v);
      secs[r] = (System.nanoTime() - t0) / 1e9;
      System.out.printf("run %d: %.3f s%n", r + 1, secs[r]);
    }
    // parts, for one span and one chunk (× spans, × order for the whole document)
    double[][] u = new double[w][conv.segment()];
    long t0 = System.nanoTime();
    conv.sourceChunks(u, conv.segment());
    long t1 = System.nanoTime();
    conv.filterChunks(filter, 1, conv.spans() / 2);
    long t2 = System.nanoTime();
    double[][] g = new double[w][conv.segment()];
    filter.segment(1, (long) (conv.spans() / 2) * conv.segment(), conv.segment(), g, 0);
    long t3 = System.nanoTime();
    Arrays.sort(secs);
    System.out.printf(
        "hyena n=%d heads=%d d=%d order=%d span=%d: median %.3f s, %.0f tokens/s (1 thread);"
            + " per span: source FFTs %.1f ms, filter block + FFTs %.1f ms (filter block alone %.1f ms)%n",
        n,
        heads,
        d,
        order,
        span,
        secs[repeat / 2],
        n / secs[repeat / 2],
        (t1 - t0) / 1e6,
        (t2 - t1) / 1e6,
        (t3 - t2) / 1e6);
  }
}
