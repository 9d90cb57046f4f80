package org.longattn.kernels.pattern;

import org.longattn.kernels.hyena.HyenaOperator;

/**
 * The parameters that pick and shape a pattern; {@link #build()} makes it.
 *
 * @param name dense | blocked | longformer | bigbird | strided | fixed | sink | conv-band | hyena
 * @param blockSize tokens per block (≥ 1)
 * @param window one-sided Longformer window w (|i−j| ≤ w·dilation); the window W of sink (i − j
 *     &lt; W); ignored elsewhere
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
 * @param radius conv-band: band radius r, |i−j| ≤ r (≥ 0); ignored elsewhere
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
    int sinks,
    int radius)
    implements java.io.Serializable {

  /** Default sinks S of {@code sink}. */
  public static final int DEFAULT_SINKS = 4;

  /** Default window of longformer and sink. */
  public static final int DEFAULT_WINDOW = 256;

  /** Default Longformer dilation. */
  public static final int DEFAULT_DILATION = 1;

  /** Default BigBird random blocks. */
  public static final int DEFAULT_RANDOM_BLOCKS = 3;

  /** Default conv-band radius. */
  public static final int DEFAULT_RADIUS = 16;

  /**
   * A spec of family {@code name}: the given parameters, every other one at its default ({@link
   * Param#defaultValue()}; the summary of {@code fixed} defaults to min(8, stride)).
   */
  public static PatternSpec of(
      String name,
      int blockSize,
      long seed,
      boolean causal,
      boolean anticausal,
      java.util.Map<Param, Integer> values) {
    java.util.function.ToIntFunction<Param> v = p -> values.getOrDefault(p, p.defaultValue());
    int stride = v.applyAsInt(Param.STRIDE);
    return new PatternSpec(
        name,
        blockSize,
        v.applyAsInt(Param.WINDOW),
        v.applyAsInt(Param.DILATION),
        v.applyAsInt(Param.RANDOM_BLOCKS),
        seed,
        causal,
        v.applyAsInt(Param.ORDER),
        stride,
        values.getOrDefault(Param.SUMMARY, Math.min(DEFAULT_SUMMARY, Math.max(1, stride))),
        anticausal,
        v.applyAsInt(Param.FEATURES),
        v.applyAsInt(Param.RANK),
        v.applyAsInt(Param.SINKS),
        v.applyAsInt(Param.RADIUS));
  }

  /** The family these parameters belong to (an unknown name is refused). */
  public Family family() {
    return Families.of(name);
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
        sinks,
        radius);
  }

  /** Default Performer features and Linformer rank. */
  public static final int DEFAULT_FEATURES = 256;

  public static final int DEFAULT_RANK = 256;

  /** Default stride l of strided and fixed. */
  public static final int DEFAULT_STRIDE = 128;

  /** Default summary c of fixed. */
  public static final int DEFAULT_SUMMARY = 8;

  /** Default Hyena order. */
  public static final int DEFAULT_ORDER = 2;

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
    if (radius < 0) {
      throw new IllegalArgumentException("--radius must be >= 0, got " + radius);
    }
    Family family = Families.find(name).orElse(null);
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
    if (family != null && family.direction() == Direction.CAUSAL) {
      if (anticausal) {
        throw new IllegalArgumentException(family.anticausalRefusal());
      }
      causal = true; // causal by definition (hyena's long convolutions, sink's window)
    }
    if (sinks < 0) {
      throw new IllegalArgumentException("--sinks must be >= 0, got " + sinks);
    }
    if (stride < 1) {
      throw new IllegalArgumentException("--stride must be >= 1, got " + stride);
    }
    if (summary < 1
        || (family != null && family.params().contains(Param.SUMMARY) && summary > stride)) {
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
    if (anticausal && family != null && family.direction() == Direction.NOT_ANTICAUSAL) {
      throw new IllegalArgumentException(family.anticausalRefusal());
    }
  }

  /**
   * The parameters that matter for this pattern, by their JSON names, in a stable order: name,
   * block_size, causal, anticausal (when set), the family's {@link Family#params()}, and the seed
   * when it shapes the values ({@link Family#seeded()}). {@link Families#read} reads it back.
   */
  public java.util.Map<String, Object> parameters() {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("name", name);
    m.put("block_size", blockSize);
    m.put("causal", causal);
    if (anticausal) {
      m.put("anticausal", true);
    }
    Family family = Families.find(name).orElse(null);
    if (family != null) {
      for (Param p : family.params()) {
        m.put(p.key(), p.of(this));
      }
      if (family.seeded()) {
        m.put("seed", seed);
      }
    }
    return m;
  }

  /** The pattern these parameters describe. */
  public AttentionPattern build() {
    return family().build(this);
  }
}
