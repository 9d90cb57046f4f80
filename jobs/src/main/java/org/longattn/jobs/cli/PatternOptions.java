package org.longattn.jobs.cli;

import org.longattn.kernels.pattern.PatternSpec;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The flags that pick a pattern; shared by attend, pattern and bench. */
public final class PatternOptions {
  @Option(
      names = "--pattern",
      description =
          "Required (or from --preset): dense | blocked | longformer | bigbird | strided | fixed |"
              + " sink | conv-band | hyena (Hyena long convolutions, not attention; always causal), or a"
              + " linear-attention family: linear | gated-linear | performer | linformer.")
  String pattern;

  /** The names --pattern takes, for the message when it is missing. */
  static final String NAMES =
      "dense, blocked, longformer, bigbird, strided, fixed, sink, conv-band, hyena, linear,"
          + " gated-linear, performer, linformer";

  @Option(
      names = "--block-size",
      defaultValue = "64",
      description = "Tokens per block (default: ${DEFAULT-VALUE}).")
  int blockSize;

  @Option(
      names = "--window",
      description =
          "Longformer one-sided window w: |i-j| <= w (= HF attention_window/2; default 256);"
              + " sink: the W most recent keys, i-j < W (default 256).")
  Integer window;

  @Option(
      names = "--sinks",
      description =
          "sink: the first S tokens every query reads, j < S (default "
              + PatternSpec.DEFAULT_SINKS
              + ").")
  Integer sinks;

  @Option(names = "--dilation", description = "Longformer dilation (default 1).")
  Integer dilation;

  @Option(
      names = "--random-blocks",
      description = "BigBird random key blocks per query block (default 3).")
  Integer randomBlocks;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed of random blocks and of Hyena's filters (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--causal", description = "Only keys j <= i.")
  boolean causal;

  @Option(
      names = "--order",
      description = "Hyena order N: N gated long convolutions, 1..8 (default 2).")
  Integer order;

  @Option(
      names = "--anticausal",
      description = "Only keys j >= i (attend to later tokens); excludes --causal.")
  boolean anticausal;

  @Option(names = "--radius", description = "conv-band: band radius r, |i-j| <= r (default 16).")
  Integer radius;

  @Option(
      names = "--stride",
      description = "Sparse Transformer stride l (strided, fixed; default 128).")
  Integer stride;

  @Option(
      names = "--summary",
      description =
          "fixed: summary keys c at the end of each stride-l segment (default min(8, l)).")
  Integer summary;

  @Option(
      names = "--features",
      description = "Performer random features m (default " + PatternSpec.DEFAULT_FEATURES + ").")
  Integer features;

  @Option(
      names = "--rank",
      description = "Linformer projection rank k (default " + PatternSpec.DEFAULT_RANK + ").")
  Integer rank;

  /** The spec, after checking that pattern-specific flags match the pattern. */
  public PatternSpec spec(CommandLine cmd) {
    if (pattern == null) {
      // no silent default: dense attention is O(n^2), and the wrong answer for a sparse model
      throw new CommandLine.ParameterException(
          cmd, "--pattern is required (one of " + NAMES + "; or a --preset that sets it)");
    }
    if (window != null && !pattern.equals("longformer") && !pattern.equals("sink")) {
      throw new CommandLine.ParameterException(
          cmd,
          "--window only applies to --pattern longformer or sink (got --pattern " + pattern + ")");
    }
    requireFor(cmd, "--sinks", "sink");
    requireFor(cmd, "--dilation", "longformer");
    requireFor(cmd, "--random-blocks", "bigbird");
    requireFor(cmd, "--order", "hyena");
    if (stride != null && !pattern.equals("strided") && !pattern.equals("fixed")) {
      throw new CommandLine.ParameterException(
          cmd,
          "--stride only applies to --pattern strided or fixed (got --pattern " + pattern + ")");
    }
    requireFor(cmd, "--summary", "fixed");
    requireFor(cmd, "--radius", "conv-band");
    if (radius != null && radius < 0) {
      throw new CommandLine.ParameterException(cmd, "--radius must be >= 0, got " + radius);
    }
    requireFor(cmd, "--features", "performer");
    requireFor(cmd, "--rank", "linformer");
    if (causal && pattern.equals("linformer")) {
      throw new CommandLine.ParameterException(
          cmd,
          "--causal is not supported by --pattern linformer: its projection K' = sum_b E_b K_b"
              + " mixes every position of the document, later ones included");
    }
    try {
      PatternSpec spec =
          new PatternSpec(
              pattern,
              blockSize,
              pattern.equals("conv-band")
                  ? (radius == null ? 16 : radius)
                  : (window == null ? 256 : window),
              dilation == null ? 1 : dilation,
              randomBlocks == null ? 3 : randomBlocks,
              seed,
              causal,
              order == null ? PatternSpec.DEFAULT_ORDER : order,
              stride == null ? PatternSpec.DEFAULT_STRIDE : stride,
              summary == null
                  ? Math.min(
                      PatternSpec.DEFAULT_SUMMARY,
                      stride == null ? PatternSpec.DEFAULT_STRIDE : Math.max(1, stride))
                  : summary,
              anticausal,
              features == null ? PatternSpec.DEFAULT_FEATURES : features,
              rank == null ? PatternSpec.DEFAULT_RANK : rank,
              sinks == null ? PatternSpec.DEFAULT_SINKS : sinks);
      if (!spec.isLinearFamily()) {
        spec.build(); // rejects an unknown name now, before any Spark work
      }
      return spec;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cmd, e.getMessage());
    }
  }

  private void requireFor(CommandLine cmd, String flag, String only) {
    if (cmd.getParseResult().hasMatchedOption(flag) && !pattern.equals(only)) {
      throw new CommandLine.ParameterException(
          cmd, flag + " only applies to --pattern " + only + " (got --pattern " + pattern + ")");
    }
  }
}
