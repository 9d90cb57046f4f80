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
 * Spark, shuffles or I/O. Spans are laid out as flat arrays before the clock starts.
 */
final class DenseTileBench {
  private DenseTileBench() {}

  /** Seconds to compute every tile and fold the partial states. */
  static double run(
      AttentionPattern p,
      HeadShape shape,
      TokenBlock[] blocks,
      int spanBlocks,
      int threads,
      String backend)
      throws Exception {
    int spans = (blocks.length + spanBlocks - 1) / spanBlocks;
    TokenBlock[] chunks = new TokenBlock[spans];
    for (int s = 0; s < spans; s++) {
      chunks[s] = concat(blocks, s * spanBlocks, Math.min(blocks.length, (s + 1) * spanBlocks));
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
                  for (int x; (x = next.getAndIncrement()) < tiles.size(); ) {
                    int i = tiles.get(x)[0];
                    int j = tiles.get(x)[1];
                    TokenBlock q = chunks[i];
                    int groups = (q.n() + group - 1) / group;
                    SoftmaxState[][] perGroup = new SoftmaxState[groups][];
                    for (int g = 0; g < groups; g++) {
                      int rows = Math.min(group, q.n() - g * group);
                      perGroup[g] =
                          ta.compute(q.q(), q.firstPos(), g * group, rows, chunks[j], null);
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
      double pairs = (double) chunks[t[0]].n() * chunks[t[1]].n();
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

  /** Blocks [lo, hi) as one block of contiguous rows. */
  private static TokenBlock concat(TokenBlock[] blocks, int lo, int hi) {
    int n = 0;
    int qk = 0;
    int vw = 0;
    for (int b = lo; b < hi; b++) {
      n += blocks[b].n();
      qk += blocks[b].q().length;
      vw += blocks[b].v().length;
    }
    float[] q = new float[qk];
    float[] k = new float[qk];
    float[] v = new float[vw];
    int oq = 0;
    int ov = 0;
    for (int b = lo; b < hi; b++) {
      System.arraycopy(blocks[b].q(), 0, q, oq, blocks[b].q().length);
      System.arraycopy(blocks[b].k(), 0, k, oq, blocks[b].k().length);
      System.arraycopy(blocks[b].v(), 0, v, ov, blocks[b].v().length);
      oq += blocks[b].q().length;
      ov += blocks[b].v().length;
    }
    return new TokenBlock(lo, blocks[lo].firstPos(), n, q, k, v);
  }
}
