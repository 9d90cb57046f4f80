package org.longattn.jobs.advise;

import java.util.List;

/**
 * Parameters of one {@code advise} run.
 *
 * @param heads {@code --heads}, or null to take them from the table's {@code _longattn.json}
 * @param samples sampled query positions per document
 * @param causal the model's attention is causal: the exact reference reads j ≤ i, every candidate
 *     too
 * @param maxError the largest mean output error a recommendation may have, or null for no limit
 * @param partitions partitions of the routing shuffle (0 = one per span)
 * @param spanTokens tokens per key span of the exact pass (rounded down to a power-of-two number of
 *     64-token blocks)
 */
public record AdviseParams(
    String input,
    String output,
    boolean overwrite,
    Integer heads,
    List<Candidate> candidates,
    double targetCoverage,
    Double maxError,
    int samples,
    long seed,
    boolean causal,
    int partitions,
    int spanTokens) {}
