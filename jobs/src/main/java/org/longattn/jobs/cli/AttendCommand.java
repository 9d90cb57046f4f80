package org.longattn.jobs.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.OutputPaths;
import org.longattn.jobs.TableLayout;
import org.longattn.jobs.attend.AttendParams;
import org.longattn.jobs.attend.CrossParams;
import org.longattn.jobs.attend.OutputStage;
import org.longattn.jobs.attend.PlanEstimate;
import org.longattn.kernels.Backends;
import org.longattn.kernels.conv.ConvBand;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.score.ScoreFunction;
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
      description =
          "Heads the vectors split into. Default: what the input's _longattn.json states (tables"
              + " from generate and embed); required for other tables; an error if it disagrees.")
  Integer heads;

  @Option(
      names = "--dry-run",
      description =
          "Print the plan (documents, tokens, spans and tasks, FLOPs, shuffle bytes, key/value"
              + " duplication, peak memory per task) from the input's footers and document lengths;"
              + " compute and write nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "With --dry-run: print the plan as one JSON object.")
  boolean json;

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

  @Option(
      names = "--queries",
      description =
          "Cross-attention: query table (Parquet: doc_id, pos, q; k and v ignored); keys and"
              + " values come from --input. Exact (dense, not causal).")
  String queries;

  @Option(
      names = "--cross",
      description =
          "With --queries: same-doc (a query document reads the --input document with the same"
              + " doc_id; default) | all (every --input document; one output row per query row"
              + " and document, with a target_doc_id column).")
  String cross;

  @Option(
      names = "--score",
      defaultValue = "scaled-dot",
      description =
          "scaled-dot | dot | bilinear | additive: the score s(q, k) of every softmax pattern"
              + " (default: ${DEFAULT-VALUE}); additive runs on the java backend.")
  String score;

  @Option(
      names = "--score-weights",
      description =
          "bilinear/additive weights, .npy float32: bilinear [heads, d, d], additive"
              + " [heads, 2d+1, d] (W, U, v stacked); default: drawn from --seed.")
  String scoreWeights;

  @Option(
      names = "--conv-kernel",
      split = ",",
      description =
          "conv-band: taps phi_{-r'}..phi_{r'} (odd count), comma-separated (default 0.25,0.5,0.25).")
  float[] convKernel;

  @Option(
      names = "--iterations",
      description = "conv-band: convolutions N, each re-masked to the band (default 1).")
  Integer iterations;

  @Mixin PatternOptions pattern;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() {
    AttendParams params = params();
    CrossParams crossParams = crossParams(params);
    if (json && !dryRun) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--json only applies with --dry-run");
    }
    if (dryRun && crossParams != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--dry-run does not cover cross-attention (--queries) yet");
    }
    SparkSession spark = sparkOptions.session("attend");
    if (!dryRun) {
      OutputPaths.check(spark)
          .writes("--output", output)
          .reads("--input", input)
          .reads("--queries", queries)
          .reads("--score-weights", scoreWeights)
          .readsFile("--preset", sparkOptions.preset)
          .verify();
    }
    if (dryRun) {
      PlanEstimate plan = PlanEstimate.of(spark, params);
      System.out.print(json ? plan.json() : plan.table());
      System.out.flush();
    } else if (crossParams != null) {
      OutputStage.cross(spark, crossParams);
    } else {
      OutputStage.attend(spark, params);
    }
    return 0;
  }

  /** The cross-attention parameters, or null without {@code --queries}. */
  CrossParams crossParams(AttendParams base) {
    CommandLine cmd = spec.commandLine();
    if (queries == null) {
      if (cross != null) {
        throw new CommandLine.ParameterException(cmd, "--cross only applies with --queries FILE");
      }
      return null;
    }
    String mode = cross == null ? CrossParams.SAME_DOC : cross;
    if (!CrossParams.MODES.contains(mode)) {
      throw new CommandLine.ParameterException(
          cmd, "--cross must be one of " + CrossParams.MODES + ", got '" + mode + "'");
    }
    if (base.pattern().family().shape() != Shape.TILES
        || base.pattern().causal()
        || base.pattern().anticausal()) {
      throw new CommandLine.ParameterException(
          cmd,
          "--queries (cross-attention) is exact: --pattern dense without --causal or"
              + " --anticausal only");
    }
    if (!base.score().equals("scaled-dot")) {
      throw new CommandLine.ParameterException(
          cmd, "--queries (cross-attention) uses --score scaled-dot only, got " + base.score());
    }
    if (queries.equals(output)) {
      throw new CommandLine.ParameterException(cmd, "--queries and --output are the same path");
    }
    return new CrossParams(base, queries, mode);
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
    if (heads != null && heads < 1) {
      throw new CommandLine.ParameterException(cmd, "--heads must be >= 1, got " + heads);
    }
    if (spanTokens < 1 || partitions < 0) {
      throw new CommandLine.ParameterException(
          cmd, "--span-tokens must be >= 1 and " + "--partitions >= 0");
    }
    if (input.equals(output)) {
      throw new CommandLine.ParameterException(cmd, "--input and --output are the same path");
    }
    PatternSpec patternSpec = pattern.spec(cmd);
    Shape shape = patternSpec.family().shape();
    if (stats && shape == Shape.SCAN) {
      throw new CommandLine.ParameterException(
          cmd,
          "--stats is not defined for --pattern "
              + patternSpec.name()
              + " (entropy, distance and max weight need every pair's weight; see README)");
    }
    if (cmd.getParseResult().hasMatchedOption("--score")
        && (shape == Shape.SCAN || shape == Shape.SPECTRAL)
        && !score.equals("scaled-dot")) {
      throw new CommandLine.ParameterException(
          cmd, "--score applies to softmax patterns, not to --pattern " + patternSpec.name());
    }
    if (!ScoreFunction.NAMES.contains(score)) {
      throw new CommandLine.ParameterException(
          cmd, "--score must be one of " + ScoreFunction.NAMES + ", got '" + score + "'");
    }
    boolean weighted = score.equals("bilinear") || score.equals("additive");
    if (scoreWeights != null && !weighted) {
      throw new CommandLine.ParameterException(
          cmd, "--score-weights only applies to --score bilinear or additive (got " + score + ")");
    }
    if (scoreWeights != null
        && !java.nio.file.Files.isRegularFile(java.nio.file.Path.of(scoreWeights))) {
      throw new CommandLine.ParameterException(
          cmd, "--score-weights: file '" + scoreWeights + "' does not exist");
    }
    ConvBand conv = convBand(cmd);
    String backendToUse = backend;
    if (score.equals("additive")) {
      if (backend.equals("opencl")) {
        throw new CommandLine.ParameterException(
            cmd, "--score additive is implemented by the java backend only (got --backend opencl)");
      }
      backendToUse = "java"; // auto: the only backend with an additive path
    }
    int headsToUse = TableLayout.resolve(input, heads); // after the flags: reads the input
    return new AttendParams(
        input,
        output,
        overwrite,
        headsToUse,
        patternSpec,
        stats,
        backendToUse,
        spanTokens,
        partitions,
        outputEncoding.equals("binary"),
        score,
        scoreWeights,
        conv);
  }

  /** conv-band's φ and N (null for other patterns), after checking the flags that go with it. */
  private ConvBand convBand(CommandLine cmd) {
    boolean convBand = Families.find(pattern.pattern).map(Family::convolutionKernel).orElse(false);
    if (!convBand) {
      if (convKernel != null || iterations != null) {
        throw new CommandLine.ParameterException(
            cmd,
            "--conv-kernel and --iterations only apply to --pattern conv-band (got --pattern "
                + pattern.pattern
                + ")");
      }
      return null;
    }
    if (stats) {
      throw new CommandLine.ParameterException(
          cmd, "--stats needs a softmax pattern: conv-band has no attention probabilities");
    }
    if (cmd.getParseResult().hasMatchedOption("--score")) {
      throw new CommandLine.ParameterException(
          cmd, "--score does not apply to conv-band (its scores are A = QK^T, as defined)");
    }
    try {
      return new ConvBand(
          convKernel == null ? AttendParams.DEFAULT_CONV.phi() : convKernel,
          iterations == null ? AttendParams.DEFAULT_CONV.iterations() : iterations);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cmd, e.getMessage());
    }
  }
}
