package org.longattn.kernels.model;

/**
 * Shape of a BERT-style post-LayerNorm encoder: {@code layers} blocks of {@code heads} × {@link
 * #headDim()} self-attention and a GELU feed-forward of width {@code ffn}, over {@code hidden}-wide
 * token vectors; {@code maxPositions} learned position embeddings.
 */
public record EncoderConfig(
    int vocab, int hidden, int heads, int ffn, int layers, int maxPositions, float layerNormEps) {
  public EncoderConfig {
    if (vocab < 1 || hidden < 1 || heads < 1 || ffn < 1 || layers < 1 || maxPositions < 1) {
      throw new IllegalArgumentException("bad encoder shape: " + this);
    }
    if (hidden % heads != 0) {
      throw new IllegalArgumentException(
          "hidden " + hidden + " is not a multiple of heads " + heads);
    }
    if (!(layerNormEps > 0)) {
      throw new IllegalArgumentException("LayerNorm epsilon must be > 0: " + layerNormEps);
    }
  }

  /** Width of one head (hidden / heads). */
  public int headDim() {
    return hidden / heads;
  }
}
