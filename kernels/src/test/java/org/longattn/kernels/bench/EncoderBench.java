package org.longattn.kernels.bench;

import java.util.SplittableRandom;
import org.longattn.kernels.TestData;
import org.longattn.kernels.model.Encoder;
import org.longattn.kernels.model.Gemm;
import org.longattn.kernels.model.LocalSelfAttention;
import org.longattn.kernels.model.PackedMatrix;
import org.longattn.kernels.model.RowOps;
import org.longattn.kernels.model.SelfAttention;

/**
 * Per-token stages of one all-MiniLM-L6-v2-shaped layer (hidden 384, 12 heads × 32, FFN 1536;
 * random weights: speed does not depend on their values) over one document of {@code tokens}
 * tokens, single-threaded, timed stage by stage (best of {@code repeats}); attention is {@link
 * LocalSelfAttention#sliding} with window {@code window}. Times are the thread's CPU time (on a
 * shared machine wall time mostly measures the other tenants; on a quiet one they agree). Plain
 * main:
 *
 * <pre>
 *   java @conf/jvm.flags -cp … org.longattn.kernels.bench.EncoderBench [tokens] [window] [repeats]
 * </pre>
 */
public final class EncoderBench {
  private static final int H = 384;
  private static final int HEADS = 12;
  private static final int FFN = 1536;
  private static final int BLOCK = Encoder.TOKEN_BLOCK;

  private EncoderBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 65_536;
    int window = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    SplittableRandom rng = new SplittableRandom(1);
    PackedMatrix qkv = matrix(rng, H, 3 * H);
    PackedMatrix out = matrix(rng, H, H);
    PackedMatrix up = matrix(rng, H, FFN);
    PackedMatrix down = matrix(rng, FFN, H);
    float[] gamma = TestData.gaussian(rng, H, 1, 1);
    float[] beta = TestData.gaussian(rng, H, 1, 1);
    float[] x = TestData.gaussian(rng, n * H, 1, 1);
    float[] qkvBuf = new float[n * 3 * H];
    float[] ctx = new float[n * H];
    float[] a = new float[BLOCK * H];
    float[] mid = new float[BLOCK * FFN];
    SelfAttention attention = LocalSelfAttention.sliding(window);

    String[] names = {
      "qkv GEMM",
      "attention",
      "attn out GEMM",
      "add+LN",
      "FFN up GEMM",
      "GELU",
      "FFN down GEMM",
      "add+LN"
    };
    double[] flops = {
      2.0 * n * H * 3 * H,
      4.0 * H * keysRead(n, window), // q·k and p·v over every key read
      2.0 * n * H * H,
      0,
      2.0 * n * H * FFN,
      0,
      2.0 * n * FFN * H,
      0
    };
    double[] best = new double[names.length];
    java.util.Arrays.fill(best, Double.MAX_VALUE);
    for (int rep = 0; rep < repeats + 1; rep++) { // the first pass warms the JIT up
      long[] t = new long[names.length + 1];
      t[0] = cpuNanos();
      for (int r = 0; r < n; r += BLOCK) {
        Gemm.multiply(x, r * H, H, Math.min(BLOCK, n - r), qkv, qkvBuf, r * 3 * H, 3 * H);
      }
      t[1] = cpuNanos();
      attention.attend(0, qkvBuf, n, HEADS, H / HEADS, ctx);
      t[2] = cpuNanos();
      long[] acc = new long[6];
      for (int r = 0; r < n; r += BLOCK) {
        int rn = Math.min(BLOCK, n - r);
        long s0 = cpuNanos();
        Gemm.multiply(ctx, r * H, H, rn, out, a, 0, H);
        long s1 = cpuNanos();
        RowOps.addLayerNorm(a, 0, x, r * H, rn, H, gamma, beta, 1e-12f);
        long s2 = cpuNanos();
        Gemm.multiply(x, r * H, H, rn, up, mid, 0, FFN);
        long s3 = cpuNanos();
        RowOps.gelu(mid, 0, rn * FFN);
        long s4 = cpuNanos();
        Gemm.multiply(mid, 0, FFN, rn, down, a, 0, H);
        long s5 = cpuNanos();
        RowOps.addLayerNorm(a, 0, x, r * H, rn, H, gamma, beta, 1e-12f);
        long s6 = cpuNanos();
        acc[0] += s1 - s0;
        acc[1] += s2 - s1;
        acc[2] += s3 - s2;
        acc[3] += s4 - s3;
        acc[4] += s5 - s4;
        acc[5] += s6 - s5;
      }
      if (rep == 0) {
        continue;
      }
      double[] secs = {
        (t[1] - t[0]) / 1e9,
        (t[2] - t[1]) / 1e9,
        acc[0] / 1e9,
        (acc[1]) / 1e9,
        acc[2] / 1e9,
        acc[3] / 1e9,
        acc[4] / 1e9,
        acc[5] / 1e9
      };
      for (int i = 0; i < secs.length; i++) {
        best[i] = Math.min(best[i], secs[i]);
      }
    }
    double total = 0;
    double totalFlops = 0;
    System.out.printf(
        "one layer, %,d tokens, sliding window %d, 1 thread (CPU time), %d-bit vectors, best of %d%n",
        n, window, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), repeats);
    for (int i = 0; i < names.length; i++) {
      total += best[i];
      totalFlops += flops[i];
      System.out.printf(
          "  %-14s %8.3f s  %,12.0f tokens/s  %s%n",
          names[i],
          best[i],
          n / best[i],
          flops[i] > 0 ? String.format("%6.1f GFLOP/s", flops[i] / best[i] / 1e9) : "");
    }
    System.out.printf(
        "  %-14s %8.3f s  %,12.0f tokens/s  %6.1f GFLOP/s  (6 layers: %,.0f tokens/s)%n",
        "layer", total, n / total, totalFlops / total / 1e9, n / total / 6);
  }

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private static long cpuNanos() {
    return THREADS.getCurrentThreadCpuTime();
  }

  private static PackedMatrix matrix(SplittableRandom rng, int in, int out) {
    return new PackedMatrix(
        TestData.gaussian(rng, in * out, 1, 1 / Math.sqrt(in)),
        TestData.gaussian(rng, out, 1, 0.1),
        in,
        out);
  }

  /** Σ over queries of the keys inside the band. */
  private static double keysRead(int n, int w) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += Math.min(n - 1, i + w) - Math.max(0, i - w) + 1;
    }
    return s;
  }
}
