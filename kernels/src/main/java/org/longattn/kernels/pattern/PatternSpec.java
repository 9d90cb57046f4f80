package org.longattn.kernels.pattern;

/**
 * The parameters that pick and shape a pattern; {@link #build()} makes it.
 *
 * @param name dense | blocked | longformer | bigbird
 * @param blockSize tokens per block (≥ 1)
 * @param window one-sided Longformer window w (|i−j| ≤ w·dilation); ignored elsewhere
 * @param dilation Longformer dilation (≥ 1)
 * @param randomBlocks BigBird random key blocks per query block (≥ 0)
 * @param seed seed of BigBird's random blocks
 * @param causal only keys j ≤ i
 * @param features Performer random features m (≥ 1); ignored elsewhere
 * @param rank Linformer projection rank k (≥ 1); ignored elsewhere
 */
public record PatternSpec(
    String name,
    int blockSize,
    int window,
    int dilation,
    int randomBlocks,
    long seed,
    boolean causal,
    int features,
    int rank)
    implements java.io.Serializable {

  /** Default Performer features and Linformer rank. */
  public static final int DEFAULT_FEATURES = 256;

  public static final int DEFAULT_RANK = 256;

  /**
   * The state-based families (DESIGN §3): they have no block pattern ({@link #build()} rejects
   * them); {@code attend} runs them as a reduction or a scan over blocks.
   */
  public static final java.util.List<String> LINEAR_FAMILIES =
      java.util.List.of("linear", "gated-linear", "performer", "linformer");

  /** A block pattern, with the default Performer features and Linformer rank. */
  public PatternSpec(
      String name,
      int blockSize,
      int window,
      int dilation,
      int randomBlocks,
      long seed,
      boolean causal) {
    this(
        name,
        blockSize,
        window,
        dilation,
        randomBlocks,
        seed,
        causal,
        DEFAULT_FEATURES,
        DEFAULT_RANK);
  }

  /** Whether {@link #name} is one of {@link #LINEAR_FAMILIES}. */
  public boolean isLinearFamily() {
    return LINEAR_FAMILIES.contains(name);
  }

  /** Names {@link #build()} accepts. */
  public static final java.util.List<String> NAMES =
      java.util.List.of("dense", "blocked", "longformer", "bigbird");

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
    if (features < 1) {
      throw new IllegalArgumentException("--features must be >= 1, got " + features);
    }
    if (rank < 1) {
      throw new IllegalArgumentException("--rank must be >= 1, got " + rank);
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
    if (name.equals("performer")) {
      m.put("features", features);
    }
    if (name.equals("linformer")) {
      m.put("rank", rank);
    }
    if (isLinearFamily()) {
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
      default ->
          throw new IllegalArgumentException(
              isLinearFamily()
                  ? "--pattern " + name + " is a linear-attention family: it has no block pattern"
                  : "--pattern must be one of "
                      + NAMES
                      + " or "
                      + LINEAR_FAMILIES
                      + ", got '"
                      + name
                      + "'");
    };
  }
}
