package org.longattn.kernels.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.Backends;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.pattern.Band;
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
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Kernel micro-benchmarks of one backend call (one backend per JMH thread):
 *
 * <ul>
 *   <li>{@link #tile}: 512 queries × 1536 keys, d = 64, no mask;
 *   <li>{@link #blockRow}: one BigBird block row, 64 queries × 8 key blocks of 64 (3 window + 2
 *       global + 3 random), d = 64, non-causal; {@link #blockRowStats} the same with stats.
 * </ul>
 *
 * <p>Backends: {@code java} and {@code opencl} (the first OpenCL device; on PoCL this measures the
 * OpenCL kernels on the CPU, for testing — see docs/GPU.md). Run with {@code
 * LD_PRELOAD=$JAVA_HOME/lib/libjsig.so} for {@code opencl}; {@code -p backend=java} selects one.
 *
 * <p>{@link #main} runs them (JMH options may be appended, e.g. {@code -t 2}) and prints GFLOP/s
 * from the median iteration, with FLOPs = 4·nq·nk·d per call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class KernelBench {
  static final int D = 64;
  static final int B = 64;
  static final long TILE_FLOPS = BenchData.flops(512, 1536, D);
  static final long BLOCK_ROW_FLOPS = BenchData.flops(B, 8L * B, D);

  @Param({"java", "opencl"})
  public String backend;

  private AttentionBackend impl;
  private QueryRows tileQ;
  private List<KeyRows> tileK;
  private SoftmaxState tileAcc;
  private QueryRows rowQ;
  private List<KeyRows> rowK;
  private SoftmaxState rowAcc;
  private float scale;

  @Setup(Level.Trial)
  public void setUp() {
    impl = Backends.create(backend);
    scale = (float) (1 / Math.sqrt(D));
    SplittableRandom rng = new SplittableRandom(7);

    tileQ = new QueryRows(BenchData.uniform(rng, 512 * D), 0, D, 512, D, null, 0);
    float[] k = BenchData.uniform(rng, 1536 * D);
    float[] v = BenchData.uniform(rng, 1536 * D);
    tileK = List.of(new KeyRows(k, 0, D, v, 0, D, 1536, D, D, null, 0, null, 0));
    tileAcc = SoftmaxState.identity(512, D);

    // A document of 64 blocks; query block 20 reads window 19..21, globals 0 and 63 and the
    // random blocks 5, 40, 55 (list order as SpanAttention builds it: ascending).
    int nb = 64;
    float[] dq = BenchData.uniform(rng, nb * B * D);
    float[] dk = BenchData.uniform(rng, nb * B * D);
    float[] dvv = BenchData.uniform(rng, nb * B * D);
    int qb = 20;
    rowQ = new QueryRows(dq, qb * B * D, D, B, D, null, qb * B);
    rowK = new ArrayList<>();
    for (int kb : new int[] {0, 5, 19, 20, 21, 40, 55, 63}) {
      rowK.add(new KeyRows(dk, kb * B * D, D, dvv, kb * B * D, D, B, D, D, null, kb * B, null, 0));
    }
    rowAcc = SoftmaxState.identity(B, D);
  }

  @Benchmark
  public SoftmaxState tile() {
    SoftmaxState acc = tileAcc;
    java.util.Arrays.fill(acc.m, Float.NEGATIVE_INFINITY);
    impl.accumulate(tileQ, tileK, Band.ALL, scale, false, acc);
    return acc;
  }

  @Benchmark
  public SoftmaxState blockRow() {
    SoftmaxState acc = rowAcc;
    java.util.Arrays.fill(acc.m, Float.NEGATIVE_INFINITY);
    impl.accumulate(rowQ, rowK, Band.ALL, scale, false, acc);
    return acc;
  }

  @Benchmark
  public SoftmaxState blockRowStats() {
    SoftmaxState acc = rowAcc;
    java.util.Arrays.fill(acc.m, Float.NEGATIVE_INFINITY);
    impl.accumulate(rowQ, rowK, Band.ALL, scale, true, acc);
    return acc;
  }

  /**
   * Runs the benchmarks of this class (JMH command-line options may follow, e.g. {@code -t 2}) and
   * prints the median time per call and GFLOP/s over all threads.
   */
  public static void main(String[] args) throws Exception {
    CommandLineOptions cli = new CommandLineOptions(args);
    OptionsBuilder builder = new OptionsBuilder();
    builder.parent(cli);
    if (cli.getIncludes().isEmpty()) {
      builder.include(KernelBench.class.getName());
    }
    Options opts = builder.build();
    int threads = opts.getThreads().orElse(1);
    for (RunResult r : new Runner(opts).run()) {
      String name = r.getParams().getBenchmark();
      String method = name.substring(name.lastIndexOf('.') + 1);
      long flops = method.equals("tile") ? TILE_FLOPS : BLOCK_ROW_FLOPS;
      double medianUs = r.getPrimaryResult().getStatistics().getPercentile(50);
      double gflops = threads * flops / (medianUs * 1e3);
      System.out.printf(
          "%-14s backend=%-6s threads=%d median %.1f us/call  %.1f GFLOP/s%n",
          method, r.getParams().getParam("backend"), threads, medianUs, gflops);
    }
  }
}
