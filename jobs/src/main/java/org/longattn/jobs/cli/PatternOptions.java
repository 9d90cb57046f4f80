package org.longattn.jobs.cli;

import java.util.EnumMap;
import java.util.Map;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
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
  static final String NAMES = String.join(", ", Families.names(f -> true));

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

  /** The value of each family parameter's flag (null: not given). */
  private Map<Param, Integer> given() {
    Map<Param, Integer> m = new EnumMap<>(Param.class);
    Integer[] values = {
      window, sinks, dilation, randomBlocks, order, stride, summary, radius, features, rank
    };
    Param[] params = {
      Param.WINDOW,
      Param.SINKS,
      Param.DILATION,
      Param.RANDOM_BLOCKS,
      Param.ORDER,
      Param.STRIDE,
      Param.SUMMARY,
      Param.RADIUS,
      Param.FEATURES,
      Param.RANK
    };
    for (int i = 0; i < params.length; i++) {
      if (values[i] != null) {
        m.put(params[i], values[i]);
      }
    }
    return m;
  }

  /** The spec, after checking that the flags given are the family's own ({@link Families}). */
  public PatternSpec spec(CommandLine cmd) {
    if (pattern == null) {
      // no silent default: dense attention is O(n^2), and the wrong answer for a sparse model
      throw new CommandLine.ParameterException(
          cmd, "--pattern is required (one of " + NAMES + "; or a --preset that sets it)");
    }
    Family family = Families.find(pattern).orElse(null);
    Map<Param, Integer> given = given();
    for (Param p : given.keySet()) {
      // a flag on the command line; --window and --stride also when a --preset set them
      boolean named =
          cmd.getParseResult().hasMatchedOption(p.flag()) || p == Param.WINDOW || p == Param.STRIDE;
      if (named && (family == null || !family.params().contains(p))) {
        throw new CommandLine.ParameterException(
            cmd,
            p.flag()
                + " only applies to --pattern "
                + Families.taking(p)
                + " (got --pattern "
                + pattern
                + ")");
      }
    }
    if (causal && family != null && family.causalRefusal() != null) {
      throw new CommandLine.ParameterException(
          cmd, "--causal is not supported by --pattern " + pattern + ": " + family.causalRefusal());
    }
    try {
      PatternSpec spec = PatternSpec.of(pattern, blockSize, seed, causal, anticausal, given);
      spec.family(); // rejects an unknown name now, before any Spark work
      if (spec.family().shape() != Shape.SCAN) {
        spec.build(); // rejects bad parameters now
      }
      return spec;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cmd, e.getMessage());
    }
  }
}
