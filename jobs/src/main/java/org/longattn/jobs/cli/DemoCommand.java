package org.longattn.jobs.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.GeneratorSpec;
import org.longattn.datasets.OutputPaths;
import org.longattn.jobs.advise.AdviseJob;
import org.longattn.jobs.advise.AdviseParams;
import org.longattn.jobs.advise.Candidate;
import org.longattn.jobs.attend.AttendParams;
import org.longattn.jobs.attend.OutputStage;
import org.longattn.jobs.generate.GenerateJob;
import org.longattn.jobs.report.ReportJob;
import org.longattn.kernels.pattern.BigBirdPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code demo}: generate → attend (BigBird, stats) → advise (which pattern keeps the attention) →
 * report (opening with advise's recommendation) on the embedded default, then say where.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Generate a few ~100k-token documents, run BigBird attention with stats, ask advise which"
            + " pattern keeps the attention, write the report.")
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--dir",
      defaultValue = "demo-out",
      description = "Where the demo writes (replaced if present; default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(
      names = "--docs",
      defaultValue = "3",
      description = "Documents (default: ${DEFAULT-VALUE}).")
  int docs;

  @Option(
      names = "--tokens",
      defaultValue = "100000",
      description = "Tokens per document (default: ${DEFAULT-VALUE}).")
  int tokens;

  @Mixin SparkOptions sparkOptions;

  /**
   * The patterns the demo's advise weighs: three sparse families at their usual sizes and dense.
   */
  static final String DEMO_CANDIDATES = "longformer:w=256,bigbird:b=64:r=3,sink:s=4:w=256,dense";

  @Override
  public Integer call() {
    SparkSession spark = sparkOptions.session("demo");
    String tokensDir = dir.resolve("tokens").toString();
    String attentionDir = dir.resolve("attention").toString();
    OutputPaths.check(spark)
        .writes("--dir", tokensDir)
        .writes("--dir", attentionDir)
        .writes("--dir", dir.resolve("advice").toString())
        .writes("--dir", dir.resolve("report").toString())
        .readsFile("--preset", sparkOptions.preset)
        .verify();
    GenerateJob.run(
        spark,
        new GeneratorSpec(docs, tokens, tokens, 2, 32, 32, 7, 4, 0.0, false),
        tokensDir,
        true);
    OutputStage.attend(
        spark,
        new AttendParams(
            tokensDir,
            attentionDir,
            true,
            2,
            PatternSpec.of(
                BigBirdPattern.NAME, 64, 7, false, false, Map.of(Param.WINDOW, 0, Param.RADIUS, 0)),
            true,
            "auto",
            32768,
            0,
            false));
    String adviceDir = dir.resolve("advice").toString();
    AdviseJob.run(
        spark,
        new AdviseParams(
            tokensDir,
            adviceDir,
            true,
            2,
            Candidate.parseList(DEMO_CANDIDATES, false),
            0.95,
            null,
            32,
            7,
            false,
            0,
            32768));
    String reportDir = dir.resolve("report").toString();
    ReportJob.run(
        spark,
        attentionDir,
        reportDir,
        true,
        40,
        32,
        3,
        ReportJob.DEFAULT_HEATMAPS,
        ReportJob.DEFAULT_HEATMAP_QUERIES,
        ReportJob.DEFAULT_HUBS,
        new ReportJob.Sources(null, adviceDir));
    System.out.println("demo: token table      " + tokensDir);
    System.out.println(
        "demo: attention output "
            + attentionDir
            + " (run parameters in "
            + attentionDir
            + "/_longattn.json)");
    System.out.println("demo: advice           " + Path.of(adviceDir, "index.html"));
    System.out.println(
        "demo: report           " + Path.of(reportDir, "index.html") + " (open it in a browser)");
    return 0;
  }
}
