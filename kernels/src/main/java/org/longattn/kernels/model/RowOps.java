package org.longattn.kernels.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise and per-row stages of the encoder, vectorised over the hidden dimension: rows
 * are contiguous, {@code h} floats each.
 */
public final class RowOps {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

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
    int vh = F.loopBound(h);
    for (int r = 0; r < n; r++) {
      int o = xOff + r * h;
      if (a != null) {
        int ao = aOff + r * h;
        int c = 0;
        for (; c < vh; c += F.length()) {
          FloatVector.fromArray(F, x, o + c)
              .add(FloatVector.fromArray(F, a, ao + c))
              .intoArray(x, o + c);
        }
        for (; c < h; c++) {
          x[o + c] += a[ao + c];
        }
      }
      FloatVector acc = FloatVector.zero(F);
      int c = 0;
      for (; c < vh; c += F.length()) {
        acc = acc.add(FloatVector.fromArray(F, x, o + c));
      }
      float sum = acc.reduceLanes(VectorOperators.ADD);
      for (; c < h; c++) {
        sum += x[o + c];
      }
      float mean = sum / h;
      FloatVector m = FloatVector.broadcast(F, mean);
      acc = FloatVector.zero(F);
      for (c = 0; c < vh; c += F.length()) {
        FloatVector d = FloatVector.fromArray(F, x, o + c).sub(m);
        acc = d.fma(d, acc);
      }
      float sq = acc.reduceLanes(VectorOperators.ADD);
      for (; c < h; c++) {
        float d = x[o + c] - mean;
        sq += d * d;
      }
      float inv = (float) (1.0 / Math.sqrt(sq / h + eps));
      FloatVector iv = FloatVector.broadcast(F, inv);
      for (c = 0; c < vh; c += F.length()) {
        FloatVector.fromArray(F, x, o + c)
            .sub(m)
            .mul(iv)
            .fma(FloatVector.fromArray(F, gamma, c), FloatVector.fromArray(F, beta, c))
            .intoArray(x, o + c);
      }
      for (; c < h; c++) {
        x[o + c] = (x[o + c] - mean) * inv * gamma[c] + beta[c];
      }
    }
  }

  /** GELU, exact (erf) form as BERT and its ONNX export use: x ← ½·x·(1 + erf(x/√2)). */
  public static void gelu(float[] x, int off, int len) {
    FloatVector half = FloatVector.broadcast(F, 0.5f);
    FloatVector one = FloatVector.broadcast(F, 1f);
    FloatVector invSqrt2 = FloatVector.broadcast(F, (float) (1 / Math.sqrt(2)));
    int end = off + len;
    int i = off;
    for (; i + F.length() <= end; i += F.length()) {
      FloatVector v = FloatVector.fromArray(F, x, i);
      erf(v.mul(invSqrt2)).add(one).mul(v).mul(half).intoArray(x, i);
    }
    for (; i < end; i++) {
      x[i] = 0.5f * x[i] * (1f + erf(x[i] * (float) (1 / Math.sqrt(2))));
    }
  }

  // erf(x) ≈ x·P(x²)/Q(x²) on [−4, 4] (clamped outside, where |erf| rounds to 1 in float):
  // the rational approximation of Eigen's generic_fast_erf_float, max abs error 4.2e-7.
  private static final float A1 = -1.60960333262415e-02f;
  private static final float A3 = -2.95459980854025e-03f;
  private static final float A5 = -7.34990630326855e-04f;
  private static final float A7 = -5.69250639462346e-05f;
  private static final float A9 = -2.10102402082508e-06f;
  private static final float A11 = 2.77068142495902e-08f;
  private static final float A13 = -2.72614225801306e-10f;
  private static final float B0 = -1.42647390514189e-02f;
  private static final float B2 = -7.37332916720468e-03f;
  private static final float B4 = -1.68282697438203e-03f;
  private static final float B6 = -2.13374055278905e-04f;
  private static final float B8 = -1.45660718464996e-05f;

  /** erf of every lane (rational approximation, max abs error 4.2e-7). */
  static FloatVector erf(FloatVector v) {
    FloatVector x = v.min(4f).max(-4f);
    FloatVector x2 = x.mul(x);
    FloatVector p = x2.fma(A13, A11);
    p = p.fma(x2, FloatVector.broadcast(F, A9));
    p = p.fma(x2, FloatVector.broadcast(F, A7));
    p = p.fma(x2, FloatVector.broadcast(F, A5));
    p = p.fma(x2, FloatVector.broadcast(F, A3));
    p = p.fma(x2, FloatVector.broadcast(F, A1));
    p = p.mul(x);
    FloatVector q = x2.fma(B8, B6);
    q = q.fma(x2, FloatVector.broadcast(F, B4));
    q = q.fma(x2, FloatVector.broadcast(F, B2));
    q = q.fma(x2, FloatVector.broadcast(F, B0));
    return p.div(q);
  }

  /** Scalar erf, the same approximation as {@link #erf(FloatVector)}. */
  static float erf(float v) {
    float x = Math.max(-4f, Math.min(4f, v));
    float x2 = x * x;
    float p = Math.fma(x2, A13, A11);
    p = Math.fma(p, x2, A9);
    p = Math.fma(p, x2, A7);
    p = Math.fma(p, x2, A5);
    p = Math.fma(p, x2, A3);
    p = Math.fma(p, x2, A1);
    p *= x;
    float q = Math.fma(x2, B8, B6);
    q = Math.fma(q, x2, B4);
    q = Math.fma(q, x2, B2);
    q = Math.fma(q, x2, B0);
    return p / q;
  }
}
