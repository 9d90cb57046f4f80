package org.longattn.kernels.pattern;

import org.longattn.kernels.hyena.HyenaOperator;

/**
 * The parameters that pick and shape a pattern; {@link #build()} makes it.
 *
 * @param name dense | blocked | longformer | bigbird
 * @param blockSize tokens per block (≥ 1)
 * @param window one-sided Longformer window w (|i−j| ≤ w·dilation); ignored elsewhere
 * @param dilation Longformer dilation (≥ 1)
 * @param randomBlocks BigBird random key blocks per query block (≥ 0)
 * @param seed seed of BigBird's random blocks
 * @param causal only keys j ≤ i (always true for hyena)
 * @param order Hyena order N: N gated long convolutions (1..{@link HyenaOperator#MAX_ORDER});
 *     ignored elsewhere
 */
public record PatternSpec(
    String name,
    int blockSize,
    int window,
    int dilation,
    int randomBlocks,
    long seed,
    boolean causal,
    int order)
    implements java.io.Serializable {

  /** Names {@link #build()} accepts. */
  public static final java.util.List<String> NAMES =
      java.util.List.of("dense", "blocked", "longformer", "bigbird");

  /** Operators that replace attention, also accepted by {@link #build()} (not block patterns). */
  public static final java.util.List<String> OPERATORS = java.util.List.of("hyena");

  /** A spec with the default Hyena order (2), for every pattern that has none. */
  public PatternSpec(
      String name,
      int blockSize,
      int window,
      int dilation,
      int randomBlocks,
      long seed,
      boolean causal) {
    this(name, blockSize, window, dilation, randomBlocks, seed, causal, 2);
  }

  public PatternSpec {
    if (blockSize < 1) {
      throw new IllegalArgumentException("--block-size must be >= 1, got " + blockSize);
    }
    if (window < 0) {
      throw new IllegalArgumentException("--window must be >= 0, got " + window);
    }
    if (dilation < 1) {
      throw new IllegalArgumentException("--dilation must be >= 1, got " + dilation);
    }
    if (randomBlocks < 0) {
      throw new IllegalArgumentException("--random-blocks must be >= 0, got " + randomBlocks);
    }
    if (order < 1 || order > HyenaOperator.MAX_ORDER) {
      throw new IllegalArgumentException(
          "--order must be between 1 and " + HyenaOperator.MAX_ORDER + ", got " + order);
    }
    if ("hyena".equals(name)) {
      causal = true; // causal long convolutions by definition
    }
  }

  /**
   * The parameters that matter for this pattern, by their JSON names (name, block_size, causal, and
   * window/dilation for longformer, random_blocks/seed for bigbird), in a stable order.
   */
  public java.util.Map<String, Object> parameters() {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("name", name);
    m.put("block_size", blockSize);
    m.put("causal", causal);
    if (name.equals("longformer")) {
      m.put("window", window);
      m.put("dilation", dilation);
    }
    if (name.equals("bigbird")) {
      m.put("random_blocks", randomBlocks);
      m.put("seed", seed);
    }
    if (name.equals("hyena")) {
      m.put("order", order);
      m.put("seed", seed);
    }
    return m;
  }

  /** The pattern these parameters describe. */
  public AttentionPattern build() {
    return switch (name) {
      case "dense" -> new DensePattern(blockSize, causal);
      case "blocked" -> new BlockLocalPattern(blockSize, causal);
      case "longformer" -> new LongformerPattern(blockSize, window, dilation, causal);
      case "bigbird" -> new BigBirdPattern(blockSize, randomBlocks, seed, causal);
      case "hyena" -> new HyenaPattern(blockSize);
      default ->
          throw new IllegalArgumentException(
              "--pattern must be one of " + NAMES + " or " + OPERATORS + ", got '" + name + "'");
    };
  }
}
