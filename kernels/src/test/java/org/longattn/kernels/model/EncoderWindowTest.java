package org.longattn.kernels.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.cpu.JavaAttentionBackend;
import org.longattn.kernels.pattern.Band;

/**
 * {@link Encoder#forwardWindow}: a long document cut into spans, each span computed from its own
 * rows plus the halo {@link LocalSelfAttention#reach} asks for, gives bitwise the states {@link
 * Encoder#forward} computes over the whole document, for windows, one-sided and dilated bands,
 * blocks smaller and larger than a query chunk, and spans on and off the chunk grid.
 */
class EncoderWindowTest {
  static final EncoderConfig THREE_LAYERS = new EncoderConfig(50, 24, 3, 70, 3, 64, 1e-5f);

  static List<LocalSelfAttention> attentions() {
    return List.of(
        LocalSelfAttention.sliding(5),
        LocalSelfAttention.sliding(300),
        LocalSelfAttention.blocked(16),
        LocalSelfAttention.blocked(300),
        new LocalSelfAttention(new JavaAttentionBackend(), new Band(40, 0, 1), 0),
        new LocalSelfAttention(new JavaAttentionBackend(), new Band(0, 70, 1), 0),
        new LocalSelfAttention(new JavaAttentionBackend(), new Band(30, 30, 3), 0),
        new LocalSelfAttention(new JavaAttentionBackend(), new Band(20, 0, 1), 100));
  }

  static int[] ids(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = rng.nextInt(THREE_LAYERS.vocab());
    }
    return ids;
  }

  @Test
  void spansWithTheirHaloEqualTheWholeDocumentBitwise() {
    Encoder enc = new Encoder(EncoderTest.randomWeights(THREE_LAYERS, 3));
    int h = THREE_LAYERS.hidden();
    int n = 1900;
    int[] ids = ids(n, 5);
    for (LocalSelfAttention att : attentions()) {
      float[] whole = enc.forward(ids, att);
      for (int span : new int[] {256, 700, 1024, 4096}) {
        for (int c0 = 0; c0 < n; c0 += span) {
          int c1 = Math.min(n, c0 + span);
          long[] reach = att.reach(c0, c1, THREE_LAYERS.layers());
          int a0 = (int) reach[0];
          int a1 = (int) Math.min(n, reach[1]);
          Encoder.Window w =
              enc.forwardWindow(
                  Arrays.copyOfRange(ids, a0, a1),
                  a0,
                  a1 - a0,
                  c0,
                  c1,
                  THREE_LAYERS.layers(),
                  att,
                  -1);
          assertArrayEquals(
              Arrays.copyOfRange(whole, c0 * h, c1 * h),
              w.x(),
              att + ", span " + span + ", window [" + c0 + ", " + c1 + ")");
        }
      }
    }
  }

  @Test
  void capturedQkvAreTheLayersProjection() {
    Encoder enc = new Encoder(EncoderTest.randomWeights(THREE_LAYERS, 4));
    int h = THREE_LAYERS.hidden();
    int n = 900;
    int[] ids = ids(n, 6);
    LocalSelfAttention att = LocalSelfAttention.sliding(40);
    // layers 0 and 1 over the whole document, then layer 2's q, k, v (and layer 1's on the way)
    float[] x = new float[n * h];
    float[] qkv = new float[n * 3 * h];
    float[] ctx = new float[n * h];
    enc.embed(ids, 0, n, 0, x);
    float[][] perLayer = new float[3][];
    for (int l = 0; l < 3; l++) {
      enc.projectQkv(l, x, n, qkv);
      perLayer[l] = qkv.clone();
      if (l < 2) {
        att.attend(l, qkv, n, THREE_LAYERS.heads(), THREE_LAYERS.headDim(), ctx);
        enc.finishLayer(l, x, ctx, n);
      }
    }
    int c0 = 300;
    int c1 = 600;
    for (int capture = 0; capture <= 2; capture++) {
      long[] reach = att.reach(c0, c1, 2);
      int a0 = (int) reach[0];
      int a1 = (int) Math.min(n, reach[1]);
      Encoder.Window w =
          enc.forwardWindow(Arrays.copyOfRange(ids, a0, a1), a0, a1 - a0, c0, c1, 2, att, capture);
      assertArrayEquals(
          Arrays.copyOfRange(perLayer[capture], c0 * 3 * h, c1 * 3 * h),
          w.qkv(),
          "layer " + capture);
      assertArrayEquals(Arrays.copyOfRange(x, c0 * h, c1 * h), w.x(), "x after 2 layers");
    }
  }

  @Test
  void aHaloTooShortIsRefusedOrChangesTheResult() {
    Encoder enc = new Encoder(EncoderTest.randomWeights(THREE_LAYERS, 3));
    int h = THREE_LAYERS.hidden();
    int n = 2000;
    int[] ids = ids(n, 5);
    LocalSelfAttention att = LocalSelfAttention.sliding(50);
    float[] whole = enc.forward(ids, att);
    long[] reach = att.reach(512, 768, 3);
    assertTrue(reach[1] < n, "the reach ends inside the document: " + reach[1]);
    int a0 = (int) reach[0];
    // rows starting past the reach: refused
    assertThrows(
        IllegalArgumentException.class,
        () ->
            enc.forwardWindow(
                Arrays.copyOfRange(ids, a0 + 1, n), a0 + 1, n - a0 - 1, 512, 768, 3, att, -1));
    // rows ending before the reach (taken for the document's end): a different result
    int a1 = 768 + 100;
    Encoder.Window w =
        enc.forwardWindow(Arrays.copyOfRange(ids, a0, a1), a0, a1 - a0, 512, 768, 3, att, -1);
    assertFalse(Arrays.equals(Arrays.copyOfRange(whole, 512 * h, 768 * h), w.x()));
  }
}
