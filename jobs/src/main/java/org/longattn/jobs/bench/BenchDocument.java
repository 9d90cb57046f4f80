package org.longattn.jobs.bench;

import java.util.SplittableRandom;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;

/**
 * A synthetic document for the kernel-only benchmarks, streamed: block {@code b} (positions b·size
 * .. b·size + size − 1) is built on request from a bounded pool of distinct standard-normal q, k, v
 * blocks (block b takes pool entry b mod P), so memory is bounded by the pool — {@link #POOL_BYTES}
 * — and not by the document: {@code bench --tokens 8388608} holds ~64 MB of vectors, not 6 GB. The
 * pool is larger than the last-level cache, so random key blocks still miss it as in a real
 * document; the kernels' arithmetic does not depend on the values.
 */
final class BenchDocument {
  /** Upper bound of the pooled q, k, v data. */
  static final long POOL_BYTES = 64L << 20;

  final int tokens;
  final int blockSize;
  final int blocks;
  private final TokenBlock[] pool;
  private final TokenBlock tail; // the last, partial block (null when tokens % blockSize == 0)

  BenchDocument(int tokens, int blockSize, HeadShape shape, long seed) {
    this.tokens = tokens;
    this.blockSize = blockSize;
    this.blocks = (tokens + blockSize - 1) / blockSize;
    long perBlock = 4L * blockSize * (2L * shape.qkWidth() + shape.vWidth());
    int full = tokens / blockSize;
    int p = (int) Math.max(1, Math.min(full, POOL_BYTES / perBlock));
    SplittableRandom rng = new SplittableRandom(seed);
    pool = new TokenBlock[full == 0 ? 0 : p];
    for (int i = 0; i < pool.length; i++) {
      pool[i] = random(rng, i, blockSize, shape);
    }
    int rest = tokens - full * blockSize;
    tail = rest == 0 ? null : random(rng, full, rest, shape);
  }

  private static TokenBlock random(SplittableRandom rng, int blk, int len, HeadShape shape) {
    return new TokenBlock(
        blk,
        blk * len,
        len,
        KernelBench.gaussian(rng, len * shape.qkWidth()),
        KernelBench.gaussian(rng, len * shape.qkWidth()),
        KernelBench.gaussian(rng, len * shape.vWidth()));
  }

  /**
   * Block {@code blk} of the document (its data shared with the other blocks of its pool entry).
   */
  TokenBlock block(int blk) {
    if (tail != null && blk == blocks - 1) {
      return new TokenBlock(blk, blk * blockSize, tail.n(), tail.q(), tail.k(), tail.v());
    }
    TokenBlock t = pool[blk % pool.length];
    return new TokenBlock(blk, blk * blockSize, blockSize, t.q(), t.k(), t.v());
  }

  /** Blocks [lo, hi) as one block of contiguous rows (a fresh copy). */
  TokenBlock concat(int lo, int hi) {
    int n = 0;
    int qk = 0;
    int vw = 0;
    for (int b = lo; b < hi; b++) {
      TokenBlock t = block(b);
      n += t.n();
      qk += t.q().length;
      vw += t.v().length;
    }
    float[] q = new float[qk];
    float[] k = new float[qk];
    float[] v = new float[vw];
    int oq = 0;
    int ov = 0;
    for (int b = lo; b < hi; b++) {
      TokenBlock t = block(b);
      System.arraycopy(t.q(), 0, q, oq, t.q().length);
      System.arraycopy(t.k(), 0, k, oq, t.k().length);
      System.arraycopy(t.v(), 0, v, ov, t.v().length);
      oq += t.q().length;
      ov += t.v().length;
    }
    return new TokenBlock(lo, lo * blockSize, n, q, k, v);
  }
}
