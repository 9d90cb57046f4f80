package org.longattn.kernels.span;

import java.util.List;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.state.SoftmaxState;

/**
 * Exact attention of one tile of the (query rows × key chunk) grid: per head, the online-softmax
 * state of a group of query rows over the keys of one chunk only. Tiles of the same query rows over
 * different chunks are merged afterwards with {@link SoftmaxState#merge} in a fixed tree over chunk
 * ids (the job's business), so a tile never needs more than its own chunk of keys.
 *
 * <p>Keys are fed to the backend {@link #KEY_STEP} at a time (K and V of one step stay in cache
 * while the group's query rows stream past). Steps start at multiples of 64 keys from the chunk
 * start, the backend's own key tiling, so the arithmetic is the same as one call over the whole
 * chunk: the result depends on the chunk and the query rows only. Steps the band excludes entirely
 * (above the diagonal when causal) are skipped.
 */
public final class TileAttention {
  /** Keys per backend call (a multiple of the backend's 64-key tile). */
  static final int KEY_STEP = 1024;

  private final HeadShape shape;
  private final Band band;
  private final float scale;
  private final boolean stats;
  private final AttentionBackend backend;

  /**
   * @param band which (query position, key position) pairs are read ({@link Band#ALL}, or its
   *     causal cut)
   */
  public TileAttention(HeadShape shape, Band band, boolean stats, AttentionBackend backend) {
    this.shape = shape;
    this.band = band;
    this.scale = (float) (1.0 / Math.sqrt(shape.d()));
    this.stats = stats;
    this.backend = backend;
  }

  /**
   * Per head, the state of query rows [row0, row0 + rows) of {@code q} over the chunk's keys.
   *
   * @param q query token rows (H·d values each, head-major); row r is at position qFirstPos + r
   * @param keys the chunk: contiguous positions {@code keys.firstPos() ..}, k and v rows
   * @param keyFlags per key of the chunk {@link KeyRows#GLOBAL} (counted in gsum) or 0; nullable
   */
  public SoftmaxState[] compute(
      float[] q, int qFirstPos, int row0, int rows, TokenBlock keys, byte[] keyFlags) {
    SoftmaxState[] perHead = new SoftmaxState[shape.heads()];
    int qLo = qFirstPos + row0;
    int qHi = qLo + rows - 1;
    for (int h = 0; h < shape.heads(); h++) {
      SoftmaxState acc = SoftmaxState.identity(rows, shape.dv());
      QueryRows qr =
          new QueryRows(
              q,
              (row0 * shape.heads() + h) * shape.d(),
              shape.qkWidth(),
              rows,
              shape.d(),
              null,
              qLo);
      for (int k0 = 0; k0 < keys.n(); k0 += KEY_STEP) {
        int kn = Math.min(KEY_STEP, keys.n() - k0);
        int kLo = keys.firstPos() + k0;
        if (rows == 0 || band.allowsNone(qLo, qHi, kLo, kLo + kn - 1)) {
          continue;
        }
        KeyRows kr =
            new KeyRows(
                keys.k(),
                (k0 * shape.heads() + h) * shape.d(),
                shape.qkWidth(),
                keys.v(),
                (k0 * shape.heads() + h) * shape.dv(),
                shape.vWidth(),
                kn,
                shape.d(),
                shape.dv(),
                null,
                kLo,
                keyFlags,
                k0);
        backend.accumulate(qr, List.of(kr), band, scale, stats, acc);
      }
      perHead[h] = acc;
    }
    return perHead;
  }
}
