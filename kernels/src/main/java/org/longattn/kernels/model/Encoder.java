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
    projectQkv(layer, x, 0, n, qkv);
  }

  /** qkv of layer ℓ for the rows [r0, r1) of x (same rows of qkv). */
  private void projectQkv(int layer, float[] x, int r0, int r1, float[] qkv) {
    int h = config.hidden();
    for (int r = r0; r < r1; r += TOKEN_BLOCK) {
      int rn = Math.min(TOKEN_BLOCK, r1 - r);
      Gemm.multiply(x, r * h, h, rn, this.qkv[layer], qkv, r * 3 * h, 3 * h);
    }
  }

  /**
   * The rest of layer ℓ after attention, in place on x (n × hidden): attention output projection,
   * residual + LayerNorm, GELU feed-forward, residual + LayerNorm.
   */
  public void finishLayer(int layer, float[] x, float[] ctx, int n) {
    finishLayer(layer, x, ctx, 0, n);
  }

  /** {@link #finishLayer(int, float[], float[], int)} for the rows [r0, r1) of x and ctx. */
  private void finishLayer(int layer, float[] x, float[] ctx, int r0, int r1) {
    int h = config.hidden();
    int f = config.ffn();
    float eps = config.layerNormEps();
    LayerWeights w = weights.layers().get(layer);
    float[] a = new float[TOKEN_BLOCK * h];
    float[] mid = new float[TOKEN_BLOCK * f];
    for (int r = r0; r < r1; r += TOKEN_BLOCK) {
      int rn = Math.min(TOKEN_BLOCK, r1 - r);
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
   * The states of the positions [c0, c1) of one document after {@code layers} layers whose
   * attention is {@code attention}, computed from the document's rows [first, first + m) alone
   * (token {@code ids[r]} at position first + r): a window of a long document, so that spans of it
   * can run apart. The rows must hold {@link LocalSelfAttention#reach reach(c0, c1, layers)},
   * except where the document ends (first + m is then its end). Layer ℓ is computed only where the
   * later layers need it: its queries widened to whole chunks, and the keys those read. The result
   * is bitwise the one of {@link #forward} over the whole document: every row's per-token work
   * depends on the row alone, and every query's attention on its chunk alone.
   *
   * @param captureLayer a layer whose q, k, v of [c0, c1) to return as well ({@code ≤ layers};
   *     {@code layers} = the next layer's), or -1
   * @return x of [c0, c1) ((c1 − c0) × hidden) and, with {@code captureLayer}, their q, k, v ((c1 −
   *     c0) × 3·hidden, {@link SelfAttention}'s layout)
   */
  public Window forwardWindow(
      int[] ids,
      int first,
      int m,
      int c0,
      int c1,
      int layers,
      LocalSelfAttention attention,
      int captureLayer) {
    int end = first + m;
    if (c0 < first || c1 > end || c0 >= c1 || layers < 0 || layers > config.layers()) {
      throw new IllegalArgumentException(
          "window [" + c0 + ", " + c1 + ") over rows [" + first + ", " + end + "), " + layers);
    }
    if (captureLayer > layers || captureLayer >= config.layers()) {
      throw new IllegalArgumentException("capture layer " + captureLayer + " > " + layers);
    }
    // ranges[ℓ] = the rows layer ℓ's states are needed on; queries[ℓ] = layer ℓ's query rows
    long[][] ranges = new long[layers + 1][];
    long[][] queries = new long[layers][];
    ranges[layers] = new long[] {c0, c1};
    for (int l = layers - 1; l >= 0; l--) {
      long[] q = attention.chunks(ranges[l + 1][0], ranges[l + 1][1]);
      q[1] = Math.min(q[1], end);
      queries[l] = q;
      long[] k = attention.reach(q[0], q[1], 1);
      ranges[l] = new long[] {Math.min(q[0], k[0]), Math.min(end, Math.max(q[1], k[1]))};
    }
    int lo = (int) ranges[0][0];
    if (lo < first) {
      throw new IllegalArgumentException(
          "rows from " + first + " do not hold position " + lo + " that the window reaches");
    }
    int h = config.hidden();
    int rows = (int) ranges[0][1] - lo;
    float[] x = new float[rows * h];
    float[] qkvBuf = new float[rows * 3 * h];
    float[] ctx = new float[rows * h];
    float[] captured = null;
    embed(ids, lo - first, rows, lo, x);
    for (int l = 0; l < layers; l++) {
      projectQkv(l, x, (int) ranges[l][0] - lo, (int) ranges[l][1] - lo, qkvBuf);
      if (l == captureLayer) {
        captured = Arrays.copyOfRange(qkvBuf, (c0 - lo) * 3 * h, (c1 - lo) * 3 * h);
      }
      int q0 = (int) queries[l][0];
      int q1 = (int) queries[l][1];
      attention.attend(qkvBuf, lo, rows, q0, q1, config.heads(), config.headDim(), ctx);
      finishLayer(l, x, ctx, q0 - lo, q1 - lo);
    }
    if (captureLayer == layers) { // the next layer's q, k, v, of the window only
      projectQkv(layers, x, c0 - lo, c1 - lo, qkvBuf);
      captured = Arrays.copyOfRange(qkvBuf, (c0 - lo) * 3 * h, (c1 - lo) * 3 * h);
    }
    return new Window(Arrays.copyOfRange(x, (c0 - lo) * h, (c1 - lo) * h), captured);
  }

  /** {@link #forwardWindow}'s result: x and (or null) the captured q, k, v of the window. */
  public record Window(float[] x, float[] qkv) {}

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
