package org.longattn.kernels.pattern;

import org.longattn.kernels.hyena.HyenaOperator;

/**
 * The parameters that pick and shape a pattern; {@link #build()} makes it.
 *
 * @param name dense | blocked | longformer | bigbird | strided | fixed | sink | conv-band | hyena
 * @param blockSize tokens per block (≥ 1)
 * @param window one-sided Longformer window w (|i−j| ≤ w·dilation); the radius r of conv-band; the
 *     window W of sink (i − j &lt; W); ignored elsewhere
 * @param dilation Longformer dilation (≥ 1)
 * @param randomBlocks BigBird random key blocks per query block (≥ 0)
 * @param seed seed of BigBird's random blocks
 * @param causal only keys j ≤ i (always true for hyena)
 * @param order Hyena order N: N gated long convolutions (1..{@link HyenaOperator#MAX_ORDER});
 *     ignored elsewhere
 * @param stride Sparse Transformer stride / segment length l (strided, fixed; ≥ 1)
 * @param summary summary keys c at the end of each segment (fixed; 1 ≤ c ≤ l)
 * @param anticausal only keys j ≥ i (never together with causal)
 * @param features Performer random features m (≥ 1); ignored elsewhere
 * @param rank Linformer projection rank k (≥ 1); ignored elsewhere
 * @param sinks sink: the first S tokens every query reads (≥ 0); ignored elsewhere
 */
