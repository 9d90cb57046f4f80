package org.longattn.kernels.feature;

import org.longattn.kernels.QueryRows;

/**
 * A feature map φ: R^d → R^m with positive values, applied row by row, for linear attention: the
 * kernel φ(q)·φ(k) stands in for the softmax weight, so attention becomes φ(q)ᵀ(Σ φ(k)vᵀ) / φ(q)ᵀ(Σ
 * φ(k)) and keys can be summed into a state before any query is seen (DESIGN §3).
 *
 * <p>Input row r is {@code x[xOff + r·xStride .. + inputDim())}, output row r is {@code out[outOff
 * + r·outStride .. + featureDim())} (flat row-major, see {@link FlatRows}). The same map is applied
 * to queries and keys; implementations are immutable values, so one instance can be shared by every
 * task of a job.
 */
public interface FeatureMap {

  /** d, the width of an input row. */
  int inputDim();

  /** m, the width of a feature row. */
  int featureDim();

  /** out row r = φ(x row r) for r &lt; n. */
  void apply(float[] x, int xOff, int xStride, int n, float[] out, int outOff, int outStride);

  /**
   * Key features of one block, all scaled by one common factor e^(−shift) so that they and the sums
   * they enter stay in float range: out row r = e^(−shift)·φ(x row r). The factor must depend on
   * the block's rows only (never on partitioning); states carry it ({@code LinearState}) and
   * rescale when they merge. Default: no scaling, shift 0.
   *
   * @return shift, the natural log of the factor taken out
   */
  default double applyKeys(
      float[] x, int xOff, int xStride, int n, float[] out, int outOff, int outStride) {
    apply(x, xOff, xStride, n, out, outOff, outStride);
    return 0;
  }

  /**
   * Query features, each row times its own positive factor (it cancels in φ(q)ᵀS / φ(q)ᵀz), chosen
   * to keep the row and its products with a state in float range. Default: {@link #apply}.
   */
  default void applyQueries(
      float[] x, int xOff, int xStride, int n, float[] out, int outOff, int outStride) {
    apply(x, xOff, xStride, n, out, outOff, outStride);
  }

  /** φ of n rows, returned contiguous (n × m, row-major). */
  default float[] apply(float[] x, int xOff, int xStride, int n) {
    float[] out = new float[n * featureDim()];
    apply(x, xOff, xStride, n, out, 0, featureDim());
    return out;
  }

  /** φ of every row of {@code rows} (positions are not read), contiguous n × m. */
  default float[] apply(QueryRows rows) {
    if (rows.d() != inputDim()) {
      throw new IllegalArgumentException("rows are " + rows.d() + " wide, map wants " + inputDim());
    }
    return apply(rows.q(), rows.off(), rows.stride(), rows.n());
  }
}
