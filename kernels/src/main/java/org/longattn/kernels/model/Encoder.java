package org.longattn.kernels.model;

import java.util.Arrays;
import java.util.List;

/**
 * A BERT-style post-LayerNorm encoder (e.g. all-MiniLM-L6-v2) over one long document, single
 * threaded. The per-token stages run over blocks of {@link #TOKEN_BLOCK} tokens as GEMMs ({@link
 * Gemm}); the token-mixing step is a {@link SelfAttention} chosen by the caller. Per layer ℓ, with
 * x the n × hidden token states (row-major):
 *
 * <pre>
 *   x₀    = LN(word[id_i] + position[p_i mod P] + type[0])          {@link #embed}
 *   qkv   = x·[Wq | Wk | Wv] + [bq | bk | bv]                        {@link #projectQkv}
 *   ctx   = attention(qkv)                                           {@link SelfAttention}
 *   x     ← LN₁(ctx·Wo + bo + x)                                     {@link #finishLayer}
 *   x     ← LN₂(GELU(x·W₁ + b₁)·W₂ + b₂ + x)
 * </pre>
 *
 * Positions past the model's P learned positions reuse them cyclically (position p reads embedding
 * p mod P): Longformer's published initialisation, which copies the 512 position embeddings of
 * RoBERTa over its 4,096. Up to P tokens this is exactly the pretrained model.
 *
 * <p>Immutable after construction (the packed weights are shared read-only); the stage methods
 * allocate their scratch, so one instance may serve several threads.
 */
public final class Encoder {
  /** Tokens per block of the per-token stages (their scratch stays in L2). */
  public static final int TOKEN_BLOCK = 128;

  private final EncoderWeights weights;
  private final EncoderConfig config;
  private final PackedMatrix[] qkv;
  private final PackedMatrix[] attentionOutput;
  private final PackedMatrix[] intermediate;
  private final PackedMatrix[] output;

  public Encoder(EncoderWeights weights) {
    this.weights = weights;
    this.config = weights.config();
    int h = config.hidden();
    int f = config.ffn();
    int layers = config.layers();
    qkv = new PackedMatrix[layers];
    attentionOutput = new PackedMatrix[layers];
    intermediate = new PackedMatrix[layers];
    output = new PackedMatrix[layers];
    List<LayerWeights> ls = weights.layers();
    for (int l = 0; l < layers; l++) {
      LayerWeights w = ls.get(l);
      qkv[l] =
          PackedMatrix.concat(
              h,
              new float[][] {w.query(), w.key(), w.value()},
              new float[][] {w.queryBias(), w.keyBias(), w.valueBias()});
      attentionOutput[l] = new PackedMatrix(w.attentionOutput(), w.attentionOutputBias(), h, h);
      intermediate[l] = new PackedMatrix(w.intermediate(), w.intermediateBias(), h, f);
      output[l] = new PackedMatrix(w.output(), w.outputBias(), f, h);
    }
  }

  public EncoderConfig config() {
    return config;
  }

  /**
   * x₀ of n tokens (row i = token {@code ids[idOff + i]} at document position {@code firstPosition
   * + i}) into {@code x[0 .. n·hidden)}.
   *
   * @throws IllegalArgumentException for an id outside the vocabulary
   */
  public void embed(int[] ids, int idOff, int n, int firstPosition, float[] x) {
    int[] positions = new int[n];
    for (int i = 0; i < n; i++) {
      positions[i] = firstPosition + i;
    }
    embed(Arrays.copyOfRange(ids, idOff, idOff + n), positions, n, x);
  }

