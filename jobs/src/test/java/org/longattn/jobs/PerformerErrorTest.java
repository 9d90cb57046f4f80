package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;

/**
 * Performer (FAVOR+) against exact softmax attention on data made by the {@code generate} command,
 * through the CLI: one 512-token document, 1 head, d = dv = 16, no needles (q, k, v entries N(0,
 * 1), so softmax scores q·k/√d are ≈ N(0, 1)). Error per query |o − o_exact|₂ / |o_exact|₂,
 * averaged over the queries, exact softmax in double.
 *
 * <p>Stated bound for m = 256: mean relative error &lt; 2.0; measured 1.33 with these seeds (m =
 * 16: 1.49; the uniform average of v, as a baseline: 0.77, better than FAVOR+ here). That is the
 * estimator's variance, not rounding (the job matches the dense FAVOR+ formula to 1e-5,
 * LinearAttendEndToEndTest): it grows like e^{(|q|² + |k|²)/√d}, and unit-variance q, k are far
 * outside the regime where FAVOR+ is accurate — FeatureMapTest measures 0.054 at d = 64 with q, k ~
 * N(0, 0.25²). So performer needs small |q|, |k| (normalised inputs); this test pins the behaviour
 * on the generator's data and requires that more features help (m = 256 beats m = 16).
 */
class PerformerErrorTest {
  @TempDir static Path tmp;

  static final int N = 512;
  static final int D = 16;

  @Test
  void performerApproximatesExactSoftmaxOnGeneratedData() {
    String in = tmp.resolve("tokens").toString();
    CliRunner.Result g =
        CliRunner.run(
            "generate",
            "--output",
            in,
            "--docs",
            "1",
            "--tokens",
            String.valueOf(N),
            "--heads",
            "1",
            "--head-dim",
            String.valueOf(D),
            "--needles",
            "0",
            "--seed",
            "4",
            "--global-fraction",
            "0");
    assertEquals(0, g.code(), g.err());
    float[][] q = new float[N][];
    float[][] k = new float[N][];
    float[][] v = new float[N][];
    for (Row r : SparkTestSession.get().read().parquet(in).collectAsList()) {
      int pos = r.getInt(r.fieldIndex("pos"));
      q[pos] = floats(r.getList(r.fieldIndex("q")));
      k[pos] = floats(r.getList(r.fieldIndex("k")));
      v[pos] = floats(r.getList(r.fieldIndex("v")));
    }
    double[][] exact = softmax(q, k, v);
    double e256 = meanRelativeError(in, 256, exact);
    double e16 = meanRelativeError(in, 16, exact);
    double uniform = 0; // baseline: every query gets the mean of v
    double[] mean = new double[D];
    for (float[] row : v) {
      for (int c = 0; c < D; c++) {
        mean[c] += row[c] / (double) N;
      }
    }
    for (double[] e : exact) {
      double err = 0;
      double norm = 0;
      for (int c = 0; c < D; c++) {
        err += (mean[c] - e[c]) * (mean[c] - e[c]);
        norm += e[c] * e[c];
      }
      uniform += Math.sqrt(err / norm) / N;
    }
    System.err.printf(
        "performer mean relative error: m=256 %.4f, m=16 %.4f, uniform baseline %.4f%n",
        e256, e16, uniform);
    assertTrue(e256 < 2.0, "m=256 error " + e256);
    assertTrue(e256 < e16, "m=256 (" + e256 + ") must beat m=16 (" + e16 + ")");
  }

  private static double meanRelativeError(String in, int m, double[][] exact) {
    String out = tmp.resolve("performer-" + m).toString();
    CliRunner.Result r =
        AttendRun.of(in, out).pattern("performer").flag("--features", m).seed(9).run();
    assertEquals(0, r.code(), r.err());
    double mean = 0;
    List<Row> rows = SparkTestSession.get().read().parquet(out).collectAsList();
    assertEquals(N, rows.size());
    for (Row row : rows) {
      float[] o = floats(row.getList(2));
      double[] e = exact[row.getInt(1)];
      double err = 0;
      double norm = 0;
      for (int c = 0; c < D; c++) {
        err += (o[c] - e[c]) * (o[c] - e[c]);
        norm += e[c] * e[c];
      }
      mean += Math.sqrt(err / norm) / N;
    }
    return mean;
  }

  /** Exact softmax(q·k/√d) attention over all keys, double precision. */
  private static double[][] softmax(float[][] q, float[][] k, float[][] v) {
    double[][] out = new double[N][D];
    for (int i = 0; i < N; i++) {
      double[] s = new double[N];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < N; j++) {
        for (int c = 0; c < D; c++) {
          s[j] += (double) q[i][c] * k[j][c];
        }
        s[j] /= Math.sqrt(D);
        max = Math.max(max, s[j]);
      }
      double l = 0;
      for (int j = 0; j < N; j++) {
        double p = Math.exp(s[j] - max);
        l += p;
        for (int c = 0; c < D; c++) {
          out[i][c] += p * v[j][c];
        }
      }
      for (int c = 0; c < D; c++) {
        out[i][c] /= l;
      }
    }
    return out;
  }

  private static float[] floats(List<Float> l) {
    float[] a = new float[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }
}
