package org.longattn.jobs.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.GeneratorSpec;
import org.longattn.datasets.OutputPaths;
import org.longattn.datasets.model.PretrainedModel;
import org.longattn.jobs.advise.AdviseJob;
import org.longattn.jobs.advise.AdviseParams;
import org.longattn.jobs.advise.Candidate;
import org.longattn.jobs.attend.AttendParams;
import org.longattn.jobs.attend.OutputStage;
import org.longattn.jobs.encode.EncodeJob;
import org.longattn.jobs.encode.EncodeParams;
import org.longattn.jobs.generate.GenerateJob;
import org.longattn.jobs.report.ReportJob;
import org.longattn.kernels.pattern.BigBirdPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code demo}: real text → {@code encode} (all-MiniLM-L6-v2, one layer's q/k/v dumped) → attend
 * (BigBird, stats, the model's 12 heads) → advise (which pattern keeps the attention) → report
 * (opening with advise's recommendation, token labels on the heatmaps), on the embedded default,
 * then say where. The text is four Debian license texts as one document (Debian ships them in
 * /usr/share/common-licenses), or {@code --text}. {@code --synthetic} (or {@code --docs} / {@code
 * --tokens}) runs the generated q/k/v of the first demo instead, as does a machine without those
 * texts.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Encode real text with all-MiniLM-L6-v2 and dump one layer's q/k/v, run BigBird attention"
            + " with stats on its 12 heads, ask advise which pattern keeps the attention, write"
            + " the report.")
public final class DemoCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--dir",
      defaultValue = "demo-out",
      description = "Where the demo writes (replaced if present; default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(
      names = "--text",
      paramLabel = "DIR",
      description =
          "Text to encode, as encode reads it (.txt files, one document each; default: GPL-3,"
              + " Apache-2.0, MPL-2.0 and LGPL-3 from /usr/share/common-licenses as one document).")
  Path text;

  @Option(
      names = "--layer",
      defaultValue = "2",
      description = "The layer whose q/k/v are analysed (0-5; default: ${DEFAULT-VALUE}).")
  int layer;

  @Option(
      names = "--synthetic",
      description = "Generated q/k/v (2 heads × 32, --docs × --tokens) instead of a real model's.")
  boolean synthetic;

  @Option(
      names = "--docs",
      defaultValue = "3",
      description = "Documents of the synthetic demo (default: ${DEFAULT-VALUE}).")
  int docs;

  @Option(
      names = "--tokens",
      defaultValue = "100000",
      description = "Tokens per document of the synthetic demo (default: ${DEFAULT-VALUE}).")
  int tokens;

  @Mixin SparkOptions sparkOptions;

  /**
   * The patterns the demo's advise weighs: three sparse families at their usual sizes and dense.
   */
  static final String DEMO_CANDIDATES = "longformer:w=256,bigbird:b=64:r=3,sink:s=4:w=256,dense";

  /** Where Debian keeps the license texts (package base-files). */
  static final Path LICENSES = Path.of("/usr/share/common-licenses");

  /** The license texts of the default document, in this order. */
  static final List<String> LICENSE_FILES = List.of("GPL-3", "Apache-2.0", "MPL-2.0", "LGPL-3");

  @Override
  public Integer call() {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    boolean synth =
        synthetic || parsed.hasMatchedOption("--docs") || parsed.hasMatchedOption("--tokens");
    if (synth && text != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--text is real text: not with --synthetic, --docs or --tokens");
    }
    if (!synth && text == null && !Files.isRegularFile(LICENSES.resolve(LICENSE_FILES.get(0)))) {
      System.out.println(
          "demo: no "
              + LICENSES
              + " on this machine: the synthetic demo instead (give --text DIR for real text)");
      synth = true;
    }
    SparkSession spark = sparkOptions.session("demo");
    String tokensDir = dir.resolve(synth ? "tokens" : "qkv").toString();
    String attentionDir = dir.resolve("attention").toString();
    OutputPaths check =
        OutputPaths.check(spark)
            .writes("--dir", tokensDir)
            .writes("--dir", attentionDir)
            .writes("--dir", dir.resolve("advice").toString())
            .writes("--dir", dir.resolve("report").toString())
            .readsFile("--preset", sparkOptions.preset);
    if (!synth && text == null) {
      check = check.writes("--dir", dir.resolve("text").toString());
    }
    if (text != null) {
      check = check.reads("--text", text.toString());
    }
    check.verify();
    int heads;
    String what;
    if (synth) {
      GenerateJob.run(
          spark,
          new GeneratorSpec(docs, tokens, tokens, 2, 32, 32, 7, 4, 0.0, false),
          tokensDir,
          true);
      heads = 2;
      what = "token table      ";
    } else {
      String textDir = text != null ? text.toString() : licenses(dir.resolve("text"));
      PretrainedModel model = PretrainedModel.ALL_MINILM_L6_V2;
      EncodeJob.run(
          spark,
          new EncodeParams(
              textDir,
              null,
              null,
              model,
              PatternSpec.of("longformer", 64, 0, false, false, Map.of(Param.WINDOW, 256)),
              "auto",
              16384,
              0,
              true,
              layer,
              tokensDir,
              false));
      heads = model.encoder().config().heads();
      what = "layer " + layer + " q/k/v    ";
    }
    OutputStage.attend(
        spark,
        new AttendParams(
            tokensDir,
            attentionDir,
            true,
            heads,
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
            heads,
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
    System.out.println("demo: " + what + tokensDir);
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

  /** The default document: {@link #LICENSE_FILES} as one text file in {@code into}. */
  private static String licenses(Path into) {
    try {
      List<String> parts = new ArrayList<>();
      for (String f : LICENSE_FILES) {
        parts.add(Files.readString(LICENSES.resolve(f)));
      }
      Files.createDirectories(into);
      Files.writeString(into.resolve("licenses.txt"), String.join("\n\n", parts));
      return into.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
