package org.longattn.kernels.span;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.DenseOracle;
import org.longattn.kernels.TestData;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.pattern.AttentionPattern;

/**
 * One oracle comparison: a random document run through {@link DocumentRunner} (spans of {@code
 * spanBlocks} blocks, stats on) against {@link DenseOracle} within {@link Tolerance#REL}, then the
 * same document with other power-of-two span sizes, which must give bitwise the same output —
 * except for patterns with a column part ({@code strided}, {@code fixed}): a span gathers each
 * group's keys once for all its queries, so tile boundaries (and the last bits) depend on the span
 * size, a fixed parameter of a run; for them the same span size must repeat bit for bit.
 */
final class OracleCheck {
  private OracleCheck() {}

  static void check(
      String backendName,
      AttentionPattern p,
      HeadShape shape,
      int n,
      int spanBlocks,
      int[] colGlobals,
      long seed) {
    check(backendName, p, shape, n, spanBlocks, colGlobals, new int[0], seed);
  }

  /** {@link #check} with padding positions (sorted): padded rows must come out zero. */
  static void check(
      String backendName,
      AttentionPattern p,
      HeadShape shape,
      int n,
      int spanBlocks,
      int[] colGlobals,
      int[] padding,
      long seed) {
    boolean[] padded = new boolean[n];
    for (int x : padding) {
      padded[x] = true;
    }
    SplittableRandom rng = new SplittableRandom(seed);
    float[] q = TestData.gaussian(rng, n, shape.qkWidth(), 1.0);
    float[] k = TestData.gaussian(rng, n, shape.qkWidth(), 1.0);
    float[] v = TestData.gaussian(rng, n, shape.vWidth(), 1.0);
    int heads = shape.heads();
    long docHash = seed * 31 + n;
    DenseOracle.Result ref =
        DenseOracle.attend(
            p, q, k, v, n, heads, shape.d(), shape.dv(), docHash, colGlobals, padded);
    try (AttentionBackend backend = BackendsUnderTest.create(backendName)) {
      DocumentRunner.Output got =
          DocumentRunner.run(
              p, backend, shape, q, k, v, n, docHash, colGlobals, padding, spanBlocks, true);
      for (int i = 0; i < n; i++) {
        for (int x = 0; x < shape.vWidth(); x++) {
          Tolerance.assertClose(
              ref.out()[i][x],
              got.out()[i * shape.vWidth() + x],
              Tolerance.REL,
              "out[" + i + "][" + x + "]");
        }
        for (int h = 0; h < heads; h++) {
          int idx = i * heads + h;
          String at = "[" + i + "][" + h + "]";
          Tolerance.assertClose(
              ref.entropy()[i][h], got.entropy()[idx], Tolerance.REL, "entropy" + at);
          Tolerance.assertClose(
              ref.meanDistance()[i][h],
              got.meanDistance()[idx],
              Tolerance.REL,
              "mean_distance" + at);
          Tolerance.assertClose(
              ref.maxWeight()[i][h], got.maxWeight()[idx], Tolerance.REL, "max_weight" + at);
          Tolerance.assertClose(
              ref.globalMass()[i][h], got.globalMass()[idx], Tolerance.REL, "global_mass" + at);
        }
      }
      int[] others =
          p.columnGroups() == null ? new int[] {1, 2, 8, 1 << 20} : new int[] {spanBlocks};
      for (int other : others) {
        DocumentRunner.Output o =
            DocumentRunner.run(
                p, backend, shape, q, k, v, n, docHash, colGlobals, padding, other, true);
        assertArrayEquals(got.out(), o.out(), "out differs with span " + other);
        assertArrayEquals(got.entropy(), o.entropy(), "entropy differs with span " + other);
      }
    }
  }

  /** Up to {@code count} distinct-ish column globals spread over the document (sorted later). */
  static int[] globals(int n, int count) {
    int[] g = new int[Math.min(count, n)];
    for (int x = 0; x < g.length; x++) {
      g[x] = (int) ((long) x * 7919 % n);
    }
    return g;
  }
}
