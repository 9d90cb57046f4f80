package org.longattn.kernels.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.Backends;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TileAttention;
import org.longattn.kernels.span.TokenBlock;
import org.longattn.kernels.state.SoftmaxState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The exact dense tile ({@link TileAttention}): one row group of 1024 queries against a key chunk
 * of 8192 keys, 1 head × 64, non-causal, no stats — the unit of work of {@code attend --pattern
 * dense} on long documents. {@link #main} prints GFLOP/s over all threads (FLOPs = 4·1024·8192·64
 * per call).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class DenseTileBench {
  static final int D = 64;
  static final int QUERIES = 1024;
  static final int KEYS = 8192;

  @Param({"java"})
  public String backend;

  private AttentionBackend impl;
  private TileAttention tile;
  private float[] q;
  private TokenBlock keys;

  @Setup(Level.Trial)
  public void setUp() {
    impl = Backends.create(backend);
    tile = new TileAttention(new HeadShape(1, D, D), Band.ALL, false, impl);
    SplittableRandom rng = new SplittableRandom(11);
    q = BenchData.uniform(rng, QUERIES * D);
    keys =
        new TokenBlock(
            0, 0, KEYS, null, BenchData.uniform(rng, KEYS * D), BenchData.uniform(rng, KEYS * D));
  }

  @Benchmark
  public SoftmaxState[] denseTile() {
    return tile.compute(q, 0, 0, QUERIES, keys, null);
  }

  /** Runs the benchmark (JMH options may follow, e.g. {@code -t 2}); prints GFLOP/s. */
  public static void main(String[] args) throws Exception {
    OptionsBuilder builder = new OptionsBuilder();
    CommandLineOptions cli = new CommandLineOptions(args);
    builder.parent(cli);
    if (cli.getIncludes().isEmpty()) {
      builder.include(DenseTileBench.class.getName());
    }
    int threads = cli.getThreads().orElse(1);
    for (RunResult r : new Runner(builder.build()).run()) {
      double medianMs = r.getPrimaryResult().getStatistics().getPercentile(50);
      double flops = 4.0 * QUERIES * KEYS * D;
      System.out.printf(
          "denseTile backend=%s threads=%d median %.2f ms/call  %.1f GFLOP/s%n",
          r.getParams().getParam("backend"), threads, medianMs, threads * flops / (medianMs * 1e6));
    }
  }
}
