package org.longattn.jobs.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.OutputPaths;
import org.longattn.jobs.embed.EmbedJob;
import org.longattn.jobs.embed.EmbedParams;
import org.longattn.jobs.encode.EncodeJob;
import org.longattn.jobs.encode.EncodeParams;
import org.longattn.kernels.pattern.PatternSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code embed}: text → tokens → Word2Vec + positions → per-head q, k, v token table. */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description =
        "Tokenize text (MLlib RegexTokenizer), embed it (MLlib Word2Vec + sinusoidal positions),"
            + " project per head to q, k, v and write the token table (+ a 'token' column).")
public final class EmbedCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--input",
      required = true,
      description =
          "A directory of .txt files (doc_id = file name; UTF-8) or a Parquet table with string"
              + " columns doc_id, text.")
  String input;

  @Option(names = "--output", required = true, description = "Output token table (Parquet).")
  String output;

  @Option(names = "--overwrite", description = "Replace existing outputs.")
  boolean overwrite;

  @Option(names = "--heads", defaultValue = "1", description = "Heads (default: ${DEFAULT-VALUE}).")
  int heads;

  @Option(
      names = "--head-dim",
      defaultValue = "64",
      description = "q/k values per head (default: ${DEFAULT-VALUE}).")
  int headDim;

  @Option(names = "--value-dim", description = "v values per head (default: --head-dim).")
  Integer valueDim;

  @Option(
      names = "--vector-size",
      description = "Word2Vec vector length when training (default: 64; a loaded model's own).")
  Integer vectorSize;

  @Option(
      names = "--min-count",
      defaultValue = "5",
      description =
          "Words seen fewer times are out of vocabulary (zero word vector + position)"
              + " (default: ${DEFAULT-VALUE}).")
  int minCount;

  @Option(
      names = "--word2vec-iterations",
      defaultValue = "1",
      description = "Word2Vec training passes (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(
      names = "--word2vec-window",
      defaultValue = "5",
      description = "Word2Vec context window (default: ${DEFAULT-VALUE}).")
  int window;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed of Word2Vec and of the projections (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--word2vec",
      paramLabel = "PATH",
      description = "Load this saved Word2Vec model instead of training one.")
  String word2vec;

  @Option(
      names = "--save-word2vec",
      paramLabel = "PATH",
      description = "Save the trained Word2Vec model here (MLlib format, for --word2vec).")
  String saveWord2vec;

  @Option(
      names = "--weights",
      paramLabel = "DIR",
      description =
          "Directory with wq.npy, wk.npy (vector_size × heads·head_dim) and wv.npy (vector_size ×"
              + " heads·value_dim), NumPy .npy float32/float64; default: drawn from --seed.")
  String weights;

  @Option(
      names = "--token-pattern",
      defaultValue = EmbedParams.DEFAULT_TOKEN_PATTERN,
      description = "Regex the lower-cased text is split on (default: ${DEFAULT-VALUE}).")
  String tokenPattern;

  @Option(
      names = "--output-encoding",
      defaultValue = "array",
      description = "array | binary: how q, k, v are stored (default: ${DEFAULT-VALUE}).")
  String outputEncoding;

  @Option(
      names = "--model",
      description =
          "Instead of Word2Vec: a pretrained model's q, k, v of --layer (all-minilm-l6-v2; 12 heads"
              + " x 32), tokenized by its tokenizer; the layers below run with longformer"
              + " --window 256 (for other patterns: encode --dump-qkv).")
  String model;

  @Option(
      names = "--layer",
      description = "With --model: the layer (0-based) whose q, k, v to write.")
  Integer layer;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() {
    if (model != null || layer != null) {
      return modelLayer();
    }
    EmbedParams p = params();
    SparkSession spark = sparkOptions.session("embed");
    OutputPaths.check(spark)
        .writes("--output", output)
        .writes("--save-word2vec", saveWord2vec)
        .reads("--input", input)
        .reads("--word2vec", word2vec)
        .reads("--weights", weights)
        .readsFile("--preset", sparkOptions.preset)
        .verify();
    EmbedJob.run(spark, p);
    return 0;
  }

  private static final List<String> WORD2VEC_ONLY =
      List.of(
          "--head-dim",
          "--value-dim",
          "--vector-size",
          "--min-count",
          "--word2vec-iterations",
          "--word2vec-window",
          "--seed",
          "--word2vec",
          "--save-word2vec",
          "--weights",
          "--token-pattern",
          "--output-encoding");

  /** {@code --model M --layer L}: the short way to {@code encode --dump-qkv L}. */
  private Integer modelLayer() {
    CommandLine cmd = spec.commandLine();
    if (model == null || layer == null) {
      throw new CommandLine.ParameterException(cmd, "--model and --layer go together");
    }
    if (layer < 0) {
      throw new CommandLine.ParameterException(cmd, "--layer must be >= 0, got " + layer);
    }
    for (String f : WORD2VEC_ONLY) {
      if (cmd.getParseResult().hasMatchedOption(f)) {
        throw new CommandLine.ParameterException(
            cmd, f + " does not apply with --model (the model has its own tokenizer and weights)");
      }
    }
    EncodeParams p =
        EncodeCommand.params(
            cmd,
            input,
            null,
            null,
            model,
            cmd.getParseResult().hasMatchedOption("--heads") ? heads : null,
            PatternSpec.of("longformer", 64, 0, false, false, Map.of()),
            "auto",
            16384,
            0,
            overwrite,
            layer,
            output,
            false);
    SparkSession spark = sparkOptions.session("embed");
    OutputPaths.check(spark)
        .writes("--output", output)
        .reads("--input", input)
        .readsFile("--preset", sparkOptions.preset)
        .verify();
    EncodeJob.run(spark, p);
    return 0;
  }

  EmbedParams params() {
    CommandLine cmd = spec.commandLine();
    if (heads < 1 || headDim < 1 || (valueDim != null && valueDim < 1)) {
      throw new CommandLine.ParameterException(
          cmd, "--heads, --head-dim, --value-dim must be >= 1");
    }
    if ((vectorSize != null && vectorSize < 1) || minCount < 0 || iterations < 1 || window < 1) {
      throw new CommandLine.ParameterException(
          cmd,
          "need --vector-size >= 1, --min-count >= 0, --word2vec-iterations >= 1,"
              + " --word2vec-window >= 1");
    }
    if (word2vec != null) {
      for (String f :
          List.of("--min-count", "--word2vec-iterations", "--word2vec-window", "--save-word2vec")) {
        if (cmd.getParseResult().hasMatchedOption(f)) {
          throw new CommandLine.ParameterException(
              cmd, f + " conflicts with --word2vec (a loaded model is not trained)");
        }
      }
    }
    if (!outputEncoding.equals("array") && !outputEncoding.equals("binary")) {
      throw new CommandLine.ParameterException(
          cmd, "--output-encoding must be array or binary, got '" + outputEncoding + "'");
    }
    try {
      Pattern.compile(tokenPattern);
    } catch (PatternSyntaxException e) {
      throw new CommandLine.ParameterException(
          cmd, "--token-pattern is not a valid regex: " + e.getDescription());
    }
    return new EmbedParams(
        input,
        output,
        overwrite,
        heads,
        headDim,
        valueDim == null ? headDim : valueDim,
        vectorSize,
        minCount,
        iterations,
        window,
        seed,
        word2vec,
        saveWord2vec,
        weights,
        tokenPattern,
        outputEncoding.equals("binary"));
  }
}
