package org.longattn.jobs.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.Backends;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.span.Globals;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.SpanAttention;
import org.longattn.kernels.span.TokenBlock;

/**
 * Kernel-only throughput of a whole document, streamed from a bounded pool of blocks ({@link
 * BenchDocument}): the spans of the job, computed by {@link SpanAttention} on {@code threads}
 * threads (one backend each), no Spark, no I/O; for a dense multi-span document the job's tiles
 * instead ({@link DenseTileBench}).
 *
 * <p>FLOPs counted as 4·|query block|·|key block|·d per (query block, key block) pair the kernel is
 * handed (2 for Q·Kᵀ, 2 for P·V with dv = d; masked pairs inside a tile count too, as in every
 * tiled kernel), plus the global keys and global rows.
 */
public final class KernelBench {
  /** Result of one run. */
  public record Result(double seconds, long tokens, double flops) {
    public double tokensPerSecond() {
      return tokens / seconds;
    }

    public double gflops() {
      return flops / seconds / 1e9;
    }
  }

  private KernelBench() {}

  public static Result run(
      AttentionPattern p,
      HeadShape shape,
      int n,
      int spanTokens,
      int threads,
      String backend,
      long seed)
      throws Exception {
    int b = p.blockSize();
    BenchDocument doc = new BenchDocument(n, b, shape, seed);
    int nb = doc.blocks;
    int[] gpos = p.globalPositions(n, new int[0]);
    Globals globals = globals(gpos, doc, shape, b);
    int spanBlocks = Integer.highestOneBit(Math.max(1, spanTokens / b));
    int spans = (nb + spanBlocks - 1) / spanBlocks;
    long hash = 1L;
    if (Families.of(p.name()).shape() == Shape.TILES && spans > 1) {
      double seconds = DenseTileBench.run(p, shape, doc, spanBlocks, threads, backend);
      return new Result(seconds, n, flops(p, shape, n, hash, gpos.length, doc));
    }
    AtomicInteger nextSpan = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long t0 = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(
          pool.submit(
              () -> {
                try (AttentionBackend be = Backends.create(backend)) {
                  SpanAttention sa = new SpanAttention(p, shape, false, be);
                  for (int s; (s = nextSpan.getAndIncrement()) < spans; ) {
                    int lo = s * spanBlocks;
                    int hi = Math.min(nb, lo + spanBlocks);
                    sa.compute(n, hash, lo, hi, doc::block, globals);
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    pool.shutdown();
    return new Result(seconds, n, flops(p, shape, n, hash, gpos.length, doc));
  }

  static double flops(
      AttentionPattern p, HeadShape shape, int n, long hash, int globals, BenchDocument doc) {
    double pairs = 0;
    Band band = p.band();
    for (int h = 0; h < shape.heads(); h++) {
      for (int qbi = 0; qbi < doc.blocks; qbi++) {
        TokenBlock qb = doc.block(qbi);
        int qHi = qb.firstPos() + qb.n() - 1;
        for (int kb : p.localKeyBlocks(n, hash, h, qb.block())) {
          TokenBlock k = doc.block(kb);
          if (!band.allowsNone(qb.firstPos(), qHi, k.firstPos(), k.firstPos() + k.n() - 1)) {
            pairs += (double) qb.n() * k.n();
          }
        }
        pairs += (double) qb.n() * globals;
      }
      pairs += (double) globals * n;
      if (p.columnGroups() != null) { // the column part: exactly the pairs it allows
        for (int i = 0; i < n; i++) {
          pairs += p.columnGroups().countKeys(i, n);
        }
      }
    }
    return 4 * pairs * shape.d();
  }

  private static Globals globals(int[] gpos, BenchDocument doc, HeadShape shape, int b) {
    int qk = shape.qkWidth();
    int vw = shape.vWidth();
    float[] q = new float[gpos.length * qk];
    float[] k = new float[gpos.length * qk];
    float[] v = new float[gpos.length * vw];
    for (int i = 0; i < gpos.length; i++) {
      TokenBlock blk = doc.block(gpos[i] / b);
      int r = gpos[i] - blk.firstPos();
      System.arraycopy(blk.q(), r * qk, q, i * qk, qk);
      System.arraycopy(blk.k(), r * qk, k, i * qk, qk);
      System.arraycopy(blk.v(), r * vw, v, i * vw, vw);
    }
    return new Globals(gpos, q, k, v);
  }

  static float[] gaussian(SplittableRandom rng, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      double u1 = rng.nextDouble();
      double u2 = rng.nextDouble();
      a[i] = (float) (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
    }
    return a;
  }
}
