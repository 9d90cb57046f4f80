package org.longattn.datasets;

import java.io.Serializable;

/**
 * What {@code generate} makes.
 *
 * @param docs documents
 * @param minTokens fewest tokens per document
 * @param maxTokens most tokens per document (lengths uniform in [min, max], from the seed)
 * @param heads heads
 * @param headDim q and k values per head
 * @param valueDim v values per head
 * @param seed everything derives from it
 * @param needles planted (query, far key) pairs per document
 * @param globalFraction share of tokens marked global besides position 0
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
    implements Serializable {}
