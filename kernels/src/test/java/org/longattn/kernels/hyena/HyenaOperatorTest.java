package org.longattn.kernels.hyena;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.kernels.TestData;

/** The span-blocked FFT operator against the direct O(n²) double oracle, and its invariants. */
class HyenaOperatorTest {

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    int[][] lengthsAndSpans = {
      {1, 1},
      {1, 64},
      {7, 1},
      {7, 3},
      {7, 64},
      {65, 1},
      {65, 16},
      {65, 64},
      {517, 16},
      {517, 100},
      {517, 1024},
      {5000, 256},
      {5000, 999},
      {5000, 8192}
    };
    int i = 0;
    for (int[] ns : lengthsAndSpans) {
      int heads = 1 + i % 3;
      int d = new int[] {1, 3, 4}[i % 3];
      int order = 1 + i % 3;
      cases.add(Arguments.of(ns[0], ns[1], heads, d, order, 1000L + i));
      i++;
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "n={0} span={1} heads={2} d={3} order={4}")
  @MethodSource("cases")
  void matchesDirectConvolution(int n, int span, int heads, int d, int order, long seed) {
    int width = heads * d;
    float[][] qkv = qkv(seed, n, width);
    float[] q = qkv[0];
    float[] k = qkv[1];
    float[] v = qkv[2];
    HyenaFilter filter = new HyenaFilter(seed, order, heads, d, n);
    float[] out = HyenaOperator.apply(filter, span, q, k, v);
    HyenaOracle.assertClose(
        HyenaOracle.apply(filter, q, k, v), out, "n=" + n + " span=" + span + " order=" + order);
  }

  /** Order 2 is y = h2 ∗ (k ⊙ (h1 ∗ (q ⊙ v))): swapping q and k changes the result. */
  @Test
  void gatesAreOrdered() {
    int n = 40;
    float[][] qkv = qkv(5, n, 2);
    float[] q = qkv[0];
    float[] k = qkv[1];
    float[] v = qkv[2];
    HyenaFilter f = new HyenaFilter(3, 2, 1, 2, n);
    float[] a = HyenaOperator.apply(f, 16, q, k, v);
    float[] b = HyenaOperator.apply(f, 16, k, q, v);
    double diff = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
    }
    assertTrue(diff > 1e-3, "q and k play different roles");
    // output 0 sees only token 0: y_0 = h2[0]·k_0·h1[0]·q_0·v_0
    double[][] h1 = new double[2][1];
    double[][] h2 = new double[2][1];
    f.segment(1, 0, 1, h1, 0);
    f.segment(2, 0, 1, h2, 0);
    for (int c = 0; c < 2; c++) {
      double y0 = h2[c][0] * k[c] * h1[c][0] * q[c] * v[c];
      assertEquals(y0, a[c], 1e-6 * (1 + Math.abs(y0)));
    }
  }

  /** Causality: changing token j changes no output before j. */
  @Test
  void causal() {
    int n = 300;
    float[][] qkv = qkv(6, n, 3);
    float[] q = qkv[0];
    float[] k = qkv[1];
    float[] v = qkv[2];
    HyenaFilter f = new HyenaFilter(9, 2, 1, 3, n);
    float[] a = HyenaOperator.apply(f, 64, q, k, v);
    v[200 * 3 + 1] += 1f;
    float[] b = HyenaOperator.apply(f, 64, q, k, v);
    for (int t = 0; t < 200; t++) {
      for (int c = 0; c < 3; c++) {
        assertEquals(a[t * 3 + c], b[t * 3 + c], 1e-5 * (1 + Math.abs(a[t * 3 + c])), "t=" + t);
      }
    }
    assertTrue(Math.abs(a[200 * 3 + 1] - b[200 * 3 + 1]) > 1e-4, "token 200 sees itself");
  }

  /** Same inputs, same spans: bitwise the same output (fixed association order). */
  @Test
  void deterministic() {
    int n = 1000;
    float[][] qkv = qkv(8, n, 4);
    float[] q = qkv[0];
    float[] k = qkv[1];
    float[] v = qkv[2];
    float[] a = HyenaOperator.apply(new HyenaFilter(1, 2, 2, 2, n), 128, q, k, v);
    float[] b = HyenaOperator.apply(new HyenaFilter(1, 2, 2, 2, n), 128, q, k, v);
    assertArrayEquals(a, b);
  }

  /** Seeded Gaussian q, k, v rows. */
  private static float[][] qkv(long seed, int n, int width) {
    SplittableRandom rng = new SplittableRandom(seed);
    return new float[][] {
      TestData.gaussian(rng, n, width, 1.0),
      TestData.gaussian(rng, n, width, 1.0),
      TestData.gaussian(rng, n, width, 1.0)
    };
  }

  @Test
  void layout() {
    BlockConvolution c = new BlockConvolution(1000, 128);
    assertEquals(8, c.spans());
    assertEquals(128, c.segment());
    assertEquals(256, c.fftSize());
    assertEquals(104, c.spanLength(7));
    int total = 0;
    for (int i = 0; i < c.chunks(); i++) {
      assertEquals(0, c.chunkStart(i) % 2);
      total += c.chunkLength(i);
    }
    assertEquals(256, total, "chunks tile the packed spectrum");
    BlockConvolution one = new BlockConvolution(517, 1024);
    assertEquals(1, one.spans());
    assertEquals(517, one.segment(), "a one-span document uses L = n");
    assertEquals(2048, one.fftSize());
    assertEquals(2, new BlockConvolution(1, 1).fftSize());
    assertThrows(IllegalArgumentException.class, () -> new BlockConvolution(0, 8));
  }
}
