package org.longattn.kernels.model;

/**
 * Weights of one encoder layer. Every matrix is row-major {@code in × out} (y = x·W + b, the layout
 * of ONNX's MatMul and of {@code torch.nn.Linear.weight}ᵀ):
 *
 * <pre>
 *   query, key, value   hidden × hidden   (+ bias hidden)       heads side by side: head h is
 *                                                               columns h·d .. h·d + d
 *   attentionOutput     hidden × hidden   (+ bias hidden)
 *   attentionNorm       gamma, beta       hidden
 *   intermediate        hidden × ffn      (+ bias ffn)          followed by GELU (erf form)
 *   output              ffn × hidden      (+ bias hidden)
 *   outputNorm          gamma, beta       hidden
 * </pre>
 */
public record LayerWeights(
    float[] query,
    float[] queryBias,
    float[] key,
    float[] keyBias,
    float[] value,
    float[] valueBias,
    float[] attentionOutput,
    float[] attentionOutputBias,
    float[] attentionNormGamma,
    float[] attentionNormBeta,
    float[] intermediate,
    float[] intermediateBias,
    float[] output,
    float[] outputBias,
    float[] outputNormGamma,
    float[] outputNormBeta) {

  /**
   * Checks every array's length against {@code config}.
   *
   * @throws IllegalArgumentException naming the first tensor of the wrong size
   */
  void validate(EncoderConfig config, int layer) {
    int h = config.hidden();
    int f = config.ffn();
    String p = "layer " + layer + " ";
    EncoderWeights.check(p + "query", query, h * h);
    EncoderWeights.check(p + "query bias", queryBias, h);
    EncoderWeights.check(p + "key", key, h * h);
    EncoderWeights.check(p + "key bias", keyBias, h);
    EncoderWeights.check(p + "value", value, h * h);
    EncoderWeights.check(p + "value bias", valueBias, h);
    EncoderWeights.check(p + "attention output", attentionOutput, h * h);
    EncoderWeights.check(p + "attention output bias", attentionOutputBias, h);
    EncoderWeights.check(p + "attention LayerNorm gamma", attentionNormGamma, h);
    EncoderWeights.check(p + "attention LayerNorm beta", attentionNormBeta, h);
    EncoderWeights.check(p + "intermediate", intermediate, h * f);
    EncoderWeights.check(p + "intermediate bias", intermediateBias, f);
    EncoderWeights.check(p + "output", output, f * h);
    EncoderWeights.check(p + "output bias", outputBias, h);
    EncoderWeights.check(p + "output LayerNorm gamma", outputNormGamma, h);
    EncoderWeights.check(p + "output LayerNorm beta", outputNormBeta, h);
  }
}
