package org.longattn.jobs.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.model.PretrainedModel;
import org.longattn.jobs.encode.EncodeJob;
import org.longattn.jobs.encode.EncodeParams;
import org.longattn.jobs.encode.WindowedEncode;
import org.longattn.kernels.cpu.JavaAttentionBackend;
import org.longattn.kernels.model.Encoder;
import org.longattn.kernels.model.EncoderConfig;
import org.longattn.kernels.model.LocalSelfAttention;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * {@code bench --workload encode}: all-MiniLM-L6-v2 over one long document of token ids.
 *
 * <ul>
 *   <li><b>kernel</b>: the model's math alone, in memory: the first {@code kernelTokens} tokens in
 *       spans with their halos ({@link Encoder#forwardWindow}, as the one-pass route runs them), on
 *       {@code threads} threads;
 *   <li><b>peer</b> ({@code --compare ort}): ONNX Runtime on independent 512-token chunks, what a
 *       user without longattn would do, alternating with the kernel runs;
 *   <li><b>end to end</b>: {@code encode} (ids table in, last hidden states and pooled embedding
 *       out) over the whole document, input generated untimed.
 * </ul>
 *
 * The ids are a fixed function of the position ({@link #id}); speed does not depend on them. FLOPs
 * counted per token and layer: the four GEMMs (2·h·(3h + h + 2f)) and q·k plus p·v over the keys of
 * the pattern's band (4·h per key); the halo's extra work is not counted.
 */
public final class EncodeBench {
  private EncodeBench() {}

  /** The token id at position p: ordinary word pieces (1000 ..< 29000). */
  public static int id(long p) {
    return 1000 + (int) (((p * 7919L) % 1_000_003L) % 28_000L);
  }

  /** The same ids as a Spark SQL expression over {@code range}'s {@code id}. */
  public static final String ID_SQL = "cast(1000 + pmod(pmod(id * 7919, 1000003), 28000) as int)";

  public static int[] ids(int n) {
    int[] ids = new int[n];
    for (int p = 0; p < n; p++) {
      ids[p] = id(p);
    }
    return ids;
  }

  /** Useful FLOPs of {@code layers} layers over a document of n tokens. */
  public static double flops(EncoderConfig c, WindowedEncode.Reach reach, long n) {
    double h = c.hidden();
    double perTokenLayer = 2 * h * (4 * h + 2 * c.ffn());
    long left = Math.min(reach.left(), n);
    long right = Math.min(reach.right(), n);
    long block = reach.blockSize() > 0 ? reach.blockSize() : n; // keys within the query's block
    double keys = 0;
    for (long i = 0; i < n; i++) {
      long b0 = i / block * block;
      long b1 = Math.min(n, b0 + block);
      keys += Math.min(b1 - 1, i + right) - Math.max(b0, i - left) + 1;
    }
    return c.layers() * (n * perTokenLayer + 4 * h * keys);
  }

  /** One kernel run: seconds for the spans of {@code ids} on {@code threads} threads. */
  public static double kernel(
      Encoder encoder, WindowedEncode.Reach reach, int[] ids, int span, int threads)
      throws InterruptedException, ExecutionException {
    int n = ids.length;
    int layers = encoder.config().layers();
    LocalSelfAttention geometry = reach.attention(new JavaAttentionBackend());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long t0 = System.nanoTime();
      List<Future<?>> done = new ArrayList<>();
      for (int c0 = 0; c0 < n; c0 += span) {
        int from = c0;
        int to = Math.min(n, c0 + span);
        done.add(
            pool.submit(
                () -> {
                  long[] r = geometry.reach(from, to, layers);
                  int a0 = (int) r[0];
                  int a1 = (int) Math.min(n, r[1]);
                  LocalSelfAttention attention = reach.attention(new JavaAttentionBackend());
                  encoder.forwardWindow(
                      java.util.Arrays.copyOfRange(ids, a0, a1),
                      a0,
                      a1 - a0,
                      from,
                      to,
                      layers,
                      attention,
                      -1);
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      return (System.nanoTime() - t0) / 1e9;
    } finally {
      pool.shutdownNow();
    }
  }

  /** The end-to-end run: {@code encode} from {@code ids} (a token-id table) to two outputs. */
  public static Map<String, Object> endToEnd(
      SparkSession spark,
      PretrainedModel model,
      PatternSpec pattern,
      String backend,
      int spanTokens,
      long tokens,
      double flops,
      String ids,
      String tok,
      String docs) {
    spark
        .range(0, tokens)
        .selectExpr("'doc' as doc_id", "cast(id as int) as pos", ID_SQL + " as token_id")
        .write()
        .parquet(ids);
    long t0 = System.nanoTime();
    Map<String, Object> info =
        EncodeJob.run(
            spark,
            new EncodeParams(
                ids, tok, docs, model, pattern, backend, spanTokens, 0, false, -1, null, false));
    double s = (System.nanoTime() - t0) / 1e9;
    Map<String, Object> e2e = new LinkedHashMap<>();
    e2e.put("seconds", RunStats.round(s));
    e2e.put("tokens_per_s", Math.round(tokens / s));
    e2e.put("gflops", RunStats.round(flops / s / 1e9));
    e2e.put("master", spark.sparkContext().master());
    e2e.put("route", info.get("route"));
    e2e.put("timings_s", info.get("timings_s"));
    return e2e;
  }
}
