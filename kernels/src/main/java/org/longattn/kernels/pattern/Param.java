package org.longattn.kernels.pattern;

/**
 * An integer parameter a family may take beyond the block size, the seed and the direction: its
 * command-line flag, its key in {@code _longattn.json} and its default. A {@link Family} lists the
 * ones it takes ({@link Family#params()}); {@link PatternSpec} validates their ranges.
 */
public enum Param {
  WINDOW("--window", "window", PatternSpec.DEFAULT_WINDOW),
  SINKS("--sinks", "sinks", PatternSpec.DEFAULT_SINKS),
  DILATION("--dilation", "dilation", PatternSpec.DEFAULT_DILATION),
  RANDOM_BLOCKS("--random-blocks", "random_blocks", PatternSpec.DEFAULT_RANDOM_BLOCKS),
  ORDER("--order", "order", PatternSpec.DEFAULT_ORDER),
  STRIDE("--stride", "stride", PatternSpec.DEFAULT_STRIDE),
  SUMMARY("--summary", "summary", PatternSpec.DEFAULT_SUMMARY),
  RADIUS("--radius", "radius", PatternSpec.DEFAULT_RADIUS),
  FEATURES("--features", "features", PatternSpec.DEFAULT_FEATURES),
  RANK("--rank", "rank", PatternSpec.DEFAULT_RANK);

  private final String flag;
  private final String key;
  private final int defaultValue;

  Param(String flag, String key, int defaultValue) {
    this.flag = flag;
    this.key = key;
    this.defaultValue = defaultValue;
  }

  /** The command-line flag, e.g. {@code --window}. */
  public String flag() {
    return flag;
  }

  /** The key in the run record's {@code pattern} object, e.g. {@code random_blocks}. */
  public String key() {
    return key;
  }

  /** The value when the flag is not given ({@link #SUMMARY}: see {@link PatternSpec#of}). */
  public int defaultValue() {
    return defaultValue;
  }

  /** This parameter's value in {@code spec}. */
  public int of(PatternSpec spec) {
    return switch (this) {
      case WINDOW -> spec.window();
      case SINKS -> spec.sinks();
      case DILATION -> spec.dilation();
      case RANDOM_BLOCKS -> spec.randomBlocks();
      case ORDER -> spec.order();
      case STRIDE -> spec.stride();
      case SUMMARY -> spec.summary();
      case RADIUS -> spec.radius();
      case FEATURES -> spec.features();
      case RANK -> spec.rank();
    };
  }
}
