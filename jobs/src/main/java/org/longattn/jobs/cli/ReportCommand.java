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

  @Option(
      names = "--heatmaps",
      defaultValue = "" + ReportJob.DEFAULT_HEATMAPS,
      description =
          "Sampled query windows drawn as pooled attention heatmaps, one per head, 0 for none"
              + " (default: ${DEFAULT-VALUE}).")
  int heatmaps;

  @Option(
      names = "--heatmap-queries",
      defaultValue = "" + ReportJob.DEFAULT_HEATMAP_QUERIES,
      description = "Consecutive queries per heatmap window, 1..4096 (default: ${DEFAULT-VALUE}).")
  int heatmapQueries;

  @Option(
      names = "--hubs",
      defaultValue = "" + ReportJob.DEFAULT_HUBS,
      description =
          "Hub tokens (keys with the most attention from the coverage samples) listed per head,"
              + " 0 for none (default: ${DEFAULT-VALUE}).")
  int hubs;

  @Option(
      names = "--tokens",
      description =
          "The token table the run read, when it moved since (default: the path the input's"
              + " _longattn.json names). Checked before any work.")
  String tokens;

  @Option(
      names = "--advice",
      description =
          "An advise output directory: the report's first screen shows its recommendation.")
  String advice;

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
    if (heatmaps < 0 || heatmaps > 64 || heatmapQueries < 1 || heatmapQueries > 4096) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--heatmaps must be in 0..64 and --heatmap-queries in 1..4096");
    }
    if (hubs < 0 || hubs > 1000) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--hubs must be in 0..1000");
    }
    ReportJob.run(
        sparkOptions.session("report"),
        input,
        output,
        overwrite,
        bins,
        coverageSamples,
        coverageDocs,
        heatmaps,
        heatmapQueries,
        hubs,
        new ReportJob.Sources(tokens, advice));
    return 0;
  }
}
