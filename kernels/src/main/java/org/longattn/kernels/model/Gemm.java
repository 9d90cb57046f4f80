package org.longattn.kernels.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Y = X·W + b over a block of token rows, single-threaded, with a register-blocked FMA micro-kernel
 * in the style of {@code kernels.cpu.TileKernels}: 4 rows × 4 vectors of columns (16 accumulators),
 * each step broadcasting one x value per row and loading 4 vectors of a packed W panel ({@link
 * PackedMatrix}). The panel (in × {@link #NR} floats) stays in L2 while it is streamed for every 4
 * rows of the block.
 *
 * <pre>
 *   y[yOff + r·ldy + c] = b[c] + Σ_k x[xOff + r·ldx + k]·W[k][c]     r < n, c < out
 * </pre>
 *
 * The sum runs over k in ascending order for every output (one FMA per k), so the result does not
 * depend on n or on the row's position in the block.
 */
public final class Gemm {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  static final int L = F.length();

  /** Columns per panel: 4 vectors. */
  public static final int NR = 4 * L;

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
          kernel4(
              x, xOff + r * ldx, ldx, w.in, w.data, wBase, w.bias, c0, y, yOff + r * ldy + c0, ldy);
        }
        for (; r < n; r++) {
          kernel1(x, xOff + r * ldx, w.in, w.data, wBase, w.bias, c0, y, yOff + r * ldy + c0);
        }
      } else {
        // last, partial panel: compute full vectors into a scratch row, copy the valid columns
        edge = edge == null ? new float[NR] : edge;
        for (int r = 0; r < n; r++) {
          kernel1(x, xOff + r * ldx, w.in, w.data, wBase, w.bias, c0, edge, 0);
          System.arraycopy(edge, 0, y, yOff + r * ldy + c0, cols);
        }
      }
    }
  }

  /** 4 rows × NR columns. */
  private static void kernel4(
      float[] x,
      int x0,
      int ldx,
      int in,
      float[] w,
      int wBase,
      float[] bias,
      int c0,
      float[] y,
      int y0,
      int ldy) {
    FloatVector b0 = FloatVector.fromArray(F, bias, c0);
    FloatVector b1 = FloatVector.fromArray(F, bias, c0 + L);
    FloatVector b2 = FloatVector.fromArray(F, bias, c0 + 2 * L);
    FloatVector b3 = FloatVector.fromArray(F, bias, c0 + 3 * L);
    FloatVector a00 = b0, a01 = b1, a02 = b2, a03 = b3;
    FloatVector a10 = b0, a11 = b1, a12 = b2, a13 = b3;
    FloatVector a20 = b0, a21 = b1, a22 = b2, a23 = b3;
    FloatVector a30 = b0, a31 = b1, a32 = b2, a33 = b3;
    int x1 = x0 + ldx;
    int x2 = x1 + ldx;
    int x3 = x2 + ldx;
    for (int k = 0; k < in; k++) {
      int wo = wBase + k * NR;
      FloatVector w0 = FloatVector.fromArray(F, w, wo);
      FloatVector w1 = FloatVector.fromArray(F, w, wo + L);
      FloatVector w2 = FloatVector.fromArray(F, w, wo + 2 * L);
      FloatVector w3 = FloatVector.fromArray(F, w, wo + 3 * L);
      FloatVector s = FloatVector.broadcast(F, x[x0 + k]);
      a00 = w0.fma(s, a00);
      a01 = w1.fma(s, a01);
      a02 = w2.fma(s, a02);
      a03 = w3.fma(s, a03);
      s = FloatVector.broadcast(F, x[x1 + k]);
      a10 = w0.fma(s, a10);
      a11 = w1.fma(s, a11);
      a12 = w2.fma(s, a12);
      a13 = w3.fma(s, a13);
      s = FloatVector.broadcast(F, x[x2 + k]);
      a20 = w0.fma(s, a20);
      a21 = w1.fma(s, a21);
      a22 = w2.fma(s, a22);
      a23 = w3.fma(s, a23);
      s = FloatVector.broadcast(F, x[x3 + k]);
      a30 = w0.fma(s, a30);
      a31 = w1.fma(s, a31);
      a32 = w2.fma(s, a32);
      a33 = w3.fma(s, a33);
    }
    a00.intoArray(y, y0);
    a01.intoArray(y, y0 + L);
    a02.intoArray(y, y0 + 2 * L);
    a03.intoArray(y, y0 + 3 * L);
    y0 += ldy;
    a10.intoArray(y, y0);
    a11.intoArray(y, y0 + L);
    a12.intoArray(y, y0 + 2 * L);
    a13.intoArray(y, y0 + 3 * L);
    y0 += ldy;
    a20.intoArray(y, y0);
    a21.intoArray(y, y0 + L);
    a22.intoArray(y, y0 + 2 * L);
    a23.intoArray(y, y0 + 3 * L);
    y0 += ldy;
    a30.intoArray(y, y0);
    a31.intoArray(y, y0 + L);
    a32.intoArray(y, y0 + 2 * L);
    a33.intoArray(y, y0 + 3 * L);
  }

  /** 1 row × NR columns (row tails and the last, partial panel). */
  private static void kernel1(
      float[] x, int x0, int in, float[] w, int wBase, float[] bias, int c0, float[] y, int y0) {
    FloatVector a0 = FloatVector.fromArray(F, bias, c0);
    FloatVector a1 = FloatVector.fromArray(F, bias, c0 + L);
    FloatVector a2 = FloatVector.fromArray(F, bias, c0 + 2 * L);
    FloatVector a3 = FloatVector.fromArray(F, bias, c0 + 3 * L);
    for (int k = 0; k < in; k++) {
      int wo = wBase + k * NR;
      FloatVector s = FloatVector.broadcast(F, x[x0 + k]);
      a0 = FloatVector.fromArray(F, w, wo).fma(s, a0);
      a1 = FloatVector.fromArray(F, w, wo + L).fma(s, a1);
      a2 = FloatVector.fromArray(F, w, wo + 2 * L).fma(s, a2);
      a3 = FloatVector.fromArray(F, w, wo + 3 * L).fma(s, a3);
    }
    a0.intoArray(y, y0);
    a1.intoArray(y, y0 + L);
    a2.intoArray(y, y0 + 2 * L);
    a3.intoArray(y, y0 + 3 * L);
  }
}
