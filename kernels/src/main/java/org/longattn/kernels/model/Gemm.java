package org.longattn.kernels.model;

import org.longattn.kernels.vectorization.FloatOps;

/**
 * Y = X·W + b over a block of token rows, single-threaded, with a register-blocked FMA micro-kernel
 * ({@link FloatOps#gemm4x4}, the one the attention tiles use): 4 rows × 4 vectors of columns (16
 * accumulators), each step broadcasting one x value per row and loading 4 vectors of a packed W
 * panel ({@link PackedMatrix}); the accumulators start from the bias. The panel (in × {@link #NR}
 * floats) stays in L2 while it is streamed for every 4 rows of the block.
 *
 * <pre>
 *   y[yOff + r·ldy + c] = b[c] + Σ_k x[xOff + r·ldx + k]·W[k][c]     r < n, c < out
 * </pre>
 *
 * The sum runs over k in ascending order for every output (one FMA per k), so the result does not
 * depend on n or on the row's position in the block.
 */
public final class Gemm {
  private static final FloatOps OPS = FloatOps.get();

  /** Columns per panel: 4 vectors. */
  public static final int NR = 4 * OPS.lanes();

  private Gemm() {}

  /** y ← X·W + b for n rows (see the class comment for the layout). */
  public static void multiply(
      float[] x, int xOff, int ldx, int n, PackedMatrix w, float[] y, int yOff, int ldy) {
    if (n <= 0) {
      return;
    }
    if (ldx < w.in || ldy < w.out) {
      throw new IllegalArgumentException("row strides smaller than the matrix");
    }
    if ((long) xOff + (long) (n - 1) * ldx + w.in > x.length
        || (long) yOff + (long) (n - 1) * ldy + w.out > y.length) {
      throw new IllegalArgumentException("rows out of range");
    }
    float[] edge = null;
    for (int p = 0; p < w.panels; p++) {
      int c0 = p * NR;
      int wBase = p * w.in * NR;
      int cols = Math.min(NR, w.out - c0);
      if (cols == NR) {
        int r = 0;
        for (; r + 4 <= n; r += 4) {
          int y0 = yOff + r * ldy + c0;
          for (int i = 0; i < 4; i++) {
            System.arraycopy(w.bias, c0, y, y0 + i * ldy, NR);
          }
          OPS.gemm4x4(w.in, x, xOff + r * ldx, ldx, 1, w.data, wBase, NR, y, y0, ldy, true);
        }
        for (; r < n; r++) {
          int y0 = yOff + r * ldy + c0;
          System.arraycopy(w.bias, c0, y, y0, NR);
          OPS.gemm1x4(w.in, x, xOff + r * ldx, 1, w.data, wBase, NR, y, y0, true);
        }
      } else {
        // last, partial panel: compute full vectors into a scratch row, copy the valid columns
        edge = edge == null ? new float[NR] : edge;
        for (int r = 0; r < n; r++) {
          System.arraycopy(w.bias, c0, edge, 0, NR);
          OPS.gemm1x4(w.in, x, xOff + r * ldx, 1, w.data, wBase, NR, edge, 0, true);
          System.arraycopy(edge, 0, y, yOff + r * ldy + c0, cols);
        }
      }
    }
  }
}
