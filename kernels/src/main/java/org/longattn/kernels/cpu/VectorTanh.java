package org.longattn.kernels.cpu;

import static org.longattn.kernels.cpu.TileKernels.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * tanh of a float vector from IEEE operations only (add, mul, fma, div, compare, blend) and {@link
 * TileSoftmax#exp2}, so it gives the same bits interpreted, under C1 and under C2. The Vector API's
 * own {@code TANH} does not: C2 calls a vector math library (SVML) while the interpreter and C1
 * call {@link Math#tanh} lane by lane, so scores changed with JIT tiering.
 *
 * <p>The formulas are Cephes' {@code tanhf} (S. Moshier): for |x| < 0.625 the odd polynomial x +
 * x³·P(x²); otherwise sign(x)·(1 − 2/(e^(2|x|) + 1)) with |x| clamped to 10 (tanh(10) rounds to 1).
 * Absolute error below 4e-7 over the float range.
 */
final class VectorTanh {
  private static final float P0 = -5.70498872745e-3f;
  private static final float P1 = 2.06390887954e-2f;
  private static final float P2 = -5.37397155531e-2f;
  private static final float P3 = 1.33314422036e-1f;
  private static final float P4 = -3.33332819422e-1f;
  private static final float SMALL = 0.625f;
  private static final float CLAMP = 10f;
  private static final float TWO_LOG2E = 2.8853900817779268f; // 2·log2 e

  private VectorTanh() {}

  static FloatVector tanh(FloatVector x) {
    FloatVector a = x.abs();
    FloatVector s = x.mul(x);
    FloatVector poly =
        s.fma(P0, P1)
            .fma(s, FloatVector.broadcast(F, P2))
            .fma(s, FloatVector.broadcast(F, P3))
            .fma(s, FloatVector.broadcast(F, P4))
            .mul(s)
            .fma(x, x);
    FloatVector e = TileSoftmax.exp2(a.min(CLAMP).mul(TWO_LOG2E));
    FloatVector big = FloatVector.broadcast(F, 1f).sub(FloatVector.broadcast(F, 2f).div(e.add(1f)));
    VectorMask<Float> negative = x.compare(VectorOperators.LT, 0f);
    big = big.blend(big.neg(), negative);
    return big.blend(poly, a.compare(VectorOperators.LT, SMALL));
  }
}
