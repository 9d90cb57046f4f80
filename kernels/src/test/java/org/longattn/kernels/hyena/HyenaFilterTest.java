package org.longattn.kernels.hyena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HyenaFilterTest {

  /** A lag's value does not depend on the segment that computes it (bitwise). */
  @Test
  void segmentsAgreeBitwise() {
    int n = 5000;
    HyenaFilter f = new HyenaFilter(42, 3, 2, 4, n);
    double[][] full = new double[8][n];
    f.segment(2, 0, n, full, 0);
    long[][] ranges = {{-10, 30}, {1023, 5}, {1500, 2100}, {4990, 40}, {-3000, 9000}};
    for (long[] r : ranges) {
      double[][] part = new double[8][(int) r[1] + 3];
      f.segment(2, r[0], (int) r[1], part, 3);
      for (int c = 0; c < 8; c++) {
        for (int i = 0; i < r[1]; i++) {
          long t = r[0] + i;
          double expected = t < 0 || t >= n ? 0 : full[c][(int) t];
          assertEquals(expected, part[c][3 + i], 0.0, "lag " + t + " channel " + c);
        }
      }
    }
  }

  /** Seeds and filter indices give different filters; a filter does not depend on the order. */
  @Test
  void seededAndIndependentOfOrder() {
    int n = 200;
    double[][] a = new double[2][n];
    double[][] b = new double[2][n];
    double[][] c = new double[2][n];
    new HyenaFilter(1, 2, 1, 2, n).segment(2, 0, n, a, 0);
    new HyenaFilter(1, 4, 1, 2, n).segment(2, 0, n, b, 0);
    new HyenaFilter(2, 2, 1, 2, n).segment(2, 0, n, c, 0);
    assertEquals(a[1][17], b[1][17], 0.0, "filter 2 is the same in orders 2 and 4");
    assertNotEquals(a[1][17], c[1][17], "another seed, another filter");
    double[][] f1 = new double[2][n];
    new HyenaFilter(1, 2, 1, 2, n).segment(1, 0, n, f1, 0);
    assertNotEquals(a[0][5], f1[0][5], "filters 1 and 2 differ");
  }

  /** The exponential window: the fastest channel decays to ≈ 1e-2 by 30 % of the length. */
  @Test
  void decays() {
    int n = 4000;
    int d = 8;
    HyenaFilter f = new HyenaFilter(7, 1, 1, d, n);
    double[][] h = new double[d][n];
    f.segment(1, 0, n, h, 0);
    double headFast = maxAbs(h[d - 1], 0, n / 10);
    double tailFast = maxAbs(h[d - 1], n * 3 / 10, n);
    double tailSlow = maxAbs(h[0], n * 3 / 10, n);
    assertTrue(headFast > 0.01, "non-trivial filter: " + headFast);
    assertTrue(tailFast < 0.02 * maxAbs(h[d - 1], 0, n), "fast channel decayed: " + tailFast);
    assertTrue(tailSlow > tailFast * 5, "slow channel decays slower");
  }

  @Test
  void rejectsBadShapes() {
    assertThrows(IllegalArgumentException.class, () -> new HyenaFilter(0, 0, 1, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new HyenaFilter(0, 1, 1, 1, 0));
    HyenaFilter f = new HyenaFilter(0, 2, 1, 1, 5);
    assertThrows(IllegalArgumentException.class, () -> f.segment(3, 0, 1, new double[1][1], 0));
  }

  private static double maxAbs(double[] a, int from, int to) {
    double m = 0;
    for (int i = from; i < to; i++) {
      m = Math.max(m, Math.abs(a[i]));
    }
    return m;
  }
}
