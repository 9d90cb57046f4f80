package org.longattn.kernels.linear;

import java.nio.ByteBuffer;
import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.cpu.JavaLinearBackend;
import org.longattn.kernels.feature.FeatureMap;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;
import org.longattn.kernels.state.LinearState;

/**
 * {@code linear} (φ = elu + 1) and {@code performer} (φ = FAVOR+ features): state (S, z) = (Σ
 * φ(k)vᵀ, Σ φ(k)), out = φ(q)ᵀS / φ(q)ᵀz over all keys (non-causal) or keys j ≤ i (causal, {@link
 * LinearState#applyCausal} inside the block).
 */
public final class FeatureLinearFamily implements LinearFamily<LinearState> {
  private final HeadShape shape;
  private final FeatureMap[] maps;
  private final boolean causal;
  private final int m;
  private final LinearAttentionBackend backend;

  /** {@code maps[h]} is head h's feature map (all of the same feature width). */
  public FeatureLinearFamily(
      HeadShape shape, FeatureMap[] maps, boolean causal, LinearAttentionBackend backend) {
    this.shape = shape;
    this.backend = backend;
    this.maps = maps;
    this.causal = causal;
    this.m = maps[0].featureDim();
  }

  @Override
  public boolean causal() {
    return causal;
  }

  @Override
  public int valueRowWidth() {
    return shape.vWidth();
  }

  @Override
  public LinearState identity(int head) {
    return LinearState.identity(m, shape.dv());
  }

  @Override
  public LinearState blockState(TokenBlock b, int head) {
    float[] phiK = new float[b.n() * m];
    double shift =
        maps[head].applyKeys(b.k(), head * shape.d(), shape.qkWidth(), b.n(), phiK, 0, m);
    LinearState st = LinearState.identity(m, shape.dv());
    st.accumulate(backend, phiK, 0, m, b.v(), head * shape.dv(), shape.vWidth(), b.n(), shift);
    return st;
  }

  @Override
  public LinearState combine(LinearState earlier, LinearState later) {
    return LinearState.merge(earlier, later);
  }

  @Override
  public void output(LinearState state, TokenBlock b, int head, float[] out, int firstRow) {
    int d = shape.d();
    int dv = shape.dv();
    int vw = shape.vWidth();
    float[] phiQ = new float[b.n() * m];
    maps[head].applyQueries(b.q(), head * d, shape.qkWidth(), b.n(), phiQ, 0, m);
    int outOff = firstRow * vw + head * dv;
    if (causal) {
      float[] phiK = new float[b.n() * m];
      double shift = maps[head].applyKeys(b.k(), head * d, shape.qkWidth(), b.n(), phiK, 0, m);
      state.applyCausal(
          JavaLinearBackend.INSTANCE,
          phiQ,
          0,
          m,
          phiK,
          0,
          m,
          shift,
          b.v(),
          head * dv,
          vw,
          b.n(),
          out,
          outOff,
          vw);
    } else {
      state.apply(backend, phiQ, 0, m, b.n(), out, outOff, vw);
    }
  }

  @Override
  public int byteSize() {
    return identity(0).byteSize();
  }

  @Override
  public void write(LinearState state, ByteBuffer buf) {
    state.writeTo(buf);
  }

  @Override
  public LinearState read(ByteBuffer buf) {
    return LinearState.readFrom(buf);
  }
}
