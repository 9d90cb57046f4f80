package org.longattn.jobs.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.OutputPaths;
import org.longattn.datasets.model.PretrainedModel;
import org.longattn.jobs.encode.EncodeJob;
import org.longattn.jobs.encode.EncodeParams;
import org.longattn.kernels.Backends;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.PatternSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code encode}: text or token ids → a pretrained encoder, attention by the engine. */
@Command(
    name = "encode",
    mixinStandardHelpOptions = true,
    description =
        "Run a pretrained transformer encoder (all-minilm-l6-v2) over whole long documents, every"
            + " layer's self-attention computed with --pattern; write the last hidden state per"
            + " token and the mean per document. Positions past 512 use position p mod 512.")
public final class EncodeCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--input",
      required = true,
      description =
          "Text: a directory of .txt files (doc_id = file name; UTF-8) or a Parquet table (doc_id,"
              + " text), tokenized by the model's tokenizer ([CLS] ... [SEP] per document); or a"
              + " Parquet table of token ids (doc_id string, pos int, token_id int), taken as given.")
  String input;

  @Option(
      names = "--output",
      description = "Token output (Parquet): doc_id, pos, hidden (the last hidden state).")
  String output;

  @Option(
      names = "--pooled-output",
      description = "Document output (Parquet): doc_id, embedding (mean of the hidden states).")
  String pooledOutput;

  @Option(names = "--model", required = true, description = "The model: all-minilm-l6-v2.")
  String model;

  @Option(
      names = "--heads",
      description = "The model's heads (12 for all-minilm-l6-v2); an error if it differs.")
  Integer heads;

  @Option(
      names = "--dump-qkv",
      paramLabel = "L",
      description = "Also write layer L's q, k, v (0-based) as a token table to --dump-output.")
  Integer dumpLayer;

  @Option(
      names = "--dump-output",
      paramLabel = "DIR",
      description = "Token table of --dump-qkv (doc_id, pos, q, k, v, token; 12 heads).")
  String dumpOutput;

  @Option(names = "--overwrite", description = "Replace existing outputs.")
  boolean overwrite;

  @Option(
      names = "--backend",
      defaultValue = "auto",
      description = "Attention backend: auto | java | opencl (default: ${DEFAULT-VALUE}).")
  String backend;

  @Option(
      names = "--span-tokens",
      defaultValue = "16384",
      description =
          "Tokens per span: of the attention engine, and of the one-pass route of longformer"
              + " and blocked (default: ${DEFAULT-VALUE}).")
  int spanTokens;

  @Option(
      names = "--partitions",
      defaultValue = "0",
      description = "Partitions of the engine's routing shuffle (default: one per span).")
  int partitions;

  @Option(
      names = "--per-layer",
      description =
          "Run each layer's attention through the attention engine, one run per layer, also for"
              + " longformer and blocked (whose layers otherwise all run in one pass over spans"
              + " with a halo; the results agree within float rounding).")
  boolean perLayer;

  @Mixin PatternOptions pattern;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() {
    EncodeParams p = params();
    SparkSession spark = sparkOptions.session("encode");
    OutputPaths.check(spark)
        .writes("--output", output)
        .writes("--pooled-output", pooledOutput)
        .writes("--dump-output", dumpOutput)
        .reads("--input", input)
        .readsFile("--preset", sparkOptions.preset)
        .verify();
    EncodeJob.run(spark, p);
    return 0;
  }

  EncodeParams params() {
    CommandLine cmd = spec.commandLine();
    if (output == null && pooledOutput == null && dumpOutput == null) {
      throw new CommandLine.ParameterException(
          cmd,
          "nothing to write: give --output, --pooled-output or --dump-qkv L --dump-output DIR");
    }
    if ((dumpLayer == null) != (dumpOutput == null)) {
      throw new CommandLine.ParameterException(
          cmd, "--dump-qkv L and --dump-output DIR go together");
    }
    if (dumpLayer != null && dumpLayer < 0) {
      throw new CommandLine.ParameterException(cmd, "--dump-qkv must be >= 0, got " + dumpLayer);
    }
    if (!Backends.NAMES.contains(backend)) {
      throw new CommandLine.ParameterException(
          cmd,
          "--backend: unknown backend '" + backend + "' (expected one of " + Backends.NAMES + ")");
    }
    if (spanTokens < 1 || partitions < 0) {
      throw new CommandLine.ParameterException(
          cmd, "--span-tokens must be >= 1 and --partitions >= 0");
    }
    PatternSpec patternSpec = pattern.spec(cmd);
    return params(
        cmd,
        input,
        output,
        pooledOutput,
        model,
        heads,
        patternSpec,
        backend,
        spanTokens,
        partitions,
        overwrite,
        dumpLayer == null ? -1 : dumpLayer,
        dumpOutput,
        perLayer);
  }

  /** The checks {@code encode} and {@code embed --model} share. */
  static EncodeParams params(
      CommandLine cmd,
      String input,
      String output,
      String pooledOutput,
      String modelName,
      Integer heads,
      PatternSpec patternSpec,
      String backend,
      int spanTokens,
      int partitions,
      boolean overwrite,
      int dumpLayer,
      String dumpOutput,
      boolean perLayer) {
    if (!patternSpec.family().softmax()) {
      throw new CommandLine.ParameterException(
          cmd,
          "--pattern "
              + patternSpec.name()
              + " is not a softmax pattern: a pretrained encoder's attention is softmax attention"
              + " (one of "
              + String.join(", ", Families.names(Family::softmax))
              + ")");
    }
    PretrainedModel model = PretrainedModel.named(modelName);
    int modelHeads = model.encoder().config().heads();
    if (heads != null && heads != modelHeads) {
      throw new CommandLine.ParameterException(
          cmd, "--heads " + heads + ": " + modelName + " has " + modelHeads + " heads");
    }
    return new EncodeParams(
        input,
        output,
        pooledOutput,
        model,
        patternSpec,
        backend,
        spanTokens,
        partitions,
        overwrite,
        dumpLayer,
        dumpOutput,
        perLayer);
  }
}
