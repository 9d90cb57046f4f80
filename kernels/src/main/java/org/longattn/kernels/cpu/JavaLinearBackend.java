package org.longattn.kernels.cpu;

import org.longattn.kernels.LinearAttentionBackend;

/** {@code java}: {@link LinearKernels} (Vector API). Stateless: one instance serves all threads. */
public final class JavaLinearBackend implements LinearAttentionBackend {
  public static final JavaLinearBackend INSTANCE = new JavaLinearBackend();

  private JavaLinearBackend() {}

  @Override
  public String name() {
    return "java";
  }

  @Override
  public String device() {
    return "cpu (" + org.longattn.kernels.vectorization.FloatOps.get().description() + ")";
  }

  @Override
  public void accumulate(
      float[] phi,
      int pOff,
      int pStride,
      float[] v,
      int vOff,
      int vStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z) {
    LinearKernels.accumulate(phi, pOff, pStride, v, vOff, vStride, n, m, dv, s, z);
  }

  @Override
  public void apply(
      float[] phi,
      int pOff,
      int pStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z,
      float[] out,
      int oOff,
      int oStride) {
    LinearKernels.apply(phi, pOff, pStride, n, m, dv, s, z, out, oOff, oStride);
  }

  @Override
  public void applyCausal(
      float[] phi,
      int pOff,
      int pStride,
      float[] psi,
      int kOff,
      int kStride,
      float[] v,
      int vOff,
      int vStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z,
      float[] out,
      int oOff,
      int oStride) {
    LinearKernels.applyCausal(
        phi, pOff, pStride, psi, kOff, kStride, v, vOff, vStride, n, m, dv, s, z, out, oOff,
        oStride);
  }

  @Override
  public void close() {}
}
