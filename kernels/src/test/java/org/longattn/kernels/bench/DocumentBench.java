package org.longattn.kernels.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.Backends;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.pattern.BigBirdPattern;
import org.longattn.kernels.pattern.Seeds;
import org.longattn.kernels.span.Globals;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.SpanAttention;
import org.longattn.kernels.span.SpanResult;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Whole-document BigBird throughput: {@link #TOKENS} tokens, 1 head × 64, block 64, 3 random
 * blocks, non-causal, computed with {@link SpanAttention} over spans of {@link #SPAN_BLOCKS} blocks
 * on {@code threads} threads (one backend per thread, spans taken from a shared counter), plus the
 * fold of the global rows' partials. One JMH operation = the whole document.
 *
 * <p>FLOPs are counted once in setup by running the same spans against a backend that only adds
 * 4·nq·nk·d per call (every pair handed to the backend; BigBird with {@link Band#ALL} skips none).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class DocumentBench {
  static final int TOKENS = 1 << 20;
  static final int B = 64;
  static final int D = 64;
  static final int SPAN_BLOCKS = 256;

  @Param({"java"})
  public String backend;

  @Param({"2"})
  public int threads;

  private BigBirdPattern pattern;
  private HeadShape shape;
  private long docHash;
  private TokenBlock[] blocks;
  private Globals globals;
  private ExecutorService pool;
  private ThreadLocal<SpanAttention> spanAttention;

  @Setup(Level.Trial)
  public void setUp() {
    pattern = new BigBirdPattern(B, 3, 42, false);
    shape = new HeadShape(1, D, D);
    docHash = Seeds.docHash("bench-doc");
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
    int[] gpos = pattern.globalPositions(TOKENS, null);
    float[][] g = new float[3][gpos.length * D];
    for (int i = 0; i < gpos.length; i++) {
      TokenBlock blk = blocks[gpos[i] / B];
      int off = (gpos[i] % B) * D;
      System.arraycopy(blk.q(), off, g[0], i * D, D);
      System.arraycopy(blk.k(), off, g[1], i * D, D);
      System.arraycopy(blk.v(), off, g[2], i * D, D);
    }
    globals = new Globals(gpos, g[0], g[1], g[2]);
    pool = Executors.newFixedThreadPool(threads);
    spanAttention =
        ThreadLocal.withInitial(
            () -> new SpanAttention(pattern, shape, false, Backends.create(backend)));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pool.shutdownNow();
  }

  @Benchmark
  public SoftmaxState document() throws Exception {
    int nb = blocks.length;
    int spans = (nb + SPAN_BLOCKS - 1) / SPAN_BLOCKS;
    SpanResult[] results = new SpanResult[spans];
    AtomicInteger next = new AtomicInteger();
    List<Future<?>> running = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      running.add(
          pool.submit(
              () -> {
                SpanAttention sa = spanAttention.get();
                for (int s = next.getAndIncrement(); s < spans; s = next.getAndIncrement()) {
                  results[s] =
                      sa.compute(
                          TOKENS,
                          docHash,
                          s * SPAN_BLOCKS,
                          Math.min(nb, (s + 1) * SPAN_BLOCKS),
                          b -> b >= 0 && b < nb ? blocks[b] : null,
                          globals);
                }
              }));
    }
    for (Future<?> f : running) {
      f.get();
    }
    SoftmaxState global = results[0].globalPartials()[0].copy();
    for (int s = 1; s < spans; s++) {
      global.mergeInPlace(results[s].globalPartials()[0]); // the job folds by a tree; cost alike
    }
    return global;
  }

  /** FLOPs of one document: every call's 4·nq·nk·d, counted without computing. */
  long countFlops() {
    long[] flops = {0};
    AttentionBackend counter =
        new AttentionBackend() {
          @Override
          public String name() {
            return "count";
          }

          @Override
          public String device() {
            return "none";
          }

          @Override
          public void accumulate(
              QueryRows q,
              List<KeyRows> keys,
              Band band,
              float scale,
              boolean st,
              SoftmaxState acc) {
            for (KeyRows k : keys) {
              flops[0] += BenchData.flops(q.n(), k.n(), q.d());
            }
          }
        };
    SpanAttention sa = new SpanAttention(pattern, shape, false, counter);
    int nb = blocks.length;
    for (int s = 0; s * SPAN_BLOCKS < nb; s++) {
      sa.compute(
          TOKENS,
          docHash,
          s * SPAN_BLOCKS,
          Math.min(nb, (s + 1) * SPAN_BLOCKS),
          b -> b >= 0 && b < nb ? blocks[b] : null,
          globals);
    }
    return flops[0];
  }

  /** Runs the benchmark (JMH options may follow) and prints tokens/s and GFLOP/s (median). */
  public static void main(String[] args) throws Exception {
    DocumentBench probe = new DocumentBench();
    probe.backend = "java";
    probe.threads = 1;
    probe.setUp();
    long flops = probe.countFlops();
    probe.tearDown();
    probe = null;
    System.out.printf("document FLOPs per run: %.3f GFLOP%n", flops / 1e9);

    CommandLineOptions cli = new CommandLineOptions(args);
    OptionsBuilder builder = new OptionsBuilder();
    builder.parent(cli);
    if (cli.getIncludes().isEmpty()) {
      builder.include(DocumentBench.class.getName());
    }
    for (RunResult r : new Runner(builder.build()).run()) {
      double medianMs = r.getPrimaryResult().getStatistics().getPercentile(50);
      System.out.printf(
          "document backend=%s threads=%s median %.1f ms  %.2f M tokens/s  %.1f GFLOP/s%n",
          r.getParams().getParam("backend"),
          r.getParams().getParam("threads"),
          medianMs,
          TOKENS / (medianMs * 1e3),
          flops / (medianMs * 1e6));
    }
  }
}