  /**
   * x₀ of n tokens in any order (row i = token {@code ids[i]} at document position {@code
   * positions[i]}) into {@code x[0 .. n·hidden)}; each row depends on its own token only.
   *
   * @throws IllegalArgumentException for an id outside the vocabulary or a negative position
   */
  public void embed(int[] ids, int[] positions, int n, float[] x) {
    int h = config.hidden();
    float[] word = weights.wordEmbeddings();
    float[] pos = weights.positionEmbeddings();
    float[] type = weights.tokenTypeEmbedding();
    for (int i = 0; i < n; i++) {
      int id = ids[i];
      if (id < 0 || id >= config.vocab()) {
        throw new IllegalArgumentException(
            "token id " + id + " at position " + positions[i] + " is outside the vocabulary");
      }
      if (positions[i] < 0) {
        throw new IllegalArgumentException("negative position " + positions[i]);
      }
      int p = positions[i] % config.maxPositions();
      int wo = id * h;
      int po = p * h;
      int xo = i * h;
      for (int c = 0; c < h; c++) {
        x[xo + c] = word[wo + c] + type[c] + pos[po + c];
      }
    }
    RowOps.addLayerNorm(
        null,
        0,
        x,
        0,
        n,
        h,
        weights.embeddingNormGamma(),
        weights.embeddingNormBeta(),
        config.layerNormEps());
  }

  /** qkv (n × 3·hidden, see {@link SelfAttention}) of layer ℓ from x (n × hidden). */
  public void projectQkv(int layer, float[] x, int n, float[] qkv) {
    int h = config.hidden();
    for (int r = 0; r < n; r += TOKEN_BLOCK) {
      int rn = Math.min(TOKEN_BLOCK, n - r);
      Gemm.multiply(x, r * h, h, rn, this.qkv[layer], qkv, r * 3 * h, 3 * h);
    }
  }

  /**
   * The rest of layer ℓ after attention, in place on x (n × hidden): attention output projection,
   * residual + LayerNorm, GELU feed-forward, residual + LayerNorm.
   */
  public void finishLayer(int layer, float[] x, float[] ctx, int n) {
    int h = config.hidden();
    int f = config.ffn();
    float eps = config.layerNormEps();
    LayerWeights w = weights.layers().get(layer);
    float[] a = new float[TOKEN_BLOCK * h];
    float[] mid = new float[TOKEN_BLOCK * f];
    for (int r = 0; r < n; r += TOKEN_BLOCK) {
      int rn = Math.min(TOKEN_BLOCK, n - r);
      int xo = r * h;
      Gemm.multiply(ctx, xo, h, rn, attentionOutput[layer], a, 0, h);
      RowOps.addLayerNorm(a, 0, x, xo, rn, h, w.attentionNormGamma(), w.attentionNormBeta(), eps);
      Gemm.multiply(x, xo, h, rn, intermediate[layer], mid, 0, f);
      RowOps.gelu(mid, 0, rn * f);
      Gemm.multiply(mid, 0, f, rn, output[layer], a, 0, h);
      RowOps.addLayerNorm(a, 0, x, xo, rn, h, w.outputNormGamma(), w.outputNormBeta(), eps);
    }
  }

  /**
   * The last hidden state (n × hidden, row-major) of one document of token ids (positions 0 ..
   * n−1), every layer's attention by {@code attention}.
   */
  public float[] forward(int[] ids, SelfAttention attention) {
    int n = ids.length;
    int h = config.hidden();
    float[] x = new float[n * h];
    float[] qkvBuf = new float[n * 3 * h];
    float[] ctx = new float[n * h];
    embed(ids, 0, n, 0, x);
    for (int l = 0; l < config.layers(); l++) {
      projectQkv(l, x, n, qkvBuf);
      attention.attend(l, qkvBuf, n, config.heads(), config.headDim(), ctx);
      finishLayer(l, x, ctx, n);
    }
    return x;
  }

  /** The mean of n rows of width h (all-MiniLM-L6-v2's sentence embedding, before any norm). */
  public static float[] meanPool(float[] rows, int n, int h) {
    double[] sum = new double[h];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < h; c++) {
        sum[c] += rows[i * h + c];
      }
    }
    float[] mean = new float[h];
    for (int c = 0; c < h; c++) {
      mean[c] = (float) (sum[c] / n);
    }
    return mean;
  }
}
