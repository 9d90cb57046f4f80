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

  /**
   * Features bigger than {@link #LARGE} (inputs beyond 2^64) would overflow S = Σ φ(k)vᵀ or φ(q)ᵀS:
   * then the block is scaled by the power of two 2^−e that brings its largest feature near 1
   * (exact), and shift = e·ln 2. Ordinary inputs are not touched (shift 0, the same bits as {@link
   * #apply}).
   */
  @Override
  public double applyKeys(
      float[] x, int xOff, int xStride, int n, float[] out, int outOff, int outStride) {
    apply(x, xOff, xStride, n, out, outOff, outStride);
    float max = 0f;
    for (int r = 0; r < n; r++) {
      max = Math.max(max, rowMax(out, outOff + r * outStride));
    }
    if (!(max > LARGE)) {
      return 0;
    }
    int e = Math.getExponent(max);
    for (int r = 0; r < n; r++) {
      scaleRow(out, outOff + r * outStride, -e);
    }
    return e * Math.log(2);
  }

  /** As {@link #applyKeys}, row by row (the factor cancels in the output ratio). */
  @Override
  public void applyQueries(
      float[] x, int xOff, int xStride, int n, float[] out, int outOff, int outStride) {
    apply(x, xOff, xStride, n, out, outOff, outStride);
    for (int r = 0; r < n; r++) {
      int o = outOff + r * outStride;
      float max = rowMax(out, o);
      if (max > LARGE) {
        scaleRow(out, o, -Math.getExponent(max));
      }
    }
  }

  /** 2^64: features above it are scaled down. */
  private static final float LARGE = 0x1p64f;

  private float rowMax(float[] a, int off) {
    float max = 0f;
    for (int c = 0; c < d; c++) {
      max = Math.max(max, a[off + c]);
    }
    return max;
  }

  private void scaleRow(float[] a, int off, int exponent) {
    for (int c = 0; c < d; c++) {
      a[off + c] = Math.scalb(a[off + c], exponent);
    }
  }
}
