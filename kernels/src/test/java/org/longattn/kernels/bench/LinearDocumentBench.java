package org.longattn.kernels.bench;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.longattn.kernels.linear.LinearFamilies;
import org.longattn.kernels.linear.LinearSpanAttention;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Whole-document linear attention (issue 4's workload): {@link #TOKENS} tokens, 1 head, d = dv =
 * 64, φ = elu + 1, blocks of 64, spans of {@link #SPAN_BLOCKS} blocks, computed by {@link
 * LinearSpanAttention#document} (span totals, the per-document fold or scan, span outputs) on
 * {@code threads} threads. One JMH operation = the whole document.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class LinearDocumentBench {
  static final int TOKENS = 1 << 20;
  static final int B = 64;
  static final int D = 64;
  static final int SPAN_BLOCKS = 512;

  @Param({"false", "true"})
  public boolean causal;

  @Param({"2"})
  public int threads;

  private TokenBlock[] blocks;
  private LinearSpanAttention<?> attention;
  private ExecutorService pool;

  @Setup(Level.Trial)
  public void setUp() {
    int nb = TOKENS / B;
    blocks = new TokenBlock[nb];
    for (int b = 0; b < nb; b++) {
      SplittableRandom rng = new SplittableRandom(b);
      blocks[b] =
          new TokenBlock(
              b,
              b * B,
              B,
              BenchData.uniform(rng, B * D),
              BenchData.uniform(rng, B * D),
              BenchData.uniform(rng, B * D));
    }
    PatternSpec spec =
        PatternSpec.of(
            "linear",
            B,
            0,
            causal,
            false,
            Map.of(
                org.longattn.kernels.pattern.Param.WINDOW,
                0,
                org.longattn.kernels.pattern.Param.RANDOM_BLOCKS,
                0));
    HeadShape shape = new HeadShape(1, D, D);
    attention = new LinearSpanAttention<>(LinearFamilies.create(spec, shape, false), 1, D);
    pool = Executors.newFixedThreadPool(threads);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pool.shutdownNow();
  }

  @Benchmark
  public float[] document() throws Exception {
    return attention.document(blocks, SPAN_BLOCKS, pool, threads);
  }

  public static void main(String[] args) throws Exception {
    CommandLineOptions cli = new CommandLineOptions(args);
    OptionsBuilder builder = new OptionsBuilder();
    builder.parent(cli);
    if (cli.getIncludes().isEmpty()) {
      builder.include(LinearDocumentBench.class.getName());
    }
    for (RunResult r : new Runner(builder.build()).run()) {
      double medianMs = r.getPrimaryResult().getStatistics().getPercentile(50);
      System.out.printf(
          "linear document causal=%s threads=%s median %.1f ms  %.2f M tokens/s%n",
          r.getParams().getParam("causal"),
          r.getParams().getParam("threads"),
          medianMs,
          TOKENS / (medianMs * 1e3));
    }
  }
}
