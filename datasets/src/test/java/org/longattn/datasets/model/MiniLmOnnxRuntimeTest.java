package org.longattn.datasets.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.longattn.kernels.model.Encoder;
import org.longattn.kernels.model.EncoderConfig;
import org.longattn.kernels.model.LocalSelfAttention;
import org.longattn.kernels.model.SelfAttention;

/**
 * Our encoder (weights read by our ONNX reader, per-token stages and attention by our kernels)
 * against ONNX Runtime running the same all-MiniLM-L6-v2 file, on real text through the real
 * tokenizer.
 *
 * <p>Tolerances: fp32 through 6 layers; ORT and we sum in different orders (its MLAS GEMMs vs our
 * k-ascending FMAs, its exact-exp softmax vs our polynomial exp2 with ~1.5e-6 relative error), so
 * the outputs (|x| up to ~10 after LayerNorm) agree to ~1e-5 (observed ≤ 5.3e-6, pooled cosine
 * distance ≤ 5e-13): 1e-4 max abs and 1e-5 cosine distance are the bounds.
 */
class MiniLmOnnxRuntimeTest {
  private static final PretrainedModel MODEL = PretrainedModel.ALL_MINILM_L6_V2;
  private static final int HIDDEN = 384;

  private static OnnxRuntimeReference ort;
  private static Encoder encoder;
  private static int[] textIds;

  @BeforeAll
  static void load() {
    ort = new OnnxRuntimeReference(MODEL);
    encoder = MODEL.encoder();
    try (ModelTokenizer tokenizer = MODEL.tokenizer()) {
      textIds = tokenizer.encode(prose());
    }
  }

  @AfterAll
  static void close() {
    ort.close();
  }

  static String prose() {
    return OnnxRuntimeReference.prose();
  }

  /** [CLS] + the text's first n − 2 word pieces + [SEP] ([CLS] alone for n = 1). */
  static int[] document(int n) {
    int[] ids = Arrays.copyOf(textIds, n);
    if (n > 1) {
      ids[n - 1] = textIds[textIds.length - 1]; // [SEP]
    }
    return ids;
  }

  /** ORT's last_hidden_state (n × 384) of one document. */
  static float[] ort(int[] ids) {
    return ort.lastHiddenState(ids);
  }

  static void assertClose(float[] expected, float[] actual, String what) {
    OnnxRuntimeReference.assertClose(expected, actual, HIDDEN, what);
  }

  static double cosineDistance(float[] a, float[] b) {
    return OnnxRuntimeReference.cosineDistance(a, b);
  }

  @Test
  void theShippedFileIsAllMiniLmL6V2() {
    // the published shape, read from the file's tensors and graph (not configured anywhere)
    assertEquals(new EncoderConfig(30522, 384, 12, 1536, 6, 512, 1e-12f), encoder.config());
  }

  @Test
  void tokenizerKeepsTheWholeDocumentBetweenClsAndSep() {
    assertTrue(textIds.length > 512, "the prose is longer than the tokenizer.json's 128 cut");
    assertEquals(101, textIds[0], "[CLS]");
    assertEquals(102, textIds[textIds.length - 1], "[SEP]");
    assertTrue(Arrays.stream(textIds).noneMatch(id -> id == 0), "no [PAD]");
  }

  @ParameterizedTest(name = "{0} tokens")
  @ValueSource(ints = {1, 7, 130, 512})
  void denseAndFullWindowLongformerMatchOnnxRuntime(int n) {
    int[] ids = document(n);
    float[] expected = ort(ids);
    float[] expectedPooled = Encoder.meanPool(expected, n, HIDDEN);
    for (SelfAttention attention :
        List.of(LocalSelfAttention.dense(), LocalSelfAttention.sliding(n))) {
      float[] hidden = encoder.forward(ids, attention);
      assertClose(expected, hidden, n + " tokens, " + attention);
      double cos = cosineDistance(expectedPooled, Encoder.meanPool(hidden, n, HIDDEN));
      assertTrue(cos <= 1e-5, n + " tokens: pooled cosine distance " + cos);
    }
  }

  @Test
  void narrowWindowIsNotDense() {
    // the check above can fail: a window shorter than the document changes the output
    int[] ids = document(130);
    float[] hidden = encoder.forward(ids, LocalSelfAttention.sliding(8));
    float[] expected = ort(ids);
    double max = 0;
    for (int i = 0; i < hidden.length; i++) {
      max = Math.max(max, Math.abs(hidden[i] - expected[i]));
    }
    assertTrue(max > 1e-2, "window 8 vs dense: " + max);
  }

  @Test
  void blockedAttentionOnALongDocumentIsOnnxRuntimeOnEachBlock() {
    // ~3,000 tokens: the prose five times, each time starting at a different paragraph
    String[] paragraphs = prose().split("\n\n");
    List<String> parts = new ArrayList<>();
    for (int r = 0; r < 5; r++) {
      for (int p = 0; p < paragraphs.length; p++) {
        parts.add(paragraphs[(p + r) % paragraphs.length]);
      }
    }
    int[] ids;
    try (ModelTokenizer tokenizer = MODEL.tokenizer()) {
      ids = tokenizer.encode(String.join("\n\n", parts));
    }
    int n = ids.length;
    assertTrue(n > 2500 && n % 512 != 0, "a long document with a partial last block: " + n);
    float[] hidden = encoder.forward(ids, LocalSelfAttention.blocked(512));
    for (int b0 = 0; b0 < n; b0 += 512) {
      int bn = Math.min(512, n - b0);
      float[] expected = ort(Arrays.copyOfRange(ids, b0, b0 + bn));
      assertClose(
          expected,
          Arrays.copyOfRange(hidden, b0 * HIDDEN, (b0 + bn) * HIDDEN),
          "block at token " + b0 + " (" + bn + " tokens)");
    }
  }

  @Test
  void positionsPast512ReuseTheTable() {
    // p mod 512: token 512 + i embeds exactly like token i
    int[] ids = {2023, 2003, 1037, 3231};
    float[] x = new float[ids.length * HIDDEN];
    float[] shifted = new float[ids.length * HIDDEN];
    encoder.embed(ids, 0, ids.length, 0, x);
    encoder.embed(ids, 0, ids.length, 512 * 3, shifted);
    assertArrayEquals(x, shifted);
  }
}
