package org.longattn.kernels.model;

import java.util.List;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.cpu.JavaAttentionBackend;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.state.SoftmaxState;

/**
 * {@link SelfAttention} over one whole document in this JVM, with the project's exact
 * online-softmax kernels ({@link AttentionBackend#accumulate}): token i reads key j iff {@code
 * band.allows(i, j)} and, when {@code blockSize} > 0, both lie in the same block of {@code
 * blockSize} tokens (⌊i/B⌋ = ⌊j/B⌋). Queries are taken in chunks of {@link #CHUNK} tokens, each
 * against only the keys its band and block can reach. Not thread-safe (the backend has scratch).
 */
public final class LocalSelfAttention implements SelfAttention {
  /** Queries per call of the backend. */
  public static final int CHUNK = 256;

  private final AttentionBackend backend;
  private final Band band;
  private final int blockSize;

  /**
   * @param band which keys a query may read, by position
   * @param blockSize > 0: attention only inside blocks of this many tokens; 0: no blocks
   */
  public LocalSelfAttention(AttentionBackend backend, Band band, int blockSize) {
    if (blockSize < 0) {
      throw new IllegalArgumentException("block size must be >= 0: " + blockSize);
    }
    this.backend = backend;
    this.band = band;
    this.blockSize = blockSize;
  }

  /** Every token reads every token. */
  public static LocalSelfAttention dense() {
    return new LocalSelfAttention(new JavaAttentionBackend(), Band.ALL, 0);
  }

  /** Longformer's sliding window: token i reads i − w .. i + w (w one-sided). */
  public static LocalSelfAttention sliding(int window) {
    return new LocalSelfAttention(new JavaAttentionBackend(), new Band(window, window, 1), 0);
  }

  /** Dense attention inside each block of {@code blockSize} tokens, nothing across blocks. */
  public static LocalSelfAttention blocked(int blockSize) {
    if (blockSize < 1) {
      throw new IllegalArgumentException("block size must be >= 1: " + blockSize);
    }
    return new LocalSelfAttention(new JavaAttentionBackend(), Band.ALL, blockSize);
  }

  @Override
  public String toString() {
    return "LocalSelfAttention[band=" + band + ", blockSize=" + blockSize + "]";
  }

  @Override
  public void attend(int layer, float[] qkv, int n, int heads, int headDim, float[] ctx) {
    attend(qkv, 0, n, 0, n, heads, headDim, ctx);
  }

  /**
   * ctx of the queries at document positions [qLo, qHi), from the rows [first, first + m) that
   * {@code qkv} and {@code ctx} hold (row r = position first + r). Queries run in chunks of a grid
   * fixed by positions alone ({@link #chunkStart}): a query's chunk, and so the keys of its call
   * and their order, are the same as in a run over the whole document, so ctx is bitwise the same
   * when qLo lies on the grid (or is 0) and qHi on the grid or at the document's end, and [first,
   * first + m) holds every key those chunks read ({@link #reach}) or ends at the document's end.
   */
  public void attend(
      float[] qkv, int first, int m, int qLo, int qHi, int heads, int headDim, float[] ctx) {
    if (qLo < first || qHi > first + m) {
      throw new IllegalArgumentException(
          "queries ["
              + qLo
              + ", "
              + qHi
              + ") outside the rows ["
              + first
              + ", "
              + (first + m)
              + ")");
    }
    int hd = heads * headDim;
    int stride = 3 * hd;
    float scale = (float) (1 / Math.sqrt(headDim));
    int q0 = qLo;
    while (q0 < qHi) {
      int q1 = (int) Math.min(chunkEnd(q0), qHi);
      int lo = (int) Math.max(first, keysFrom(q0));
      int hi = (int) Math.min(first + m, keysTo(q1));
      int qn = q1 - q0;
      for (int h = 0; h < heads; h++) {
        SoftmaxState state = SoftmaxState.identity(qn, headDim);
        if (hi > lo) {
          QueryRows q =
              new QueryRows(
                  qkv, (q0 - first) * stride + h * headDim, stride, qn, headDim, null, q0);
          KeyRows k =
              new KeyRows(
                  qkv,
                  (lo - first) * stride + hd + h * headDim,
                  stride,
                  qkv,
                  (lo - first) * stride + 2 * hd + h * headDim,
                  stride,
                  hi - lo,
                  headDim,
                  headDim,
                  null,
                  lo,
                  null,
                  0);
          backend.accumulate(q, List.of(k), band, scale, false, state);
        }
        for (int r = 0; r < qn; r++) {
          state.output(r, ctx, (q0 - first + r) * hd + h * headDim);
        }
      }
      q0 = q1;
    }
  }

  /** The first position of the block holding p (0 without blocks). */
  private long blockLo(long p) {
    return blockSize > 0 ? p / blockSize * blockSize : 0;
  }

  /** One past the last position of the block holding p (unbounded without blocks). */
  private long blockHi(long p) {
    return blockSize > 0 ? blockLo(p) + blockSize : Long.MAX_VALUE;
  }

  /**
   * The first position of the query chunk holding position p: chunks of {@link #CHUNK} positions
   * from the start of p's block (of the document without blocks).
   */
  public long chunkStart(long p) {
    long b = blockLo(p);
    return b + (p - b) / CHUNK * CHUNK;
  }

  /** One past the last position of the chunk starting at q0 (before the document's end). */
  private long chunkEnd(long q0) {
    return Math.min(q0 + CHUNK, blockHi(q0));
  }

  /** The first key the chunk starting at q0 reads. */
  private long keysFrom(long q0) {
    return Math.max(0, Math.max(blockLo(q0), q0 - band.left()));
  }

  /** One past the last key the queries of a chunk ending at q1 read. */
  private long keysTo(long q1) {
    return Math.min(blockHi(q1 - 1), q1 + band.right());
  }

  /**
   * The positions {@code layers} layers of this attention reach from the rows [lo, hi): the rows
   * whose layer-0 states the states of [lo, hi) after those layers depend on, counting the whole
   * query chunks computed on the way (below 0 cut off, no end cut off: intersect with the
   * document). Each layer widens the range to whole chunks, then to the keys they read.
   *
   * @return {from, to}, from ≥ 0
   */
  public long[] reach(long lo, long hi, int layers) {
    for (int l = 0; l < layers && hi > lo; l++) {
      long[] q = chunks(lo, hi);
      lo = Math.min(q[0], keysFrom(q[0]));
      hi = Math.max(q[1], keysTo(q[1]));
    }
    return new long[] {lo, hi};
  }

  /** [lo, hi) widened to whole query chunks (no end cut off). */
  public long[] chunks(long lo, long hi) {
    return hi > lo
        ? new long[] {chunkStart(lo), chunkEnd(chunkStart(hi - 1))}
        : new long[] {lo, hi};
  }
}
