package org.longattn.kernels.model;

import org.longattn.kernels.vectorization.FloatOps;

/**
 * The element-wise and per-row stages of the encoder, vectorised over the hidden dimension ({@link
 * FloatOps}): rows are contiguous, {@code h} floats each.
 */
public final class RowOps {
  private static final FloatOps OPS = FloatOps.get();

  private RowOps() {}

  /**
   * Residual + LayerNorm of n rows, in place in {@code x}: z = a + x, x ← γ·(z − μ)/√(σ² + ε) + β
   * with μ and σ² (biased) over the row's h values, as BERT's post-LayerNorm. Row r of x starts at
   * {@code xOff + r·h}, of a at {@code aOff + r·h} ({@code a} may be null: no residual).
   */
  public static void addLayerNorm(
      float[] a,
      int aOff,
      float[] x,
      int xOff,
      int n,
      int h,
      float[] gamma,
      float[] beta,
      float eps) {
    OPS.addLayerNorm(a, aOff, x, xOff, n, h, gamma, beta, eps);
  }

  /** GELU, exact (erf) form as BERT and its ONNX export use: x ← ½·x·(1 + erf(x/√2)). */
  public static void gelu(float[] x, int off, int len) {
    OPS.gelu(x, off, len);
  }

  /** erf, the approximation {@link #gelu} uses ({@link FloatOps#erf}, max abs error 4.2e-7). */
  static float erf(float v) {
    return FloatOps.erf(v);
  }
}
