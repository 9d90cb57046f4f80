package org.longattn.kernels;

import org.longattn.kernels.pattern.AttentionPattern;

/**
 * The test oracle: plain double-precision dense attention with an explicit boolean mask built token
 * by token from the pattern's reference semantics. Independent of every optimised path.
 *
 * <p>mask[i][j] = directionAllows(i, j) && (global(i) || global(j) || pattern.localAllows(i, j)).
 */
public final class DenseOracle {
  /** Results for one document: out[i][h·dv + c], stats[i][h]. */
  public record Result(
      double[][] out,
      double[][] entropy,
      double[][] meanDistance,
      double[][] maxWeight,
      double[][] globalMass) {}

  private DenseOracle() {}

  /** The mask of head h: mask[i][j] true when query i reads key j. */
  public static boolean[][] mask(
      AttentionPattern p, int n, long docHash, int head, int[] columnGlobals) {
    return mask(p, n, docHash, head, columnGlobals, new boolean[n]);
  }

  /** The mask with padding: a padded position is neither query nor key (and never global). */
  public static boolean[][] mask(
      AttentionPattern p, int n, long docHash, int head, int[] columnGlobals, boolean[] padded) {
    boolean[] global = globals(p, n, columnGlobals, padded);
    boolean[][] m = new boolean[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        boolean causalOk = p.directionAllows(i, j);
        m[i][j] =
            !padded[i]
                && !padded[j]
                && causalOk
                && (global[i] || global[j] || p.localAllows(n, docHash, head, i, j));
      }
    }
    return m;
  }

  /** global[i]: the pattern's and the column's global positions, padding removed. */
  public static boolean[] globals(
      AttentionPattern p, int n, int[] columnGlobals, boolean[] padded) {
    boolean[] global = new boolean[n];
    for (int g : p.globalPositions(n, columnGlobals)) {
      global[g] = !padded[g];
    }
    return global;
  }

  /**
   * Attention of token rows q, k (n × H·d) and v (n × H·dv), head-major, scores q·k/√d.
   *
   * @param columnGlobals global positions from the token table (nullable)
   */
  public static Result attend(
      AttentionPattern p,
      float[] q,
      float[] k,
      float[] v,
      int n,
      int heads,
      int d,
      int dv,
      long docHash,
      int[] columnGlobals) {
    return attend(p, q, k, v, n, heads, d, dv, docHash, columnGlobals, new boolean[n]);
  }

  /** A score of head h's query and key vectors (d values each), in double. */
  public interface Scorer {
    double score(int h, double[] q, double[] k);

    /** q·k/√d. */
    static Scorer scaledDot(int d) {
      return (h, q, k) -> dot(q, k) / Math.sqrt(d);
    }

    static double dot(double[] q, double[] k) {
      double s = 0;
      for (int c = 0; c < q.length; c++) {
        s += q[c] * k[c];
      }
      return s;
    }
  }

  /** {@link #attend} with padding ({@code padded[i]}: row i is neither query nor key). */
  public static Result attend(
      AttentionPattern p,
      float[] q,
      float[] k,
      float[] v,
      int n,
      int heads,
      int d,
      int dv,
      long docHash,
      int[] columnGlobals,
      boolean[] padded) {
    return attend(p, q, k, v, n, heads, d, dv, docHash, columnGlobals, padded, Scorer.scaledDot(d));
  }

  /** {@link #attend} with padding and a score function. */
  public static Result attend(
      AttentionPattern p,
      float[] q,
      float[] k,
      float[] v,
      int n,
      int heads,
      int d,
      int dv,
      long docHash,
      int[] columnGlobals,
      boolean[] padded,
      Scorer scorer) {
    double[][] out = new double[n][heads * dv];
    double[][] ent = new double[n][heads];
    double[][] dist = new double[n][heads];
    double[][] maxw = new double[n][heads];
    double[][] gm = new double[n][heads];
    boolean[] global = globals(p, n, columnGlobals, padded);
    for (int h = 0; h < heads; h++) {
      boolean[][] mask = mask(p, n, docHash, h, columnGlobals, padded);
      double[] s = new double[n];
      for (int i = 0; i < n; i++) {
        double mx = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          if (!mask[i][j]) {
            continue;
          }
          double[] qi = new double[d];
          double[] kj = new double[d];
          for (int c = 0; c < d; c++) {
            qi[c] = q[i * heads * d + h * d + c];
            kj[c] = k[j * heads * d + h * d + c];
          }
          s[j] = scorer.score(h, qi, kj);
          mx = Math.max(mx, s[j]);
        }
        if (mx == Double.NEGATIVE_INFINITY) {
          continue; // no visible key: zeros, as the kernels define it
        }
        double z = 0;
        for (int j = 0; j < n; j++) {
          if (mask[i][j]) {
            z += Math.exp(s[j] - mx);
          }
        }
        double e = 0, md = 0, mw = 0, g = 0;
        for (int j = 0; j < n; j++) {
          if (!mask[i][j]) {
            continue;
          }
          double pij = Math.exp(s[j] - mx) / z;
          if (pij > 0) {
            e -= pij * Math.log(pij);
          }
          md += pij * Math.abs(i - j);
          mw = Math.max(mw, pij);
          if (global[j]) {
            g += pij;
          }
          for (int c = 0; c < dv; c++) {
            out[i][h * dv + c] += pij * v[j * heads * dv + h * dv + c];
          }
        }
        ent[i][h] = e;
        dist[i][h] = md;
        maxw[i][h] = mw;
        gm[i][h] = g;
      }
    }
    return new Result(out, ent, dist, maxw, gm);
  }
}
