package org.longattn.kernels.feature;

import org.longattn.kernels.cpu.LinearKernels;

/**
 * φ(x) = elu(x) + 1 element-wise (Katharopoulos et al. 2020, "Transformers are RNNs"): x + 1 for x
 * &gt; 0 and e^x for x ≤ 0 (elu(x) + 1 = e^x − 1 + 1, computed as e^x so small features keep their
 * relative precision; vectorised by {@link LinearKernels#eluPlusOne}, relative error ≈ 2e-7 plus
 * the rounding of x·log2 e). m = d; every feature is &gt; 0 unless e^x underflows (x &lt; −86.6).
 */
public final class EluPlusOne implements FeatureMap {
  private final int d;

  public EluPlusOne(int d) {
    if (d < 1) {
      throw new IllegalArgumentException("d must be >= 1: " + d);
    }
    this.d = d;
  }

  @Override
  public int inputDim() {
    return d;
  }

  @Override
  public int featureDim() {
    return d;
  }

  @Override
  public void apply(
      float[] x, int xOff, int xStride, int n, float[] out, int outOff, int outStride) {
    FlatRows.check(x, xOff, xStride, n, d, "input");
    FlatRows.check(out, outOff, outStride, n, d, "output");
    LinearKernels.eluPlusOne(x, xOff, xStride, n, d, out, outOff, outStride);
  }
}
