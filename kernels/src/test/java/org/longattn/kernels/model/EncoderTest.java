package org.longattn.kernels.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.longattn.kernels.TestData;

/**
 * {@link Encoder} and its pieces against {@link EncoderOracle} (double precision, explicit mask) on
 * small random models of awkward shapes: hidden and ffn not multiples of the GEMM panel, token
 * counts not multiples of 4 or of the token block, documents longer than the position table.
 *
 * <p>Tolerance 2e-4 max abs: fp32 through 2 layers whose LayerNorms output values of size ~1–3,
 * with our polynomial exp2 (~1.5e-6 relative) and rational erf (4.2e-7 absolute); observed ~1e-5.
 */
class EncoderTest {
  static final EncoderConfig SHAPE = new EncoderConfig(50, 24, 3, 70, 2, 16, 1e-5f);

  static float[] random(SplittableRandom rng, int n, double scale) {
    return TestData.gaussian(rng, n, 1, scale);
  }

  static EncoderWeights randomWeights(EncoderConfig c, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int h = c.hidden();
    int f = c.ffn();
    double s = 1 / Math.sqrt(h);
    List<LayerWeights> layers = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      layers.add(
          new LayerWeights(
              random(rng, h * h, 2 * s),
              random(rng, h, 0.1),
              random(rng, h * h, 2 * s),
              random(rng, h, 0.1),
              random(rng, h * h, s),
              random(rng, h, 0.1),
              random(rng, h * h, s),
              random(rng, h, 0.1),
              plusOne(random(rng, h, 0.1)),
              random(rng, h, 0.1),
              random(rng, h * f, s),
              random(rng, f, 0.5),
              random(rng, f * h, 1 / Math.sqrt(f)),
              random(rng, h, 0.1),
              plusOne(random(rng, h, 0.1)),
              random(rng, h, 0.1)));
    }
    return new EncoderWeights(
        c,
        random(rng, c.vocab() * h, 1),
        random(rng, c.maxPositions() * h, 1),
        random(rng, h, 0.1),
        plusOne(random(rng, h, 0.1)),
        random(rng, h, 0.1),
        layers);
  }

  private static float[] plusOne(float[] a) {
    for (int i = 0; i < a.length; i++) {
      a[i] += 1;
    }
    return a;
  }

  static int[] ids(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = rng.nextInt(SHAPE.vocab());
    }
    return ids;
  }

  static void assertClose(double[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length);
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(max <= tol, what + ": max abs error " + max);
  }

  @ParameterizedTest(name = "{0} tokens")
  @ValueSource(ints = {1, 3, 17, 130, 300})
  void denseSlidingAndBlockedMatchTheOracle(int n) {
    EncoderWeights w = randomWeights(SHAPE, 7);
    Encoder enc = new Encoder(w);
    int[] ids = ids(n, n);
    record Case(SelfAttention attention, BiPredicate<Integer, Integer> mask) {}
    List<Case> cases =
        List.of(
            new Case(LocalSelfAttention.dense(), (i, j) -> true),
            new Case(LocalSelfAttention.sliding(5), (i, j) -> Math.abs(i - j) <= 5),
            new Case(LocalSelfAttention.blocked(16), (i, j) -> i / 16 == j / 16),
            new Case(LocalSelfAttention.blocked(100), (i, j) -> i / 100 == j / 100));
    for (Case c : cases) {
      double[] expected = EncoderOracle.forward(w, ids, c.mask());
      assertClose(expected, enc.forward(ids, c.attention()), 2e-4, n + " tokens, " + c.attention());
    }
  }

  @Test
  void perTokenStagesGiveTheSameBitsOnAnySplitOfTheDocument() {
    // what lets a distributed run cut a document anywhere: each token's result depends on that
    // token (and, for embed, its position) only, not on which rows share the call
    EncoderWeights w = randomWeights(SHAPE, 3);
    Encoder enc = new Encoder(w);
    int n = 300;
    int h = SHAPE.hidden();
    int[] ids = ids(n, 9);
    float[] x = new float[n * h];
    enc.embed(ids, 0, n, 0, x);
    float[] qkv = new float[n * 3 * h];
    enc.projectQkv(0, x, n, qkv);
    float[] ctx = new float[n * h];
    LocalSelfAttention.dense().attend(0, qkv, n, SHAPE.heads(), SHAPE.headDim(), ctx);
    float[] next = x.clone();
    enc.finishLayer(0, next, ctx, n);
    int[] cuts = {0, 1, 6, 133, 250, 299, n};
    for (int c = 0; c + 1 < cuts.length; c++) {
      int a = cuts[c];
      int m = cuts[c + 1] - a;
      float[] xs = new float[m * h];
      enc.embed(ids, a, m, a, xs);
      assertArrayEquals(Arrays.copyOfRange(x, a * h, (a + m) * h), xs, "embed at " + a);
      float[] qs = new float[m * 3 * h];
      enc.projectQkv(0, xs, m, qs);
      assertArrayEquals(Arrays.copyOfRange(qkv, a * 3 * h, (a + m) * 3 * h), qs, "qkv at " + a);
      enc.finishLayer(0, xs, Arrays.copyOfRange(ctx, a * h, (a + m) * h), m);
      assertArrayEquals(Arrays.copyOfRange(next, a * h, (a + m) * h), xs, "layer at " + a);
    }
  }

  @Test
  void theOracleSeesTheMask() {
    // the comparison above can fail: a different mask gives a different result
    EncoderWeights w = randomWeights(SHAPE, 7);
    int[] ids = ids(40, 40);
    double[] dense = EncoderOracle.forward(w, ids, (i, j) -> true);
    float[] sliding = new Encoder(w).forward(ids, LocalSelfAttention.sliding(2));
    double max = 0;
    for (int i = 0; i < dense.length; i++) {
      max = Math.max(max, Math.abs(dense[i] - sliding[i]));
    }
    assertTrue(max > 1e-2, "sliding(2) vs dense differ by " + max);
  }

  @Test
  void badTokenIdNamesItsPosition() {
    Encoder enc = new Encoder(randomWeights(SHAPE, 1));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> enc.forward(new int[] {1, 2, 50}, LocalSelfAttention.dense()));
    assertEquals("token id 50 at position 2 is outside the vocabulary", e.getMessage());
  }

  @Test
  void wrongShapeNamesTheTensor() {
    EncoderWeights w = randomWeights(SHAPE, 1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new EncoderWeights(
                    SHAPE,
                    w.wordEmbeddings(),
                    new float[5],
                    w.tokenTypeEmbedding(),
                    w.embeddingNormGamma(),
                    w.embeddingNormBeta(),
                    w.layers()));
    assertEquals("position embeddings: expected 384 values, got 5", e.getMessage());
  }
}
