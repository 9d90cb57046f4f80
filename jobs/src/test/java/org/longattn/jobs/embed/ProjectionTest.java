package org.longattn.jobs.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.longattn.datasets.InputException;

/** {@link Projection} against a plain double-precision oracle. */
class ProjectionTest {
  /**
   * Oracle: x = e + PE(pos), PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(same);
   * out[c] = Σ_i x[i] · w[i][c], all in double.
   */
  static double[] oracle(float[] e, int pos, float[] w, int d, int cols) {
    double[] x = new double[d];
    for (int i = 0; i < d; i++) {
      double angle = pos / Math.pow(10000.0, (2 * (i / 2)) / (double) d);
      x[i] = (e == null ? 0 : e[i]) + (i % 2 == 0 ? Math.sin(angle) : Math.cos(angle));
    }
    double[] out = new double[cols];
    for (int c = 0; c < cols; c++) {
      for (int i = 0; i < d; i++) {
        out[c] += x[i] * w[i * cols + c];
      }
    }
    return out;
  }

  /**
   * fp32 output of a double sum: one rounding (2^-24 relative) plus the difference between
   * StrictMath and Math sin/cos at large angles (≤ 1e-12 absolute); 1e-6 of the sum of |terms|
   * bounds both with room.
   */
  static void assertClose(double[] expected, float[] actual, float[] e, int pos, float[] w, int d) {
    assertEquals(expected.length, actual.length);
    int cols = expected.length;
    for (int c = 0; c < cols; c++) {
      double scale = 0;
      for (int i = 0; i < d; i++) {
        scale += (Math.abs(e == null ? 0 : e[i]) + 1) * Math.abs(w[i * cols + c]);
      }
      double tol = 1e-6 * scale + 1e-30;
      assertTrue(
          Math.abs(expected[c] - actual[c]) <= tol,
          "pos " + pos + " col " + c + ": " + actual[c] + " vs " + expected[c]);
    }
  }

  @Test
  void matchesOracleOnAwkwardSizes() {
    int[][] shapes = {{1, 1, 1, 1}, {7, 2, 3, 5}, {65, 3, 7, 2}, {16, 4, 16, 16}};
    for (int[] s : shapes) {
      int d = s[0];
      int h = s[1];
      int hd = s[2];
      int dv = s[3];
      float[] wq = NpyFiles.values(d * h * hd, 1);
      float[] wk = NpyFiles.values(d * h * hd, 2);
      float[] wv = NpyFiles.values(d * h * dv, 3);
      Projection p = new Projection(d, h, hd, dv, wq, wk, wv);
      double[] x = new double[d];
      for (int pos : new int[] {0, 1, 2, 63, 517, 99_999, 1_048_575}) {
        float[] e = pos % 2 == 0 ? NpyFiles.values(d, pos) : null; // odd: out of vocabulary
        p.input(e, pos, x);
        assertClose(oracle(e, pos, wq, d, h * hd), p.query(x), e, pos, wq, d);
        assertClose(oracle(e, pos, wk, d, h * hd), p.key(x), e, pos, wk, d);
        assertClose(oracle(e, pos, wv, d, h * dv), p.value(x), e, pos, wv, d);
      }
    }
  }

  @Test
  void positionZeroIsSinCosOfZero() {
    int d = 6;
    float[] id = new float[d * d];
    for (int i = 0; i < d; i++) {
      id[i * d + i] = 1;
    }
    Projection p = new Projection(d, 1, d, d, id, id, id);
    double[] x = new double[d];
    p.input(null, 0, x);
    assertArrayEquals(new double[] {0, 1, 0, 1, 0, 1}, x);
    p.input(new float[] {1, 2, 3, 4, 5, 6}, 100, x);
    assertEquals(1 + Math.sin(100), x[0], 1e-12);
    assertEquals(4 + Math.cos(100 / Math.pow(10000, 2.0 / 6)), x[3], 1e-12);
    assertArrayEquals(
        new float[] {
          (float) x[0], (float) x[1], (float) x[2], (float) x[3], (float) x[4], (float) x[5]
        },
        p.query(x));
  }

  @Test
  void seededMatricesAreReproducibleAndScaled() {
    Projection a = Projection.seeded(64, 2, 32, 16, 42);
    Projection b = Projection.seeded(64, 2, 32, 16, 42);
    Projection c = Projection.seeded(64, 2, 32, 16, 43);
    double[] x = new double[64];
    a.input(null, 5, x);
    assertArrayEquals(a.query(x), b.query(x));
    assertArrayEquals(a.value(x), b.value(x));
    assertFalse(Arrays.equals(a.query(x), c.query(x)));
    assertFalse(Arrays.equals(a.query(x), a.key(x)), "Wq and Wk are different draws");
    assertEquals(32, a.value(x).length);
    // entries N(0, 1/d): |x|² = d/2 · (sin² + cos²) = 32, so E|q_c|² = 32/64 = 0.5
    float[] q = a.query(x);
    double ms = 0;
    for (float v : q) {
      ms += v * v;
    }
    ms /= q.length;
    assertTrue(ms > 0.2 && ms < 1.0, "mean square " + ms);
  }

  @Test
  void wrongShapeNamesFileAndShape() {
    NpyMatrix ok = new NpyMatrix(4, 6, new float[24]);
    NpyMatrix bad = new NpyMatrix(4, 5, new float[20]);
    InputException e =
        assertThrows(
            InputException.class,
            () ->
                Projection.of(
                    4,
                    2,
                    3,
                    3,
                    new Projection.NamedMatrix("w/wq.npy", ok),
                    new Projection.NamedMatrix("w/wk.npy", bad),
                    new Projection.NamedMatrix("w/wv.npy", ok)));
    assertEquals(
        "weights file 'w/wk.npy': shape (4, 5) but expected (4, 6) = (vector size, heads × head_dim)",
        e.getMessage());
    float[] nan = new float[24];
    nan[7] = Float.NaN;
    e =
        assertThrows(
            InputException.class,
            () ->
                Projection.of(
                    4,
                    2,
                    3,
                    3,
                    new Projection.NamedMatrix("w/wq.npy", new NpyMatrix(4, 6, nan)),
                    new Projection.NamedMatrix("w/wk.npy", ok),
                    new Projection.NamedMatrix("w/wv.npy", ok)));
    assertEquals("weights file 'w/wq.npy': value at (1, 1) is NaN", e.getMessage());
  }
}
