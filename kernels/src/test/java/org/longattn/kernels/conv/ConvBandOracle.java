package org.longattn.kernels.conv;

/**
 * The conv-band oracle: dense double precision with an explicit n × n mask, the formula written out
 * — Ã = QKᵀ∘M, Â_ij = Σ_k φ_k Ã_{i,j+k} (j+k inside the document), Ã ← Â∘M, N times, Y = ÃV. M: |i
 * − j| ≤ radius, dir 1 = causal (j ≤ i), 2 = anticausal (j ≥ i), padded rows and columns out. Token
 * rows head-major; returns y[i][h·dv + c].
 */
public final class ConvBandOracle {
  private ConvBandOracle() {}

  public static double[][] attend(
      float[] q,
      float[] k,
      float[] v,
      int n,
      int heads,
      int d,
      int dv,
      int radius,
      int dir,
      boolean[] padded,
      float[] phi,
      int iterations) {
    double[][] y = new double[n][heads * dv];
    int r2 = phi.length / 2;
    for (int h = 0; h < heads; h++) {
      boolean[][] mask = new boolean[n][n];
      double[][] a = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          mask[i][j] =
              Math.abs(i - j) <= radius
                  && (dir != 1 || j <= i)
                  && (dir != 2 || j >= i)
                  && !padded[i]
                  && !padded[j];
          if (mask[i][j]) {
            for (int c = 0; c < d; c++) {
              a[i][j] += (double) q[(i * heads + h) * d + c] * k[(j * heads + h) * d + c];
            }
          }
        }
      }
      for (int it = 0; it < iterations; it++) {
        double[][] b = new double[n][n];
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            for (int x = -r2; x <= r2 && mask[i][j]; x++) {
              if (j + x >= 0 && j + x < n) {
                b[i][j] += phi[x + r2] * a[i][j + x]; // a is 0 off the mask
              }
            }
          }
        }
        a = b;
      }
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          for (int c = 0; c < dv; c++) {
            y[i][h * dv + c] += a[i][j] * v[(j * heads + h) * dv + c];
          }
        }
      }
    }
    return y;
  }
}
