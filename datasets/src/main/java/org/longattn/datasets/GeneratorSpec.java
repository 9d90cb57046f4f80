package org.longattn.datasets;

import java.io.Serializable;

/**
 * What {@code generate} makes ({@link SyntheticDocuments}). Validated on construction: a bad value
 * is an {@link InputException} naming the CLI flag.
 *
 * @param docs number of documents (ids {@code doc-00000}, …)
 * @param minTokens fewest tokens per document
 * @param maxTokens most tokens per document; lengths are uniform in [minTokens, maxTokens]
 * @param heads heads H
 * @param headDim q and k values per head (q, k hold H·headDim values)
 * @param valueDim v values per head (v holds H·valueDim values)
 * @param seed everything derives from it
 * @param needles planted (query, far key) pairs per document (fewer in documents under 2·needles
 *     tokens)
 * @param globalFraction probability that a token other than position 0 is global
 * @param binary q, k, v as binary (little-endian float32) instead of array&lt;float&gt;
 */
public record GeneratorSpec(
    int docs,
    int minTokens,
    int maxTokens,
    int heads,
    int headDim,
    int valueDim,
    long seed,
    int needles,
    double globalFraction,
    boolean binary)
    implements Serializable {
  public GeneratorSpec {
    require(docs >= 1, "--docs must be >= 1, got " + docs);
    require(minTokens >= 1, "--min-tokens must be >= 1, got " + minTokens);
    require(
        maxTokens >= minTokens,
        "--max-tokens (" + maxTokens + ") must be >= --min-tokens (" + minTokens + ")");
    require(heads >= 1, "--heads must be >= 1, got " + heads);
    require(headDim >= 1, "--head-dim must be >= 1, got " + headDim);
    require(valueDim >= 1, "--value-dim must be >= 1, got " + valueDim);
    require(
        (long) heads * Math.max(headDim, valueDim) <= 1 << 20,
        "--heads × --head-dim (or --value-dim) must be <= 1048576 values per vector");
    require(needles >= 0, "--needles must be >= 0, got " + needles);
    require(
        globalFraction >= 0 && globalFraction <= 1,
        "--global-fraction must be in [0, 1], got " + globalFraction);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new InputException(message);
    }
  }
}
