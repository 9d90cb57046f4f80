package org.longattn.kernels.span;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.DenseOracle;
import org.longattn.kernels.InputRangeException;
import org.longattn.kernels.ScoreOverflowException;
import org.longattn.kernels.TestData;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * Property: for every softmax pattern and backend, with and without stats, q and k scaled by random
 * powers of two from 2^−10 (≈ 1e-3) to 2^63 (≈ 9e18), the output is finite and matches the
 * double-precision oracle within {@link Tolerance#REL}, and the stats stay in range — or, only
 * where a visible pair has Σ_c |q_c·k_c|·scale above {@link ScoreOverflowException#LIMIT} (its
 * float score could overflow), the run is refused with that exception naming such a pair.
 *
 * <p>Inputs are multiples of 1/4 in [−1, 1] (d = 16, scale 1/4), so every float score equals the
 * exact score at every scale: the oracle's answer is then well-conditioned even where the logits
 * are 1e30 apart (with arbitrary floats, the rounding of q·k alone at such scales decides which key
 * wins, and no fp32 kernel could match the oracle). Power-of-two scales keep that exactness; they
 * cover the range of the decimal scales (1e5, 1e20).
 */
class ScaleRobustnessTest {
  static final int N = 150;
  static final HeadShape SHAPE = new HeadShape(2, 16, 8);

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String pattern : Families.softmaxAnyDirection()) {
      for (String backend : BackendsUnderTest.names()) {
        for (boolean stats : new boolean[] {false, true}) {
          SplittableRandom rng = new SplittableRandom(pattern.hashCode() * 31L + (stats ? 1 : 0));
          // the cases first: q, k ×~1e5 each; then random exponents over the whole range
          out.add(Arguments.of(pattern, backend, stats, 17, 17, -1));
          out.add(Arguments.of(pattern, backend, stats, 0, 66, 37)); // one key row ×~1e20
          for (int t = 0; t < 6; t++) {
            out.add(
                Arguments.of(
                    pattern, backend, stats, rng.nextInt(-10, 64), rng.nextInt(-10, 64), -1));
          }
          out.add(Arguments.of(pattern, backend, stats, 66, 66, -1)); // beyond float: refused
        }
      }
    }
    return out.stream();
  }

  /**
   * @param eq q scaled by 2^eq
   * @param ek k scaled by 2^ek (every key row, or only row {@code onlyRow} when it is ≥ 0)
   */
  @ParameterizedTest(name = "{0} {1} stats={2} q·2^{3} k·2^{4} row {5}")
  @MethodSource("cases")
  void finiteAndExactAtAnyScale(
      String pattern, String backendName, boolean stats, int eq, int ek, int onlyRow) {
    AttentionPattern p =
        PatternSpec.of(
                pattern,
                16,
                7,
                false,
                false,
                Map.of(Param.WINDOW, 20, Param.RANDOM_BLOCKS, 1, Param.RADIUS, 20))
            .build();
    SplittableRandom rng = new SplittableRandom(eq * 101L + ek);
    int w = SHAPE.qkWidth();
    float[] q = quarters(rng, N * w, Math.scalb(1f, eq));
    float[] k = quarters(rng, N * w, 1f);
    for (int r = 0; r < N; r++) {
      if (onlyRow < 0 || r == onlyRow) {
        for (int c = 0; c < w; c++) {
          k[r * w + c] = Math.scalb(k[r * w + c], ek);
        }
      }
    }
    float[] v = TestData.gaussian(rng, N, SHAPE.vWidth(), 1.0);
    long docHash = 99;
    int[] globals = OracleCheck.globals(N, 2);
    DocumentRunner.Output got;
    try (AttentionBackend backend = BackendsUnderTest.create(backendName)) {
      try {
        got = DocumentRunner.run(p, backend, SHAPE, q, k, v, N, docHash, globals, 4, stats);
      } catch (ScoreOverflowException e) {
        double worst = 0;
        for (int h = 0; h < SHAPE.heads(); h++) {
          worst = Math.max(worst, pairMagnitude(q, k, e.position(), e.keyPosition(), h));
        }
        assertTrue(
            worst > ScoreOverflowException.LIMIT * (1 - 1e-6),
            "refused a pair within range: " + e.getMessage() + " (max " + worst + ")");
        return;
      }
      if (eq + ek >= 130) {
        fail("scores of about 2^" + (eq + ek) + " must be refused, got an answer");
      }
      DenseOracle.Result ref =
          DenseOracle.attend(p, q, k, v, N, SHAPE.heads(), SHAPE.d(), SHAPE.dv(), docHash, globals);
      for (int i = 0; i < N; i++) {
        for (int x = 0; x < SHAPE.vWidth(); x++) {
          float o = got.out()[i * SHAPE.vWidth() + x];
          assertTrue(Float.isFinite(o), "out[" + i + "][" + x + "] = " + o);
          Tolerance.assertClose(ref.out()[i][x], o, Tolerance.REL, "out[" + i + "][" + x + "]");
        }
        if (!stats) {
          continue;
        }
        for (int h = 0; h < SHAPE.heads(); h++) {
          int at = i * SHAPE.heads() + h;
          String where = "[" + i + "][" + h + "]";
          float mw = got.maxWeight()[at];
          float ent = got.entropy()[at];
          assertTrue(mw > 0f && mw <= 1f, "max_weight" + where + " = " + mw);
          assertTrue(ent >= 0f, "entropy" + where + " = " + ent);
          Tolerance.assertClose(ref.maxWeight()[i][h], mw, Tolerance.REL, "max_weight" + where);
          Tolerance.assertClose(ref.entropy()[i][h], ent, Tolerance.REL, "entropy" + where);
          Tolerance.assertClose(
              ref.globalMass()[i][h], got.globalMass()[at], Tolerance.REL, "global_mass" + where);
        }
      }
      if (p.columnGroups() == null) { // strided/fixed tile by span size (see OracleCheck)
        for (int spanBlocks : new int[] {1, 8}) {
          DocumentRunner.Output o =
              DocumentRunner.run(
                  p, backend, SHAPE, q, k, v, N, docHash, globals, spanBlocks, stats);
          assertArrayEquals(got.out(), o.out(), "out differs with span " + spanBlocks);
        }
      }
    }
  }

  /** Multiples of 1/4 in [−1, 1], times {@code scale} (a power of two: exact). */
  static float[] quarters(SplittableRandom rng, int n, float scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (rng.nextInt(9) - 4) / 4f * scale;
    }
    return a;
  }

  /** Σ_c |q_c·k_c|·scale of query i and key j in head h, in double. */
  static double pairMagnitude(float[] q, float[] k, int i, int j, int h) {
    int d = SHAPE.d();
    int w = SHAPE.qkWidth();
    double scale = 1 / Math.sqrt(d);
    double sum = 0;
    for (int c = 0; c < d; c++) {
      sum +=
          Math.abs((double) (float) (q[i * w + h * d + c] * (float) scale) * k[j * w + h * d + c]);
    }
    return sum;
  }

  /**
   * q = s·1, k = −s·1 with s = 2^70: every score is −s²·d, far below −float max, so every visible
   * score overflows to −∞. The exact answer is mean(v) (all scores equal); a row whose running max
   * stays −∞ must be refused, never written as zeros.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"java", "opencl"})
  void everyScoreBelowTheFloatRangeIsRefusedNotZero(String backendName) {
    AttentionPattern p =
        PatternSpec.of(
                "longformer", 16, 7, false, false, Map.of(Param.WINDOW, 20, Param.RANDOM_BLOCKS, 1))
            .build();
    int w = SHAPE.qkWidth();
    float s = Math.scalb(1f, 70);
    float[] q = new float[N * w];
    float[] k = new float[N * w];
    java.util.Arrays.fill(q, s);
    java.util.Arrays.fill(k, -s);
    float[] v = TestData.gaussian(new SplittableRandom(5), N, SHAPE.vWidth(), 1.0);
    try (AttentionBackend backend = BackendsUnderTest.create(backendName)) {
      assertThrows(
          InputRangeException.class,
          () -> DocumentRunner.run(p, backend, SHAPE, q, k, v, N, 99, new int[0], 4, false));
    }
  }
}