public record PatternSpec(
    String name,
    int blockSize,
    int window,
    int dilation,
    int randomBlocks,
    long seed,
    boolean causal,
    int order,
    int stride,
    int summary,
    boolean anticausal,
    int features,
    int rank,
    int sinks)
    implements java.io.Serializable {

  /** Default sinks S of {@code sink}. */
  public static final int DEFAULT_SINKS = 4;

  /** A spec with every parameter but the sinks (default {@link #DEFAULT_SINKS}). */
  public PatternSpec(
      String name,
      int blockSize,
      int window,
      int dilation,
      int randomBlocks,
      long seed,
      boolean causal,
      int order,
      int stride,
      int summary,
      boolean anticausal,
      int features,
      int rank) {
    this(
        name,
        blockSize,
        window,
        dilation,
        randomBlocks,
        seed,
        causal,
        order,
        stride,
        summary,
        anticausal,
        features,
        rank,
        DEFAULT_SINKS);
  }

  /** This spec with sinks S. */
  public PatternSpec withSinks(int sinks) {
    return new PatternSpec(
        name,
        blockSize,
        window,
        dilation,
        randomBlocks,
        seed,
        causal,
        order,
        stride,
        summary,
        anticausal,
        features,
        rank,
        sinks);
  }

  /** Default Performer features and Linformer rank. */
  public static final int DEFAULT_FEATURES = 256;

  public static final int DEFAULT_RANK = 256;

  /**
   * The state-based families (DESIGN §3): they have no block pattern ({@link #build()} rejects
   * them); {@code attend} runs them as a reduction or a scan over blocks.
   */
  public static final java.util.List<String> LINEAR_FAMILIES =
      java.util.List.of("linear", "gated-linear", "performer", "linformer");

  /** Default stride l of strided and fixed. */
  public static final int DEFAULT_STRIDE = 128;

  /** Default summary c of fixed. */
  public static final int DEFAULT_SUMMARY = 8;

  /** Default Hyena order. */
  public static final int DEFAULT_ORDER = 2;

  /** The spec of a pattern without Sparse Transformer parameters and without anticausal. */
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
        DEFAULT_ORDER,
        DEFAULT_STRIDE,
        DEFAULT_SUMMARY,
        false,
        DEFAULT_FEATURES,
        DEFAULT_RANK);
  }

  /** A Hyena spec (or any pattern) with order N and no Sparse Transformer parameters. */
  public PatternSpec(
      String name,
      int blockSize,
      int window,
      int dilation,
      int randomBlocks,
      long seed,
      boolean causal,
      int order) {
    this(
        name,
        blockSize,
        window,
        dilation,
        randomBlocks,
        seed,
        causal,
        order,
        DEFAULT_STRIDE,
        DEFAULT_SUMMARY,
        false,
        DEFAULT_FEATURES,
        DEFAULT_RANK);
  }

  /** A spec with Sparse Transformer parameters and directions, default Hyena order. */
  public PatternSpec(
      String name,
      int blockSize,
      int window,
      int dilation,
      int randomBlocks,
      long seed,
      boolean causal,
      int stride,
      int summary,
      boolean anticausal) {
    this(
        name,
        blockSize,
        window,
        dilation,
        randomBlocks,
        seed,
        causal,
        DEFAULT_ORDER,
        stride,
        summary,
        anticausal,
        DEFAULT_FEATURES,
        DEFAULT_RANK);
  }

  /** A linear-family spec: Performer features and Linformer rank, other parameters default. */
  public PatternSpec(
      String name,
      int blockSize,
      int window,
      int dilation,
      int randomBlocks,
      long seed,
      boolean causal,
      int features,
      int rank) {
    this(
        name,
        blockSize,
        window,
        dilation,
        randomBlocks,
        seed,
        causal,
        DEFAULT_ORDER,
        DEFAULT_STRIDE,
        DEFAULT_SUMMARY,
        false,
        features,
        rank);
  }

  /** Whether {@link #name} is one of {@link #LINEAR_FAMILIES}. */
  public boolean isLinearFamily() {
    return LINEAR_FAMILIES.contains(name);
  }

  /** Every name {@link #build()} accepts: the softmax patterns, {@code conv-band} and Hyena. */
  public static final java.util.List<String> ALL_NAMES =
      java.util.List.of(
          "dense",
          "blocked",
          "longformer",
          "bigbird",
          "strided",
          "fixed",
          "sink",
          "conv-band",
          "hyena");

  /**
   * The softmax patterns that take every direction (all but {@code conv-band} and {@code sink}).
   */
  public static final java.util.List<String> NAMES =
      java.util.List.of("dense", "blocked", "longformer", "bigbird", "strided", "fixed");

  /** Every softmax pattern: {@link #NAMES} and the causal-only {@code sink}. */
  public static final java.util.List<String> SOFTMAX_NAMES =
      java.util.List.of("dense", "blocked", "longformer", "bigbird", "strided", "fixed", "sink");

  /** Operators that replace attention, also accepted by {@link #build()} (not block patterns). */
  public static final java.util.List<String> OPERATORS = java.util.List.of("hyena");

  /**
   * The largest block: a task holds a block's queries and every key block they read in memory, and
   * sizes buffers by the block, so a block of a billion tokens fails with OutOfMemoryError however
   * short the documents are.
   */
  public static final int MAX_BLOCK_SIZE = 16384;

  public PatternSpec {
    if (blockSize < 1 || blockSize > MAX_BLOCK_SIZE) {
      throw new IllegalArgumentException(
          "--block-size must be between 1 and "
              + MAX_BLOCK_SIZE
              + ", got "
              + blockSize
              + " (a task holds a block's queries and the key blocks they read in memory)");
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
      if (anticausal) {
        throw new IllegalArgumentException("--anticausal does not apply to --pattern hyena");
      }
      causal = true; // causal long convolutions by definition
    }
    if ("sink".equals(name)) {
      if (anticausal) {
        throw new IllegalArgumentException(
            "--anticausal does not apply to --pattern sink (causal by definition)");
      }
      causal = true; // the first S tokens and the W most recent ones: j ≤ i by definition
    }
    if (sinks < 0) {
      throw new IllegalArgumentException("--sinks must be >= 0, got " + sinks);
    }
    if (stride < 1) {
      throw new IllegalArgumentException("--stride must be >= 1, got " + stride);
    }
    if (summary < 1 || ("fixed".equals(name) && summary > stride)) {
      throw new IllegalArgumentException(
          "--summary must be between 1 and --stride " + stride + ", got " + summary);
    }
    if (causal && anticausal) {
      throw new IllegalArgumentException("--causal and --anticausal exclude each other");
    }
    if (features < 1) {
      throw new IllegalArgumentException("--features must be >= 1, got " + features);
    }
    if (rank < 1) {
      throw new IllegalArgumentException("--rank must be >= 1, got " + rank);
    }
    if (anticausal && LINEAR_FAMILIES.contains(name)) {
      throw new IllegalArgumentException("--anticausal does not apply to --pattern " + name);
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
    if (anticausal) {
      m.put("anticausal", true);
    }
    if (name.equals("strided") || name.equals("fixed")) {
      m.put("stride", stride);
    }
    if (name.equals("fixed")) {
      m.put("summary", summary);
    }
    if (name.equals("conv-band")) {
      m.put("radius", window);
    }
    if (name.equals("longformer")) {
      m.put("window", window);
      m.put("dilation", dilation);
    }
    if (name.equals("sink")) {
      m.put("sinks", sinks);
      m.put("window", window);
    }
    if (name.equals("bigbird")) {
      m.put("random_blocks", randomBlocks);
      m.put("seed", seed);
    }
    if (name.equals("hyena")) {
      m.put("order", order);
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
      case "dense" -> new DensePattern(blockSize, causal, anticausal);
      case "blocked" -> new BlockLocalPattern(blockSize, causal, anticausal);
      case "longformer" -> new LongformerPattern(blockSize, window, dilation, causal, anticausal);
      case "bigbird" -> new BigBirdPattern(blockSize, randomBlocks, seed, causal, anticausal);
      case "strided" -> new StridedPattern(blockSize, stride, causal, anticausal);
      case "fixed" -> new FixedPattern(blockSize, stride, summary, causal, anticausal);
      case "sink" -> new SinkPattern(blockSize, sinks, window);
      case "conv-band" -> new ConvBandPattern(blockSize, window, causal, anticausal);
      case "hyena" -> new HyenaPattern(blockSize);
      default ->
          throw new IllegalArgumentException(
              isLinearFamily()
                  ? "--pattern " + name + " is a linear-attention family: it has no block pattern"
                  : "--pattern must be one of "
                      + ALL_NAMES
                      + " or "
                      + LINEAR_FAMILIES
                      + ", got '"
                      + name
                      + "'");
    };
  }
}
