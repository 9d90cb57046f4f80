package org.longattn.jobs.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.longattn.jobs.attend.AttendJob;
import org.longattn.jobs.attend.AttendParams;
import org.longattn.kernels.Backends;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code attend}: token table → output table (+ stats). */
@Command(
    name = "attend",
    mixinStandardHelpOptions = true,
    description = "Compute attention over a token table (Parquet) and write the output table.")
public final class AttendCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--input", required = true, description = "Token table (Parquet).")
  String input;

  @Option(names = "--output", required = true, description = "Output directory (Parquet).")
  String output;

  @Option(names = "--overwrite", description = "Replace an existing output directory.")
  boolean overwrite;

  @Option(
      names = "--heads",
      defaultValue = "1",
      description = "Heads the vectors split into (default: ${DEFAULT-VALUE}).")
  int heads;

  @Option(
      names = "--stats",
      description = "Also write per-head entropy, mean_distance, " + "max_weight, global_mass.")
  boolean stats;

  @Option(
      names = "--backend",
      defaultValue = "auto",
      description =
          "auto | java | opencl; auto picks an OpenCL GPU when there is one, else java"
              + " (default: ${DEFAULT-VALUE}).")
  String backend;

  @Option(
      names = "--span-tokens",
      defaultValue = "32768",
      description = "Tokens per span, the unit of distribution (default: ${DEFAULT-VALUE}).")
  int spanTokens;

  @Option(
      names = "--partitions",
      defaultValue = "0",
      description = "Partitions of the routing shuffle (default: one per span, at most 4096).")
  int partitions;

  @Option(
      names = "--output-encoding",
      defaultValue = "array",
      description = "array | binary: how 'out' is stored (default: ${DEFAULT-VALUE}).")
  String outputEncoding;

  @Mixin PatternOptions pattern;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() {
    AttendParams params = params();
    SparkSession spark = sparkOptions.session("attend");
    AttendJob.run(spark, params);
    return 0;
  }

  AttendParams params() {
    CommandLine cmd = spec.commandLine();
    if (!Backends.NAMES.contains(backend)) {
      throw new CommandLine.ParameterException(
          cmd,
          "--backend: unknown backend '" + backend + "' (expected one of " + Backends.NAMES + ")");
    }
    if (!outputEncoding.equals("array") && !outputEncoding.equals("binary")) {
      throw new CommandLine.ParameterException(
          cmd, "--output-encoding must be array or binary, got '" + outputEncoding + "'");
    }
    if (heads < 1) {
      throw new CommandLine.ParameterException(cmd, "--heads must be >= 1, got " + heads);
    }
    if (spanTokens < 1 || partitions < 0) {
      throw new CommandLine.ParameterException(
          cmd, "--span-tokens must be >= 1 and " + "--partitions >= 0");
    }
    if (input.equals(output)) {
      throw new CommandLine.ParameterException(cmd, "--input and --output are the same path");
    }
    org.longattn.kernels.pattern.PatternSpec patternSpec = pattern.spec(cmd);
    if (stats && patternSpec.isLinearFamily()) {
      throw new CommandLine.ParameterException(
          cmd,
          "--stats is not defined for --pattern "
              + patternSpec.name()
              + " (entropy, distance and max weight need every pair's weight; see README)");
    }
    return new AttendParams(
        input,
        output,
        overwrite,
        heads,
        patternSpec,
        stats,
        backend,
        spanTokens,
        partitions,
        outputEncoding.equals("binary"));
  }
}
