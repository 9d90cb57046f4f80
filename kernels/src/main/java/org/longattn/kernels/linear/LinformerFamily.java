package org.longattn.kernels.linear;

import java.nio.ByteBuffer;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;
import org.longattn.kernels.state.LinformerProjection;

/**
 * {@code linformer} ({@link LinformerProjection}): K' = Σ_b E_b K_b, V' = Σ_b F_b V_b (rank rows),
 * out_i = softmax(q_i K'ᵀ/√d) V'. Non-causal only: the projection mixes every position.
 */
public final class LinformerFamily implements LinearFamily<LinformerProjection> {
  private final HeadShape shape;
  private final long[] seeds;
  private final int rank;
  private final float scale;

  /** {@code seeds[h]} seeds head h's E and F. */
  public LinformerFamily(HeadShape shape, long[] seeds, int rank) {
    this.shape = shape;
    this.seeds = seeds;
    this.rank = rank;
    this.scale = (float) (1 / Math.sqrt(shape.d()));
  }

  @Override
  public boolean causal() {
    return false;
  }

  @Override
  public int valueRowWidth() {
    return shape.vWidth();
  }

  @Override
  public LinformerProjection identity(int head) {
    return LinformerProjection.identity(seeds[head], rank, shape.d(), shape.dv());
  }

  @Override
  public LinformerProjection blockState(TokenBlock b, int head) {
    LinformerProjection p = LinformerProjection.identity(seeds[head], rank, shape.d(), shape.dv());
    p.accumulate(
        b.k(),
        head * shape.d(),
        shape.qkWidth(),
        b.v(),
        head * shape.dv(),
        shape.vWidth(),
        b.n(),
        b.firstPos());
    return p;
  }

  @Override
  public LinformerProjection combine(LinformerProjection earlier, LinformerProjection later) {
    return LinformerProjection.merge(earlier, later);
  }

  @Override
  public void output(LinformerProjection state, TokenBlock b, int head, float[] out, int firstRow) {
    int vw = shape.vWidth();
    state.attend(
        b.q(),
        head * shape.d(),
        shape.qkWidth(),
        b.n(),
        scale,
        out,
        firstRow * vw + head * shape.dv(),
        vw);
  }

  @Override
  public int byteSize() {
    return identity(0).byteSize();
  }

  @Override
  public void write(LinformerProjection state, ByteBuffer buf) {
    state.writeTo(buf);
  }

  @Override
  public LinformerProjection read(ByteBuffer buf) {
    return LinformerProjection.readFrom(buf);
  }
}
