package org.longattn.jobs.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.longattn.jobs.attend.TileExecution;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.Backends;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TileAttention;
import org.longattn.kernels.span.TokenBlock;
import org.longattn.kernels.state.SoftmaxState;
import org.longattn.kernels.state.TreeFold;

/**
 * Kernel-only time of the tiled exact dense path: the (query span × key chunk) tiles of one
 * document ({@link TileAttention}, row groups as the job forms them), taken by {@code threads}
 * threads, then each row group's partial states folded over chunks — the job's compute without
 * Spark, shuffles or I/O. Span chunks are copied from the streamed document ({@link BenchDocument})
 * as the tiles need them.
 */
final class DenseTileBench {
  private DenseTileBench() {}

  /** Seconds to compute every tile and fold the partial states. */
  static double run(
      AttentionPattern p,
      HeadShape shape,
      BenchDocument doc,
      int spanBlocks,
      int threads,
      String backend)
      throws Exception {
    int spans = (doc.blocks + spanBlocks - 1) / spanBlocks;
    int[] chunkRows = new int[spans];
    for (int s = 0; s < spans; s++) {
      chunkRows[s] =
          Math.min(doc.tokens, (s + 1) * spanBlocks * doc.blockSize)
              - s * spanBlocks * doc.blockSize;
    }
    int group = TileExecution.groupRows(p.blockSize(), spanBlocks);
    List<int[]> tiles = new ArrayList<>();
    for (int i = 0; i < spans; i++) {
      for (int j = 0; j < (p.causal() ? i + 1 : spans); j++) {
        tiles.add(new int[] {i, j});
      }
    }
    // partial[i][j][g]: per head, the state of row group g of span i over chunk j
    SoftmaxState[][][][] partial = new SoftmaxState[spans][spans][][];
    Band band = p.causal() ? Band.ALL.causal() : Band.ALL;
    AtomicInteger next = new AtomicInteger();
    java.util.concurrent.atomic.AtomicLong cpuNanos = new java.util.concurrent.atomic.AtomicLong();
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long t0 = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(
          pool.submit(
              () -> {
                long cpu0 = mx.getCurrentThreadCpuTime();
                try (AttentionBackend be = Backends.create(backend)) {
                  TileAttention ta = new TileAttention(shape, band, false, be);
                  TokenBlock q = null;
                  for (int x; (x = next.getAndIncrement()) < tiles.size(); ) {
                    int i = tiles.get(x)[0];
                    int j = tiles.get(x)[1];
                    if (q == null || q.block() != i * spanBlocks) {
                      q = chunk(doc, i, spanBlocks);
                    }
                    TokenBlock keys = chunk(doc, j, spanBlocks);
                    int groups = (q.n() + group - 1) / group;
                    SoftmaxState[][] perGroup = new SoftmaxState[groups][];
                    for (int g = 0; g < groups; g++) {
                      int rows = Math.min(group, q.n() - g * group);
                      perGroup[g] = ta.compute(q.q(), q.firstPos(), g * group, rows, keys, null);
                    }
                    partial[i][j] = perGroup;
                  }
                }
                cpuNanos.addAndGet(mx.getCurrentThreadCpuTime() - cpu0);
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    for (int i = 0; i < spans; i++) {
      int readChunks = p.causal() ? i + 1 : spans;
      for (int g = 0; g < partial[i][0].length; g++) {
        for (int h = 0; h < shape.heads(); h++) {
          List<SoftmaxState> states = new ArrayList<>();
          for (int j = 0; j < readChunks; j++) {
            states.add(partial[i][j][g][h]);
          }
          TreeFold.fold(states, SoftmaxState::merge);
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    pool.shutdown();
    // On a shared machine wall time says little about the kernel: also report per CPU-second.
    double flops = 0;
    for (int[] t : tiles) {
      double pairs = (double) chunkRows[t[0]] * chunkRows[t[1]];
      flops += 4.0 * pairs * shape.d() * shape.heads() * (p.causal() && t[0] == t[1] ? 0.5 : 1);
    }
    System.err.printf(
        java.util.Locale.ROOT,
        "[bench] dense tiles: %d tiles, %.1f s CPU in the tile threads, %.1f GFLOP/s per CPU-second"
            + " (tiles only, before the folds)%n",
        tiles.size(),
        cpuNanos.get() / 1e9,
        flops / cpuNanos.get());
    return seconds;
  }

  /**
   * Span s as one block of contiguous rows, copied for each tile that reads it (a copy of 8 MB
   * against 275 GFLOP per tile at 32,768-token spans), so that no thread holds the document.
   */
  private static TokenBlock chunk(BenchDocument doc, int s, int spanBlocks) {
    return doc.concat(s * spanBlocks, Math.min(doc.blocks, (s + 1) * spanBlocks));
  }
}
