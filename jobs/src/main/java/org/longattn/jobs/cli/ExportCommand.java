package org.longattn.jobs.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.OutputPaths;
import org.longattn.jobs.arrays.ExportJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code export}: an output table's vectors → one float32 .npy per document. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Write a vector column of a table (attend's 'out' by default) as one float32 .npy file per"
          + " document (DOC.npy, row i = position i), with manifest.json naming each document's"
          + " file and shape.",
      "Document ids other than letters, digits, '-', '_' and '.' are written %XX in file names."
    })
public final class ExportCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--input", required = true, description = "Table to export (Parquet).")
  String input;

  @Option(names = "--output", required = true, description = "Output directory of .npy files.")
  String output;

  @Option(
      names = "--column",
      defaultValue = "out",
      description = "Vector column to write (default: ${DEFAULT-VALUE}).")
  String column;

  @Option(
      names = "--layout",
      defaultValue = "flat",
      description =
          "flat: n × (heads·dim) arrays; heads: n × heads × dim (default: ${DEFAULT-VALUE}).")
  String layout;

  @Option(
      names = "--heads",
      description = "Heads (default: the input's _longattn.json; needed by --layout heads).")
  Integer heads;

  @Option(names = "--overwrite", description = "Replace an existing output directory.")
  boolean overwrite;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() {
    if (!layout.equals("flat") && !layout.equals("heads")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--layout must be flat or heads, got '" + layout + "'");
    }
    if (heads != null && heads < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--heads must be >= 1");
    }
    SparkSession spark = sparkOptions.session("export");
    OutputPaths.check(spark)
        .writes("--output", output)
        .reads("--input", input)
        .readsFile("--preset", sparkOptions.preset)
        .verify();
    ExportJob.run(spark, input, output, column, heads, layout.equals("heads"), overwrite);
    return 0;
  }
}
