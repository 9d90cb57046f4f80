package org.longattn.jobs.cli;

import org.longattn.kernels.pattern.PatternSpec;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The flags that pick a pattern; shared by attend, pattern and bench. */
public final class PatternOptions {
  @Option(
      names = "--pattern",
      defaultValue = "dense",
      description =
          "dense | blocked | longformer | bigbird, or a linear-attention family: linear |"
              + " gated-linear | performer | linformer (default: ${DEFAULT-VALUE}).")
  String pattern;

  @Option(
      names = "--block-size",
      defaultValue = "64",
      description = "Tokens per block (default: ${DEFAULT-VALUE}).")
  int blockSize;

  @Option(
      names = "--window",
      description =
          "Longformer one-sided window w: |i-j| <= w (= HF attention_window/2; default 256).")
  Integer window;

  @Option(names = "--dilation", description = "Longformer dilation (default 1).")
  Integer dilation;

  @Option(
      names = "--random-blocks",
      description = "BigBird random key blocks per query block (default 3).")
  Integer randomBlocks;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed of random blocks (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--causal", description = "Only keys j <= i.")
  boolean causal;

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
    requireFor(cmd, "--window", "longformer");
    requireFor(cmd, "--dilation", "longformer");
    requireFor(cmd, "--random-blocks", "bigbird");
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
              window == null ? 256 : window,
              dilation == null ? 1 : dilation,
              randomBlocks == null ? 3 : randomBlocks,
              seed,
              causal,
              features == null ? PatternSpec.DEFAULT_FEATURES : features,
              rank == null ? PatternSpec.DEFAULT_RANK : rank);
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
