package org.longattn.jobs.bench;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.longattn.jobs.attend.FlopCount;
import org.longattn.kernels.linear.LinearFamilies;
import org.longattn.kernels.linear.LinearSpanAttention;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.span.HeadShape;

/**
 * Kernel-only throughput of a linear-attention family on a whole document streamed from a bounded
 * pool of blocks ({@link BenchDocument}): {@link LinearSpanAttention#document} (the job's three
 * steps: span totals, the per-document scan or fold, span outputs) on {@code threads} threads, no
 * Spark, no I/O. Input: standard normal q, k, v.
 *
 * <p>FLOPs counted per head and token, the state arithmetic only (feature maps not counted): {@code
 * linear}/{@code performer} non-causal 4·m·dv (S += φ(k)vᵀ, φ(q)ᵀS); causal 6·m·dv + (m + dv)·(b +
 * 1) (the block states are computed again for the intra-span scan; the intra-block part counts j ≤
 * i only); {@code gated-linear} 6·d·dv (state, its recomputation, output); {@code linformer}
 * 2·rank·(d + dv) per key and per query.
 */
public final class LinearKernelBench {
  private LinearKernelBench() {}

  public static KernelBench.Result run(
      PatternSpec spec, HeadShape shape, int n, int spanTokens, int threads, long seed)
      throws Exception {
    int b = spec.blockSize();
    BenchDocument doc = new BenchDocument(n, b, shape, seed);
    LinearSpanAttention<?> attention =
        new LinearSpanAttention<>(
            LinearFamilies.create(spec, shape, false), shape.heads(), shape.vWidth());
    int spanBlocks = Integer.highestOneBit(Math.max(1, spanTokens / b));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean)
              java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      attention.document(doc::block, doc.blocks, spanBlocks, pool, threads, (pos, out) -> {});
      double seconds = (System.nanoTime() - t0) / 1e9;
      // on a shared machine the wall time says little: also report the CPU time the run took
      System.err.printf(
          java.util.Locale.ROOT,
          "[bench] linear kernel: wall %.3f s, process cpu %.3f s%n",
          seconds,
          (os.getProcessCpuTime() - cpu0) / 1e9);
      return new KernelBench.Result(seconds, n, flops(spec, shape, n));
    } finally {
      pool.shutdown();
    }
  }

  /** FLOPs of a document of n tokens ({@link FlopCount#linear}). */
  public static double flops(PatternSpec spec, HeadShape shape, int n) {
    return FlopCount.linear(spec, shape, n);
  }
}
