package org.longattn.jobs.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.OutputPaths;
import org.longattn.jobs.arrays.ImportJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code import}: NumPy / safetensors arrays of q, k, v → token table. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Build a token table from q/k/v arrays saved by NumPy or PyTorch.",
      "Per document: DOC.q.npy, DOC.k.npy, DOC.v.npy, or a DOC.safetensors file with tensors q,"
          + " k, v (or one .safetensors file with tensors DOC.q, DOC.k, DOC.v for many"
          + " documents). Shapes n × heads × dim, or n × (heads·dim) with --heads;"
          + " float16/bfloat16/float32/float64, either byte order, C or Fortran order."
    })
public final class ImportCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--input",
      required = true,
      description = "A directory of array files, or one .npy/.safetensors file (repeatable).")
  List<String> inputs;

  @Option(names = "--output", required = true, description = "Output token table (Parquet).")
  String output;

  @Option(
      names = "--heads",
      description =
          "Heads: required for n × (heads·dim) arrays; must agree with n × heads × dim ones.")
  Integer heads;

  @Option(
      names = "--output-encoding",
      defaultValue = "array",
      description = "array | binary: how q, k, v are stored (default: ${DEFAULT-VALUE}).")
  String outputEncoding;

  @Option(names = "--overwrite", description = "Replace an existing output directory.")
  boolean overwrite;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() {
    if (!outputEncoding.equals("array") && !outputEncoding.equals("binary")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--output-encoding must be array or binary, got '" + outputEncoding + "'");
    }
    if (heads != null && heads < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--heads must be >= 1");
    }
    SparkSession spark = sparkOptions.session("import");
    OutputPaths check = OutputPaths.check(spark).writes("--output", output);
    for (String input : inputs) {
      check.reads("--input", input);
    }
    check.readsFile("--preset", sparkOptions.preset).verify();
    ImportJob.run(spark, inputs, output, heads, outputEncoding.equals("binary"), overwrite);
    return 0;
  }
}
