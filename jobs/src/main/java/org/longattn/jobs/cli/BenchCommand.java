package org.longattn.jobs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.GeneratorSpec;
import org.longattn.datasets.model.PretrainedModel;
import org.longattn.jobs.RunInfo;
import org.longattn.jobs.attend.AttendParams;
import org.longattn.jobs.attend.OutputStage;
import org.longattn.jobs.bench.EncodeBench;
import org.longattn.jobs.bench.GeneratedData;
import org.longattn.jobs.bench.KernelBench;
import org.longattn.jobs.bench.LinearKernelBench;
import org.longattn.jobs.bench.OrtPeer;
import org.longattn.jobs.bench.RunStats;
import org.longattn.jobs.bench.TorchPeer;
import org.longattn.jobs.encode.WindowedEncode;
import org.longattn.jobs.generate.GenerateJob;
import org.longattn.kernels.model.Encoder;
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

  @Option(
      names = "--workload",
      defaultValue = "attend",
      description =
          "attend: one head-split document through attend; encode: all-MiniLM-L6-v2 over one"
              + " document of token ids through encode (default: ${DEFAULT-VALUE}).")
  String workload;

  @Option(
      names = "--model",
      defaultValue = "all-minilm-l6-v2",
      description = "The model of --workload encode (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--kernel-tokens",
      defaultValue = "65536",
      description =
          "--workload encode: tokens of the kernel-only and peer runs, the document's first"
              + " (default: ${DEFAULT-VALUE}; the end-to-end run takes all --tokens).")
  int kernelTokens;

  @Option(
      names = "--peer-jar",
      description =
          "ONNX Runtime's jar for --compare ort (default: onnxruntime "
              + "1.22.0 in the local Maven repository, where the tests put it).")
  Path peerJar;

  @Mixin PatternOptions pattern;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() throws Exception {
    CommandLine cmd = spec.commandLine();
    if (tokens < 1 || heads < 1 || headDim < 1 || repeat < 1 || warmup < 0) {
      throw new CommandLine.ParameterException(
          cmd, "--tokens, --heads, --head-dim, --repeat must be >= 1, --warmup >= 0");
    }
    PatternSpec ps = pattern.spec(cmd);
    if (workload.equals("encode")) {
      return encode(cmd, ps);
    }
    if (!workload.equals("attend")) {
      throw new CommandLine.ParameterException(
          cmd, "--workload: attend or encode, not '" + workload + "'");
    }
    if (compare != null && !compare.equals("torch")) {
      throw new CommandLine.ParameterException(
          cmd, "--compare: torch for --workload attend (ort for --workload encode)");
    }
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
      out.put("peer", peerStats("torch", "torch/longattn", nThreads, torch, secs, null));
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
    return inWorkDir(List.of("tokens", "attention"), dir -> endToEnd(ps, shape, flops, dir));
  }

  /** An end-to-end run's body, given its directory. */
  private interface InDir {
    Map<String, Object> run(Path dir) throws Exception;
  }

  /**
   * Runs {@code body} in the work directory. What it generated is removed when it ends, failed or
   * not (a {@code finally}, and a shutdown hook for an interrupted JVM), unless {@code
   * --keep-data}: with a temporary directory the directory itself, with {@code --work-dir} the
   * folders {@code names} in it.
   */
  private Map<String, Object> inWorkDir(List<String> names, InDir body) throws Exception {
    Path dir = workDir != null ? workDir : Files.createTempDirectory("longattn-bench");
    List<Path> generated =
        workDir != null ? names.stream().map(dir::resolve).toList() : List.of(dir);
    Thread cleanup = new Thread(() -> GeneratedData.delete(generated), "bench-cleanup");
    if (!keepData) {
      Runtime.getRuntime().addShutdownHook(cleanup);
    }
    try {
      return body.run(dir);
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

  /**
   * A peer's figures beside the kernel's, measured in alternation: its runs, the ratio of medians
   * and per round; with {@code tokens}, its tokens/s.
   */
  private static Map<String, Object> peerStats(
      String name, String ratioName, int threads, double[] peer, double[] secs, Long tokens) {
    RunStats t = new RunStats(new double[0], peer);
    double median = new RunStats(new double[0], secs).median();
    Map<String, Object> pm = new LinkedHashMap<>();
    pm.put("peer", name);
    pm.put("threads", threads);
    if (tokens != null) {
      pm.put("tokens_per_s", Math.round(tokens / t.median()));
    }
    pm.putAll(t.toMap());
    double[] ratios = new double[peer.length];
    for (int i = 0; i < peer.length; i++) {
      ratios[i] = RunStats.round(peer[i] / secs[i]);
    }
    pm.put("ratio_of_medians", RunStats.round(t.median() / median));
    pm.put("ratio_per_round", ratios);
    System.err.printf(
        java.util.Locale.ROOT,
        "[bench] %s: %s; %s %.2fx%n",
        name,
        t.text(),
        ratioName,
        t.median() / median);
    return pm;
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

  /** {@code --workload encode} (see {@link EncodeBench}). */
  private Integer encode(CommandLine cmd, PatternSpec ps) throws Exception {
    if (tokens < 1 || repeat < 1 || warmup < 0 || kernelTokens < 1) {
      throw new CommandLine.ParameterException(
          cmd, "--tokens, --repeat, --kernel-tokens must be >= 1, --warmup >= 0");
    }
    if (compare != null && !compare.equals("ort")) {
      throw new CommandLine.ParameterException(
          cmd, "--compare: ort (ONNX Runtime) for --workload encode");
    }
    WindowedEncode.Reach reach = WindowedEncode.reach(ps);
    if (reach == null) {
      throw new CommandLine.ParameterException(
          cmd,
          "bench --workload encode covers longformer and blocked (the one-pass route), not"
              + " --pattern "
              + ps.name()
              + "; time `encode` instead");
    }
    PretrainedModel m = PretrainedModel.named(model);
    Encoder encoder = m.encoder();
    int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    int span =
        WindowedEncode.spanTokens(
            cmd.getParseResult().hasMatchedOption("--span-tokens") ? spanTokens : 16384);
    int kt = Math.min(tokens, kernelTokens);
    int[] ids = EncodeBench.ids(kt);
    int chunks = (kt + OrtPeer.CHUNK - 1) / OrtPeer.CHUNK;
    double kernelFlops = EncodeBench.flops(encoder.config(), reach, kt);
    double[] warm = new double[warmup];
    double[] secs = new double[repeat];
    double[] ort = new double[compare == null ? 0 : repeat];
    try (OrtPeer peer =
        compare == null
            ? null
            : new OrtPeer(
                peerJar != null ? peerJar : OrtPeer.defaultJar(), m.onnxBytes(), nThreads)) {
      for (int i = 0; i < warmup + repeat; i++) {
        double t = EncodeBench.kernel(encoder, reach, ids, span, nThreads);
        boolean measured = i >= warmup;
        if (measured) {
          secs[i - warmup] = t;
        } else {
          warm[i] = t;
        }
        System.err.printf(
            java.util.Locale.ROOT,
            "[bench] encode kernel %s %d: %.3f s, %.0f tokens/s%n",
            measured ? "run" : "warm-up",
            measured ? i - warmup + 1 : i + 1,
            t,
            kt / t);
        if (peer != null) { // alternate: the same load for both; the warm-up warms ORT too
          double p = peer.seconds(ids, chunks);
          if (measured) {
            ort[i - warmup] = p;
          }
          System.err.printf(
              java.util.Locale.ROOT,
              "[bench] onnxruntime %s %d: %.3f s, %.0f tokens/s%n",
              measured ? "run" : "warm-up",
              measured ? i - warmup + 1 : i + 1,
              p,
              kt / p);
        }
      }
    }
    RunStats stats = new RunStats(warm, secs);
    double median = stats.median();
    System.err.println("[bench] encode kernel: " + stats.text());
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("workload", "encode");
    w.put("model", m.modelName());
    w.put("pattern", ps.name());
    Map<String, Object> params = new LinkedHashMap<>(ps.parameters());
    params.remove("name");
    w.putAll(params);
    w.put("tokens", tokens);
    w.put("kernel_tokens", kt);
    w.put("span_tokens", span);
    out.put("workload", w);
    Map<String, Object> kernel = new LinkedHashMap<>();
    kernel.put("threads", nThreads);
    kernel.put("seconds", round(median));
    kernel.put("tokens_per_s", Math.round(kt / median));
    kernel.put("gflops", round(kernelFlops / median / 1e9));
    kernel.putAll(stats.toMap());
    out.put("kernel", kernel);
    if (compare != null) {
      out.put(
          "peer",
          peerStats(
              "onnxruntime " + OrtPeer.VERSION + " (CPU), independent 512-token chunks",
              "ort seconds / longattn seconds",
              nThreads,
              ort,
              secs,
              (long) kt));
    }
    if (!kernelOnly) {
      out.put(
          "end_to_end",
          inWorkDir(
              List.of("ids", "tok", "docs"),
              dir ->
                  EncodeBench.endToEnd(
                      sparkOptions.session("bench"),
                      m,
                      ps,
                      backend,
                      span,
                      tokens,
                      EncodeBench.flops(encoder.config(), reach, tokens),
                      dir.resolve("ids").toString(),
                      dir.resolve("tok").toString(),
                      dir.resolve("docs").toString())));
    }
    System.out.print(RunInfo.toJson(out).replaceAll("\\s*\\n\\s*", " ").trim() + "\n");
    return 0;
  }

  private static double round(double x) {
    return Math.round(x * 1000) / 1000.0;
  }
}
