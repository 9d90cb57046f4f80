package org.longattn.jobs.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.longattn.datasets.InputException;
import org.longattn.jobs.advise.AdviseJob;
import org.longattn.jobs.advise.AdviseParams;
import org.longattn.jobs.advise.Candidate;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code advise}: which candidate pattern keeps enough of the attention, at what cost. */
@Command(
    name = "advise",
    mixinStandardHelpOptions = true,
    description =
        "Exact coverage of the softmax mass, output error and cost of candidate patterns on"
            + " sampled queries of a token table; recommends the cheapest one reaching the target."
            + " Writes advice.json and an offline index.html.")
public final class AdviseCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--input",
      required = true,
      description = "A token table (optional 'layer' column: per layer; 'needle': recall).")
  String input;

  @Option(names = "--output", required = true, description = "Advice directory.")
  String output;

  @Option(names = "--overwrite", description = "Replace an existing advice directory.")
  boolean overwrite;

  @Option(
      names = "--heads",
      description = "Heads H (required when the table's _longattn.json does not state them).")
  Integer heads;

  @Option(
      names = "--candidates",
      required = true,
      description =
          "Comma-separated patterns, each family[:key=value…], e.g."
              + " longformer:w=64,bigbird:b=64:r=3,sink:s=4:w=256,dense. Keys: b (block size),"
              + " w (window), d (dilation), r (random blocks), seed, s (sinks), l (stride),"
              + " c (summary).")
  String candidates;

  @Option(
      names = "--target-coverage",
      defaultValue = "0.95",
      description = "Mean coverage a recommendation must reach (default: ${DEFAULT-VALUE}).")
  double targetCoverage;

  @Option(
      names = "--max-error",
      description = "Largest mean output error a recommendation may have (default: no limit).")
  Double maxError;

  @Option(
      names = "--samples",
      defaultValue = "64",
      description = "Sampled query positions per document (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed of the sampled positions (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--causal",
      description = "The model's attention is causal: exact and candidates read j <= i only.")
  boolean causal;

  @Option(
      names = "--partitions",
      defaultValue = "0",
      description = "Partitions of the routing shuffle (default: one per span).")
  int partitions;

  @Option(
      names = "--span-tokens",
      defaultValue = "" + AdviseJob.SPAN_TOKENS,
      description = "Tokens per key span of the exact pass (default: ${DEFAULT-VALUE}).")
  int spanTokens;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() {
    CommandLine cmd = spec.commandLine();
    if (!(targetCoverage >= 0 && targetCoverage <= 1)) {
      throw new CommandLine.ParameterException(cmd, "--target-coverage must be in [0, 1]");
    }
    if (maxError != null && !(maxError >= 0)) {
      throw new CommandLine.ParameterException(cmd, "--max-error must be >= 0");
    }
    if (samples < 1 || samples > 100_000) {
      throw new CommandLine.ParameterException(cmd, "--samples must be in 1..100000");
    }
    if (partitions < 0 || spanTokens < 1) {
      throw new CommandLine.ParameterException(
          cmd, "--partitions must be >= 0 and --span-tokens >= 1");
    }
    if (heads != null && heads < 1) {
      throw new CommandLine.ParameterException(cmd, "--heads must be >= 1, got " + heads);
    }
    List<Candidate> list;
    try {
      list = Candidate.parseList(candidates, causal);
    } catch (InputException e) {
      throw new CommandLine.ParameterException(cmd, e.getMessage());
    }
    AdviseJob.run(
        sparkOptions.session("advise"),
        new AdviseParams(
            input,
            output,
            overwrite,
            heads,
            list,
            targetCoverage,
            maxError,
            samples,
            seed,
            causal,
            partitions,
            spanTokens));
    return 0;
  }
}
