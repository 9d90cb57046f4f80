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
  static final int CHUNK = 256;

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
    int hd = heads * headDim;
    int stride = 3 * hd;
    float scale = (float) (1 / Math.sqrt(headDim));
    int q0 = 0;
    while (q0 < n) {
      int blockLo = blockSize > 0 ? q0 / blockSize * blockSize : 0;
      int blockHi = blockSize > 0 ? Math.min(n, blockLo + blockSize) : n;
      int q1 = Math.min(q0 + CHUNK, blockHi);
      int lo = (int) Math.max(blockLo, (long) q0 - band.left());
      int hi = (int) Math.min(blockHi, (long) q1 - 1 + band.right() + 1);
      int qn = q1 - q0;
      for (int h = 0; h < heads; h++) {
        SoftmaxState state = SoftmaxState.identity(qn, headDim);
        if (hi > lo) {
          QueryRows q =
              new QueryRows(qkv, q0 * stride + h * headDim, stride, qn, headDim, null, q0);
          KeyRows k =
              new KeyRows(
                  qkv,
                  lo * stride + hd + h * headDim,
                  stride,
                  qkv,
                  lo * stride + 2 * hd + h * headDim,
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
          state.output(r, ctx, (q0 + r) * hd + h * headDim);
        }
      }
      q0 = q1;
    }
  }
}
