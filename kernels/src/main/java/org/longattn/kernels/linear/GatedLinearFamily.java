package org.longattn.kernels.linear;

import java.nio.ByteBuffer;
import org.longattn.kernels.feature.GateProjection;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;
import org.longattn.kernels.state.GatedState;

/**
 * {@code gated-linear} (GLA, {@link GatedState}): S_t = diag(e^{g_t})S_{t−1} + k_t v_tᵀ, o_t =
 * S_tᵀq_t. Causal by definition (the recurrence): a block's outputs read the exclusive prefix.
 *
 * <p>Log-gates come from the {@code gate} column, carried after the values in each v row (heads·dv
 * values, then heads·d gates), or — without the column — from {@link GateProjection} of k with one
 * seeded matrix per head.
 */
public final class GatedLinearFamily implements LinearFamily<GatedState> {
  private final HeadShape shape;
  private final boolean gateColumn;
  private final GateProjection[] projections;

  public GatedLinearFamily(HeadShape shape, boolean gateColumn, GateProjection[] projections) {
    this.shape = shape;
    this.gateColumn = gateColumn;
    this.projections = projections;
  }

  @Override
  public boolean causal() {
    return true;
  }

  @Override
  public int valueRowWidth() {
    return shape.vWidth() + (gateColumn ? shape.qkWidth() : 0);
  }

  @Override
  public GatedState identity(int head) {
    return GatedState.identity(shape.d(), shape.dv());
  }

  /** Flat rows: row r is {@code a[off + r·stride .. + width)}. */
  private record Rows(float[] a, int off, int stride) {}

  /** Head {@code head}'s log-gate rows of the block. */
  private Rows gates(TokenBlock b, int head) {
    int d = shape.d();
    if (gateColumn) {
      return new Rows(b.v(), shape.vWidth() + head * d, valueRowWidth());
    }
    float[] g = new float[b.n() * d];
    projections[head].apply(b.k(), head * d, shape.qkWidth(), b.n(), g, 0, d);
    return new Rows(g, 0, d);
  }

  @Override
  public GatedState blockState(TokenBlock b, int head) {
    Rows g = gates(b, head);
    return GatedState.ofBlock(
        b.k(),
        head * shape.d(),
        shape.qkWidth(),
        b.v(),
        head * shape.dv(),
        valueRowWidth(),
        g.a(),
        g.off(),
        g.stride(),
        b.n(),
        shape.d(),
        shape.dv());
  }

  @Override
  public GatedState combine(GatedState earlier, GatedState later) {
    return GatedState.compose(earlier, later);
  }

  @Override
  public void output(GatedState state, TokenBlock b, int head, float[] out, int firstRow) {
    Rows g = gates(b, head);
    int d = shape.d();
    int vw = shape.vWidth();
    state.apply(
        b.q(),
        head * d,
        shape.qkWidth(),
        b.k(),
        head * d,
        shape.qkWidth(),
        b.v(),
        head * shape.dv(),
        valueRowWidth(),
        g.a(),
        g.off(),
        g.stride(),
        b.n(),
        out,
        firstRow * vw + head * shape.dv(),
        vw);
  }

  @Override
  public int byteSize() {
    return identity(0).byteSize();
  }

  @Override
  public void write(GatedState state, ByteBuffer buf) {
    state.writeTo(buf);
  }

  @Override
  public GatedState read(ByteBuffer buf) {
    return GatedState.readFrom(buf);
  }
}
