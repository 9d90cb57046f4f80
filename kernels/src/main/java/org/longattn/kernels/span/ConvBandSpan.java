package org.longattn.kernels.span;

import java.util.function.IntFunction;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.conv.ConvBand;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.state.SoftmaxState;

/**
 * {@code conv-band} for one span: per own block and head, the keys of the block's band window
 * ([first − r, last + r], from the routed blocks; padding excluded) and {@link ConvBand} on them.
 * No softmax, so no stats and no global rows; padding rows stay zero (the job writes them null).
 */
public final class ConvBandSpan {
  private final AttentionPattern pattern;
  private final HeadShape shape;
  private final ConvBand conv;

  public ConvBandSpan(AttentionPattern pattern, HeadShape shape, ConvBand conv) {
    this.pattern = pattern;
    this.shape = shape;
    this.conv = conv;
  }

  /** The rows of blocks [firstBlock, endBlock) of a document of n tokens (no stats). */
  public SpanResult computeRows(
      int n, int firstBlock, int endBlock, IntFunction<TokenBlock> blocks, Globals globals) {
    int b = pattern.blockSize();
    int firstPos = firstBlock * b;
    int rows = Math.min(n, endBlock * b) - firstPos;
    float[] out = new float[rows * shape.vWidth()];
    Band band = pattern.band();
    for (int qb = firstBlock; qb < endBlock; qb++) {
      TokenBlock own = blocks.apply(qb);
      if (own == null || own.q() == null) {
        throw new IllegalStateException("span is missing its own block " + qb);
      }
      int lo = (int) Math.max(0, (long) own.firstPos() - band.left());
      int hi = (int) Math.min(n - 1L, (long) own.firstPos() + own.n() - 1 + band.right());
      int m = Math.max(0, hi - lo + 1);
      for (int h = 0; h < shape.heads(); h++) {
        KeyRows keys = window(blocks, lo, m, h, globals);
        QueryRows q =
            new QueryRows(
                own.q(), h * shape.d(), shape.qkWidth(), own.n(), shape.d(), null, own.firstPos());
        int outOff = (own.firstPos() - firstPos) * shape.vWidth() + h * shape.dv();
        conv.compute(q, keys, band, out, outOff, shape.vWidth());
      }
      for (int r = 0; r < own.n(); r++) {
        if (globals.padded(own.firstPos() + r)) {
          int o = (own.firstPos() - firstPos + r) * shape.vWidth();
          java.util.Arrays.fill(out, o, o + shape.vWidth(), 0f);
        }
      }
    }
    return new SpanResult(firstPos, rows, out, null, null, null, null, new SoftmaxState[0]);
  }

  /** Head h of positions lo..lo+m−1 packed from the routed blocks, padding flagged EXCLUDED. */
  private KeyRows window(IntFunction<TokenBlock> blocks, int lo, int m, int h, Globals globals) {
    int d = shape.d();
    int dv = shape.dv();
    float[] k = new float[Math.max(1, m) * d];
    float[] v = new float[Math.max(1, m) * dv];
    byte[] flags = new byte[Math.max(1, m)];
    int b = pattern.blockSize();
    for (int t = 0; t < m; t++) {
      int p = lo + t;
      TokenBlock blk = blocks.apply(p / b);
      if (blk == null) {
        throw new IllegalStateException("key block " + p / b + " was not routed to its span");
      }
      int row = p - blk.firstPos();
      System.arraycopy(blk.k(), row * shape.qkWidth() + h * d, k, t * d, d);
      System.arraycopy(blk.v(), row * shape.vWidth() + h * dv, v, t * dv, dv);
      flags[t] = globals.padded(p) ? KeyRows.EXCLUDED : 0;
    }
    return new KeyRows(k, 0, d, v, 0, dv, m, d, dv, null, lo, flags, 0);
  }
}
