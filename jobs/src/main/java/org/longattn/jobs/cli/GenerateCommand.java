package org.longattn.jobs.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.GeneratorSpec;
import org.longattn.datasets.OutputPaths;
import org.longattn.jobs.generate.GenerateJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code generate}: synthetic documents with planted needles → token table. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Write synthetic documents (with planted long-range needles) as a token table.")
public final class GenerateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--output", required = true, description = "Output directory (Parquet).")
  String output;

  @Option(names = "--overwrite", description = "Replace an existing output directory.")
  boolean overwrite;

  @Option(
      names = "--docs",
      defaultValue = "1",
      description = "Documents (default: ${DEFAULT-VALUE}).")
  int docs;

  @Option(names = "--tokens", description = "Tokens per document (sets min and max).")
  Integer tokens;

  @Option(
      names = "--min-tokens",
      defaultValue = "4096",
      description = "Fewest tokens per document.")
  int minTokens;

  @Option(names = "--max-tokens", defaultValue = "4096", description = "Most tokens per document.")
  int maxTokens;

  @Option(names = "--heads", defaultValue = "1", description = "Heads (default: ${DEFAULT-VALUE}).")
  int heads;

  @Option(names = "--head-dim", defaultValue = "64", description = "q/k values per head.")
  int headDim;

  @Option(names = "--value-dim", description = "v values per head (default: --head-dim).")
  Integer valueDim;

  @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--needles", defaultValue = "4", description = "Planted needles per document.")
  int needles;

  @Option(
      names = "--global-fraction",
      defaultValue = "0.0",
      description = "Share of tokens marked global besides position 0.")
  double globalFraction;

  @Option(
      names = "--encoding",
      defaultValue = "array",
      description = "array | binary: how q, k, v are stored (default: ${DEFAULT-VALUE}).")
  String encoding;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() {
    GeneratorSpec g = spec();
    SparkSession spark = sparkOptions.session("generate");
    OutputPaths.check(spark)
        .writes("--output", output)
        .readsFile("--preset", sparkOptions.preset)
        .verify();
    GenerateJob.run(spark, g, output, overwrite);
    return 0;
  }

  GeneratorSpec spec() {
    CommandLine cmd = spec.commandLine();
    int lo = tokens != null ? tokens : minTokens;
    int hi = tokens != null ? tokens : maxTokens;
    if (tokens != null
        && (cmd.getParseResult().hasMatchedOption("--min-tokens")
            || cmd.getParseResult().hasMatchedOption("--max-tokens"))) {
      throw new CommandLine.ParameterException(
          cmd, "--tokens conflicts with --min-tokens/--max-tokens");
    }
    if (docs < 1 || lo < 1 || hi < lo) {
      throw new CommandLine.ParameterException(
          cmd,
          "need --docs >= 1 and 1 <= --min-tokens <= --max-tokens (got "
              + docs
              + ", "
              + lo
              + ", "
              + hi
              + ")");
    }
    if (heads < 1 || headDim < 1 || (valueDim != null && valueDim < 1)) {
      throw new CommandLine.ParameterException(
          cmd, "--heads, --head-dim, --value-dim must be >= 1");
    }
    if (needles < 0 || globalFraction < 0 || globalFraction > 1) {
      throw new CommandLine.ParameterException(
          cmd, "need --needles >= 0 and 0 <= --global-fraction <= 1");
    }
    if (!encoding.equals("array") && !encoding.equals("binary")) {
      throw new CommandLine.ParameterException(
          cmd, "--encoding must be array or binary, got '" + encoding + "'");
    }
    return new GeneratorSpec(
        docs,
        lo,
        hi,
        heads,
        headDim,
        valueDim == null ? headDim : valueDim,
        seed,
        needles,
        globalFraction,
        encoding.equals("binary"));
  }
}
