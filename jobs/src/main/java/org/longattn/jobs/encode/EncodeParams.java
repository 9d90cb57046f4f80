package org.longattn.jobs.encode;

import org.longattn.datasets.model.PretrainedModel;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * Parameters of one {@code encode} run.
 *
 * @param input text (as {@code embed} reads it) or a Parquet table of token ids
 * @param output the last hidden state per token (doc_id, pos, hidden), or null
 * @param pooledOutput the mean of each document's last hidden states (doc_id, embedding), or null
 * @param pattern the softmax pattern every layer's self-attention uses
 * @param backend attention backend ({@code auto}, {@code java}, {@code opencl})
 * @param spanTokens the engine's tokens per span
 * @param partitions the engine's routing partitions (0: derived)
 * @param dumpLayer the layer (0-based) whose q, k, v are written to {@code dumpOutput}, or -1
 * @param dumpOutput the token table of layer {@code dumpLayer}'s q, k, v, or null
 * @param perLayer one engine run per layer even where the pattern's reach is bounded (else such
 *     patterns run every layer in one pass over spans with a halo)
 */
public record EncodeParams(
    String input,
    String output,
    String pooledOutput,
    PretrainedModel model,
    PatternSpec pattern,
    String backend,
    int spanTokens,
    int partitions,
    boolean overwrite,
    int dumpLayer,
    String dumpOutput,
    boolean perLayer) {

  /** Whether the last hidden state is asked for (the token or the pooled output). */
  boolean finalOutputs() {
    return output != null || pooledOutput != null;
  }

  /** The layers to run: all of them when a final output is asked for, else up to the dump. */
  int layersToRun(int modelLayers) {
    return finalOutputs() ? modelLayers : dumpLayer + 1;
  }
}
