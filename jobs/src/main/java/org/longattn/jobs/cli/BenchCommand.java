package org.longattn.jobs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.GeneratorSpec;
import org.longattn.jobs.RunInfo;
import org.longattn.jobs.attend.AttendParams;
import org.longattn.jobs.attend.OutputStage;
import org.longattn.jobs.bench.GeneratedData;
import org.longattn.jobs.bench.KernelBench;
import org.longattn.jobs.bench.LinearKernelBench;
import org.longattn.jobs.bench.RunStats;
import org.longattn.jobs.bench.TorchPeer;
import org.longattn.jobs.generate.GenerateJob;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.span.HeadShape;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench}: one workload, kernel-only (in memory, {@link KernelBench}) and end-to-end
 * (generate untimed, then {@code attend} timed); prints one JSON object (DESIGN §5).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure a workload kernel-only and end-to-end; print one JSON object.")
public final class BenchCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--tokens", defaultValue = "1048576", description = "Tokens of the document.")
  int tokens;

  @Option(names = "--heads", defaultValue = "1", description = "Heads.")
  int heads;

  @Option(names = "--head-dim", defaultValue = "64", description = "Values per head.")
  int headDim;

  @Option(names = "--threads", description = "Kernel-only threads (default: available cores).")
  Integer threads;

  @Option(
      names = "--repeat",
      defaultValue = "3",
      description = "Measured kernel-only runs (median, min, spread).")
  int repeat;

  @Option(
      names = "--warmup",
      defaultValue = "1",
      description = "Kernel-only warm-up runs before them, excluded from the figures.")
  int warmup;

  @Option(
      names = "--compare",
      description =
          "Time a peer on the same workload, alternating with the kernel runs: torch"
              + " (bin/peer-torch.py, PyTorch CPU).")
  String compare;

  @Option(names = "--peer-script", description = "The peer script (default: bin/peer-torch.py).")
  Path peerScript;

  @Option(
      names = "--python",
      defaultValue = "/usr/bin/python3",
      description = "Python for the peer script.")
  String python;

  @Option(
      names = "--keep-data",
      description = "Keep the end-to-end run's generated input and output (default: removed).")
  boolean keepData;

  @Option(names = "--backend", defaultValue = "auto", description = "Kernel backend.")
  String backend;

  @Option(names = "--span-tokens", defaultValue = "32768", description = "Tokens per span.")
  int spanTokens;

  @Option(names = "--kernel-only", description = "Skip the end-to-end run.")
  boolean kernelOnly;

  @Option(
      names = "--work-dir",
      description = "Where the end-to-end run writes (default: a temporary directory).")
  Path workDir;

  @Mixin PatternOptions pattern;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() throws Exception {
    CommandLine cmd = spec.commandLine();
    if (tokens < 1 || heads < 1 || headDim < 1 || repeat < 1 || warmup < 0) {
      throw new CommandLine.ParameterException(
          cmd, "--tokens, --heads, --head-dim, --repeat must be >= 1, --warmup >= 0");
    }
    if (compare != null && !compare.equals("torch")) {
      throw new CommandLine.ParameterException(cmd, "--compare: only torch is known");
    }
    PatternSpec ps = pattern.spec(cmd);
    Family family = ps.family();
    if (family.shape() == Shape.SPECTRAL || family.convolutionKernel()) {
      // the kernel bench times softmax span attention and the linear families only
      throw new CommandLine.ParameterException(
          cmd, "bench: --pattern " + ps.name() + " is not covered; time `attend` instead");
    }
    AttentionPattern p = family.shape() == Shape.SCAN ? null : ps.build();
    if (p == null && backend.equals("opencl")) {
      throw new CommandLine.ParameterException(
          cmd, "bench: the kernel-only run of --pattern " + ps.name() + " uses the java backend");
    }
    HeadShape shape = new HeadShape(heads, headDim, headDim);
    int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();

    if (compare != null && (!TorchPeer.covers(ps.name()) || heads != 1)) {
      throw new CommandLine.ParameterException(
          cmd,
          "bench --compare torch covers --heads 1 with bigbird, longformer, dense and linear;"
              + " not --pattern "
              + ps.name());
    }
    TorchPeer peer =
        compare == null ? null : new TorchPeer(TorchPeer.locate(peerScript), python, nThreads);
    Map<String, Object> peerParams = new LinkedHashMap<>(ps.parameters());
    peerParams.remove("name");
    peerParams.remove("seed");

    double[] warm = new double[warmup];
    double[] secs = new double[repeat];
    double[] torch = new double[peer == null ? 0 : repeat];
    KernelBench.Result last = null;
    for (int i = 0; i < warmup + repeat; i++) {
      last =
          p == null
              ? LinearKernelBench.run(ps, shape, tokens, spanTokens, nThreads, 1)
              : KernelBench.run(p, shape, tokens, spanTokens, nThreads, backend, 1);
      boolean measured = i >= warmup;
      if (measured) {
        secs[i - warmup] = last.seconds();
      } else {
        warm[i] = last.seconds();
      }
      System.err.printf(
          java.util.Locale.ROOT,
          "[bench] kernel %s %d: %.3f s%n",
          measured ? "run" : "warm-up",
          measured ? i - warmup + 1 : i + 1,
          last.seconds());
      if (measured && peer != null) { // alternate: the same load for both
        torch[i - warmup] = peer.run(ps.name(), tokens, headDim, peerParams);
        System.err.printf(
            java.util.Locale.ROOT,
            "[bench] torch run %d: %.3f s (ratio torch/longattn %.2f)%n",
            i - warmup + 1,
            torch[i - warmup],
            torch[i - warmup] / secs[i - warmup]);
      }
    }
    RunStats stats = new RunStats(warm, secs);
    double median = stats.median();
    System.err.println("[bench] kernel: " + stats.text());

    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> workload = new LinkedHashMap<>();
    workload.put("pattern", ps.name());
    workload.put("tokens", tokens);
    workload.put("heads", heads);
    workload.put("head_dim", headDim);
    workload.putAll(ps.parameters());
    workload.remove("name");
    out.put("workload", workload);
    out.put("backend", backend);
    Map<String, Object> kernel = new LinkedHashMap<>();
    kernel.put("threads", nThreads);
    kernel.put("seconds", round(median));
    kernel.put("tokens_per_s", Math.round(tokens / median));
    kernel.put("gflops", round(last.flops() / median / 1e9));
    kernel.putAll(stats.toMap());
    out.put("kernel", kernel);
    if (peer != null) {
      RunStats t = new RunStats(new double[0], torch);
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("peer", "torch");
      pm.put("threads", nThreads);
      pm.putAll(t.toMap());
      double[] ratios = new double[repeat];
      for (int i = 0; i < repeat; i++) {
        ratios[i] = RunStats.round(torch[i] / secs[i]);
      }
      pm.put("ratio_of_medians", RunStats.round(t.median() / median));
      pm.put("ratio_per_round", ratios);
      out.put("peer", pm);
      System.err.printf(
          java.util.Locale.ROOT,
          "[bench] torch: %s; torch/longattn %.2fx%n",
          t.text(),
          t.median() / median);
    }

    if (!kernelOnly) {
      out.put("end_to_end", endToEnd(ps, shape, last.flops()));
    }
    System.out.print(RunInfo.toJson(out).replaceAll("\\s*\\n\\s*", " ").trim() + "\n");
    return 0;
  }

  /**
   * End-to-end run; {@code flops} is the kernel's count for the same document. The generated input
   * and the output are removed when it ends, failed or not (a {@code finally}, and a shutdown hook
   * for an interrupted JVM), unless {@code --keep-data}: with a temporary directory the directory
   * itself, with {@code --work-dir} the two folders it wrote there.
   */
  private Map<String, Object> endToEnd(PatternSpec ps, HeadShape shape, double flops)
      throws Exception {
    Path dir = workDir != null ? workDir : Files.createTempDirectory("longattn-bench");
    List<Path> generated =
        workDir != null ? List.of(dir.resolve("tokens"), dir.resolve("attention")) : List.of(dir);
    Thread cleanup = new Thread(() -> GeneratedData.delete(generated), "bench-cleanup");
    if (!keepData) {
      Runtime.getRuntime().addShutdownHook(cleanup);
    }
    try {
      return endToEnd(ps, shape, flops, dir);
    } finally {
      if (!keepData) {
        GeneratedData.delete(generated);
        try {
          Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
          // the hook runs anyway
        }
      }
    }
  }

  private Map<String, Object> endToEnd(PatternSpec ps, HeadShape shape, double flops, Path dir)
      throws Exception {
    SparkSession spark = sparkOptions.session("bench");
    String in = dir.resolve("tokens").toString();
    String outDir = dir.resolve("attention").toString();
    GenerateJob.run(
        spark,
        new GeneratorSpec(
            1, tokens, tokens, shape.heads(), shape.d(), shape.dv(), 1, 4, 0.0, false),
        in,
        true);
    long t0 = System.nanoTime();
    Map<String, Object> info =
        OutputStage.attend(
            spark,
            new AttendParams(
                in, outDir, true, shape.heads(), ps, false, backend, spanTokens, 0, false));
    double s = (System.nanoTime() - t0) / 1e9;
    Map<String, Object> e2e = new LinkedHashMap<>();
    e2e.put("seconds", round(s));
    e2e.put("tokens_per_s", Math.round(tokens / s));
    e2e.put("gflops", round(flops / s / 1e9));
    Object shuffle = info.get("shuffle");
    e2e.put("shuffle_bytes", shuffle instanceof Map<?, ?> m ? m.get("bytes_written") : null);
    e2e.put(
        "duplication_factor", shuffle instanceof Map<?, ?> m ? m.get("duplication_factor") : null);
    e2e.put("master", spark.sparkContext().master());
    e2e.put("timings_s", info.get("timings_s"));
    return e2e;
  }

  private static double round(double x) {
    return Math.round(x * 1000) / 1000.0;
  }
}
