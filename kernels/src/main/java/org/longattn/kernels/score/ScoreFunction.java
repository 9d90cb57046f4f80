package org.longattn.kernels.score;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.longattn.kernels.io.Npy;
import org.longattn.kernels.pattern.Seeds;

/**
 * How a query row and a key row of one head (d values each) make a score, for every softmax
 * pattern:
 *
 * <pre>
 *   scaled-dot  s = q·k / √d                 (the default)
 *   dot         s = q·k
 *   bilinear    s = qᵀ W k                    W per head, d × d; computed as (Wᵀq)·k
 *   additive    s = vᵀ tanh(W q + U k)        W, U per head d × d (attention size = d), v per head d
 * </pre>
 *
 * Weights come from a file ({@link #of} with an .npy array) or are drawn from a seed: every entry
 * N(0, 1/d), per head, from {@code Seeds.mix(seed, kind, head)}. File layouts (float32, C order):
 * bilinear {@code [heads, d, d]} with W[h][a][b] multiplying q_a·k_b; additive {@code [heads, 2d+1,
 * d]}: rows 0..d−1 are W (row a: (Wq)_a = Σ_c W[a][c]·q_c), rows d..2d−1 are U, row 2d is v.
 *
 * <p>Queries and keys are projected once per block ({@link #projectQuery}, {@link #projectKey}) so
 * that the rows the backend sees keep the width d: bilinear turns q into Wᵀq and leaves k, then
 * runs the ordinary dot kernel with scale 1; additive turns q into Wq and k into Uk, and the
 * backend scores Σ_a v_a·tanh(q'_a + k'_a). A plain class (serialisable, shipped inside the job's
 * parameters); immutable.
 */
public final class ScoreFunction implements Serializable {
  /** Names accepted by {@code --score}. */
  public static final List<String> NAMES = List.of("scaled-dot", "dot", "bilinear", "additive");

  private final String name;
  private final int heads;
  private final int d;
  private final float[] weights; // null for the dot products

  private ScoreFunction(String name, int heads, int d, float[] weights) {
    this.name = name;
    this.heads = heads;
    this.d = d;
    this.weights = weights;
  }

  /** The default: q·k/√d. */
  public static ScoreFunction scaledDot() {
    return new ScoreFunction("scaled-dot", 0, 0, null);
  }

  /**
   * The score function {@code name} for heads × d.
   *
   * @param file the weights (.npy contents already parsed) or null to draw them from {@code seed};
   *     ignored by the dot products
   * @throws IllegalArgumentException for an unknown name or a weights array of the wrong shape (the
   *     message names --score / --score-weights and both shapes)
   */
  public static ScoreFunction of(String name, int heads, int d, Npy.Array file, long seed) {
    return switch (name) {
      case "scaled-dot", "dot" -> new ScoreFunction(name, heads, d, null);
      case "bilinear", "additive" -> {
        int[] shape =
            name.equals("bilinear") ? new int[] {heads, d, d} : new int[] {heads, 2 * d + 1, d};
        float[] w;
        if (file == null) {
          w = seeded(name, shape, seed);
        } else if (!Arrays.equals(file.shape(), shape)) {
          throw new IllegalArgumentException(
              "--score-weights: shape "
                  + Arrays.toString(file.shape())
                  + " but --score "
                  + name
                  + " with "
                  + heads
                  + " heads of "
                  + d
                  + " needs "
                  + Arrays.toString(shape));
        } else {
          w = file.data();
        }
        yield new ScoreFunction(name, heads, d, w);
      }
      default ->
          throw new IllegalArgumentException(
              "--score must be one of " + NAMES + ", got '" + name + "'");
    };
  }

  private static float[] seeded(String name, int[] shape, long seed) {
    int perHead = shape[1] * shape[2];
    float[] w = new float[shape[0] * perHead];
    double sd = 1 / Math.sqrt(shape[2]);
    for (int h = 0; h < shape[0]; h++) {
      SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, name.hashCode(), h));
      for (int x = 0; x < perHead; x += 2) {
        // Box–Muller: two standard normals per draw
        double u1 = 1 - rng.nextDouble();
        double r = Math.sqrt(-2 * Math.log(u1)) * sd;
        double a = 2 * Math.PI * rng.nextDouble();
        w[h * perHead + x] = (float) (r * Math.cos(a));
        if (x + 1 < perHead) {
          w[h * perHead + x + 1] = (float) (r * Math.sin(a));
        }
      }
    }
    return w;
  }

  public String name() {
    return name;
  }

  /** Whether scores are additive (the backend's additive path) rather than dot products. */
  public boolean additive() {
    return name.equals("additive");
  }

  /** Whether rows must be projected before the backend sees them. */
  public boolean projects() {
    return weights != null;
  }

  /** The factor on q·k in the dot kernel: 1/√d for scaled-dot, else 1. */
  public float scale(int headDim) {
    return name.equals("scaled-dot") ? (float) (1.0 / Math.sqrt(headDim)) : 1f;
  }

  /** The weights as stored (bilinear [H, d, d], additive [H, 2d+1, d]); null for dot products. */
  public float[] weights() {
    return weights == null ? null : weights.clone();
  }

  /** additive: v of head h (d values), a fresh array. */
  public float[] additiveV(int h) {
    int base = h * (2 * d + 1) * d + 2 * d * d;
    return Arrays.copyOfRange(weights, base, base + d);
  }

  /**
   * Writes the projected query of head h: bilinear Wᵀq (out_b = Σ_a q_a·W[a][b]), additive Wq
   * (out_a = Σ_c W[a][c]·q_c), in double then rounded once.
   */
  public void projectQuery(int h, float[] q, int qOff, float[] out, int outOff) {
    if (name.equals("bilinear")) {
      int base = h * d * d;
      for (int b = 0; b < d; b++) {
        double s = 0;
        for (int a = 0; a < d; a++) {
          s += (double) q[qOff + a] * weights[base + a * d + b];
        }
        out[outOff + b] = (float) s;
      }
    } else {
      matVec(h * (2 * d + 1) * d, q, qOff, out, outOff);
    }
  }

  /** Writes the projected key of head h: k itself for bilinear, Uk for additive. */
  public void projectKey(int h, float[] k, int kOff, float[] out, int outOff) {
    if (name.equals("bilinear")) {
      System.arraycopy(k, kOff, out, outOff, d);
    } else {
      matVec(h * (2 * d + 1) * d + d * d, k, kOff, out, outOff);
    }
  }

  private void matVec(int base, float[] x, int xOff, float[] out, int outOff) {
    for (int a = 0; a < d; a++) {
      double s = 0;
      for (int c = 0; c < d; c++) {
        s += (double) weights[base + a * d + c] * x[xOff + c];
      }
      out[outOff + a] = (float) s;
    }
  }
}
