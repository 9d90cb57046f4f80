package org.longattn.kernels.model;

/**
 * The self-attention step of one encoder layer, the part that mixes tokens: everything else in
 * {@link Encoder} is per token. Implementations choose which keys a query reads (dense, a band, a
 * block, the engine's patterns); {@link LocalSelfAttention} runs in this JVM.
 *
 * <p>Layout (row-major, head-major, d = headDim):
 *
 * <pre>
 *   qkv[i·3Hd + h·d + c]          q_i of head h        (biases applied, not scaled)
 *   qkv[i·3Hd + Hd + h·d + c]     k_i of head h
 *   qkv[i·3Hd + 2Hd + h·d + c]    v_i of head h
 *   ctx[i·Hd + h·d + c]           Σ_j p_h(i, j)·v_j[h·d + c],   p_h(i, ·) = softmax_j(q_i·k_j / √d)
 * </pre>
 *
 * over the keys j the pattern lets token i (document position i) read.
 */
public interface SelfAttention {
  /**
   * Writes ctx for the n tokens of one document at layer {@code layer} (0-based; implementations
   * may ignore it).
   */
  void attend(int layer, float[] qkv, int n, int heads, int headDim, float[] ctx);
}
