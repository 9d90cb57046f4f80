package org.longattn.kernels.model;

import java.util.List;

/**
 * All weights of an encoder (see {@link EncoderConfig}), row-major:
 *
 * <pre>
 *   wordEmbeddings       vocab × hidden
 *   positionEmbeddings   maxPositions × hidden
 *   tokenTypeEmbedding   hidden            (type 0: every token of a single-segment document)
 *   embeddingNorm        gamma, beta       hidden
 *   layers               {@link LayerWeights} × layers
 * </pre>
 *
 * The constructor checks every shape.
 */
public record EncoderWeights(
    EncoderConfig config,
    float[] wordEmbeddings,
    float[] positionEmbeddings,
    float[] tokenTypeEmbedding,
    float[] embeddingNormGamma,
    float[] embeddingNormBeta,
    List<LayerWeights> layers) {

  public EncoderWeights {
    int h = config.hidden();
    check("word embeddings", wordEmbeddings, (long) config.vocab() * h);
    check("position embeddings", positionEmbeddings, (long) config.maxPositions() * h);
    check("token type embedding", tokenTypeEmbedding, h);
    check("embedding LayerNorm gamma", embeddingNormGamma, h);
    check("embedding LayerNorm beta", embeddingNormBeta, h);
    layers = List.copyOf(layers);
    if (layers.size() != config.layers()) {
      throw new IllegalArgumentException(
          "expected " + config.layers() + " layers, got " + layers.size());
    }
    for (int i = 0; i < layers.size(); i++) {
      layers.get(i).validate(config, i);
    }
  }

  static void check(String what, float[] a, long expected) {
    if (a == null || a.length != expected) {
      throw new IllegalArgumentException(
          what
              + ": expected "
              + expected
              + " values, got "
              + (a == null ? "none" : String.valueOf(a.length)));
    }
  }
}
