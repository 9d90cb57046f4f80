package org.longattn.jobs.cli;

import java.util.concurrent.Callable;
import org.longattn.jobs.report.ReportJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code report}: an attend output → self-contained HTML report + summary.json. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "Write an offline HTML report (inline SVG) and summary.json for an attend output.")
public final class ReportCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--input", required = true, description = "An attend output directory.")
  String input;

  @Option(names = "--output", required = true, description = "Report directory.")
  String output;

  @Option(names = "--overwrite", description = "Replace an existing report directory.")
  boolean overwrite;

  @Option(
      names = "--bins",
      defaultValue = "40",
      description = "Histogram bins (default: ${DEFAULT-VALUE}).")
  int bins;

  @Option(
      names = "--coverage-samples",
      defaultValue = "32",
      description =
          "Sampled queries per document for pattern coverage, 0 for none "
              + "(default: ${DEFAULT-VALUE}).")
  int coverageSamples;

  @Option(
      names = "--coverage-docs",
      defaultValue = "8",
      description = "Documents (first by id) sampled for coverage (default: ${DEFAULT-VALUE}).")
  int coverageDocs;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() {
    if (bins < 2 || bins > 1000) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--bins must be in 2..1000");
    }
    if (coverageSamples < 0 || coverageDocs < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--coverage-samples must be >= 0 and --coverage-docs >= 1");
    }
    ReportJob.run(
        sparkOptions.session("report"),
        input,
        output,
        overwrite,
        bins,
        coverageSamples,
        coverageDocs);
    return 0;
  }
}
