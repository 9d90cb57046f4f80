package org.longattn.jobs.attend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.RunInfo;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.BlockLocalPattern;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.span.HeadShape;

/**
 * {@code attend --dry-run}: what a run would do, from the input's Parquet footers (schema), one row
 * (the vector widths) and the documents' lengths and global marks (an aggregation over {@code
 * doc_id}, {@code pos}, {@code global} — no vector column is read). Nothing is computed or written.
 *
 * <p>Estimates, per plan (the same routing objects the run uses, so the data movement is the run's
 * own, not a model of it):
 *
 * <ul>
 *   <li>FLOPs ({@link FlopCount}): 2·(d + dv) per (query, key) pair a kernel is handed — Q·Kᵀ and
 *       P·V — counting whole (query block × key block) tiles the pattern routes (pairs masked
 *       inside a tile count, as in every tiled kernel; the same count as {@code bench}), plus
 *       global rows and keys; exact dense tiles: n² (n(n+1)/2 causal); linear families: {@code
 *       bench}'s per-token state arithmetic;
 *   <li>key/value bytes: every row's k and v once ({@code kv_bytes}), and once more for every other
 *       span that reads its block ({@code kv_bytes_shipped}; their ratio is the duplication);
 *   <li>shuffle bytes: the routed records' payload (q, k, v, positions, headers) plus the partial
 *       states of global rows; Spark's own framing and compression are not modelled;
 *   <li>peak memory per task: the largest span's rows, the key blocks it receives, its global rows
 *       and its output, as plain float arrays.
 * </ul>
 */
public final class PlanEstimate {
  private final Map<String, Object> plan;

  private PlanEstimate(Map<String, Object> plan) {
    this.plan = plan;
  }

  /** The plan as a map (what {@link #json} prints). */
  public Map<String, Object> asMap() {
    return plan;
  }

  /** Reads the footers and lengths of {@code p.input()} and estimates the run. */
  public static PlanEstimate of(SparkSession spark, AttendParams p) {
    Dataset<Row> df = TokenTable.read(spark, p.input());
    int[] widths = TokenTable.probeLengths(df, p.input());
    HeadShape shape = InputStage.headShape(widths, p.heads());
    PatternSpec spec = p.pattern();
    Shape distribution = spec.family().shape();
    boolean linear = distribution == Shape.SCAN;
    boolean hyena = distribution == Shape.SPECTRAL;
    // Linear families and Hyena route block-locally (own block only): no foreign key blocks.
    AttentionPattern pattern =
        linear || hyena ? new BlockLocalPattern(spec.blockSize(), false, false) : spec.build();
    int spanBlocks = p.spanBlocks();
    Map<String, DocPlan> plans = lengths(df, pattern, spanBlocks, !(linear || hyena));
    long tokens = plans.values().stream().mapToLong(DocPlan::n).sum();
    long spans = plans.values().stream().mapToLong(d -> spans(pattern, d.n(), spanBlocks)).sum();
    int partitions =
        p.partitions() > 0
            ? p.partitions()
            : InputStage.partitions(
                spans, tokens, p, JavaSparkContext.fromSparkContext(spark.sparkContext()));
    boolean tiles =
        !linear && !hyena && TileExecution.applies(p, plans, pattern::numBlocks, spanBlocks);

    Map<String, Object> m = new LinkedHashMap<>();
    m.put("command", "attend --dry-run");
    m.put("input", p.input());
    m.put("output", p.output());
    m.put("output_exists", exists(spark, p.output()));
    m.put("pattern", spec.parameters());
    m.put("heads", shape.heads());
    m.put("head_dim", shape.d());
    m.put("value_dim", shape.dv());
    m.put("documents", plans.size());
    m.put("tokens", tokens);
    m.put("longest_document", plans.values().stream().mapToInt(DocPlan::n).max().orElse(0));
    m.put("span_tokens", spanBlocks * pattern.blockSize());
    m.put("spans", spans);
    m.put("path", hyena ? "hyena" : linear ? "linear" : tiles ? "dense tiles" : "spans");
    Map<String, Object> tasks = new LinkedHashMap<>();
    tasks.put("routing_partitions", partitions);
    tasks.put("span_tasks", spans);
    if (tiles) {
      tasks.put("tiles", tiles(plans, pattern, spanBlocks, spec.causal()));
    }
    m.put("tasks", tasks);
    Double flops = hyena ? null : FlopCount.of(p, pattern, shape, plans.values(), tiles);
    m.put("flops", flops);
    m.put("gflop", flops == null ? null : Math.round(flops / 1e7) / 100.0);

    Traffic t = traffic(p, pattern, shape, plans.values(), tiles, linear || hyena);
    Map<String, Object> shuffle = new LinkedHashMap<>();
    shuffle.put("bytes", t.shuffle);
    shuffle.put("kv_bytes", t.kv);
    shuffle.put("kv_bytes_shipped", t.kvShipped);
    shuffle.put("duplication_factor", t.kv == 0 ? 0.0 : round3(t.kvShipped / (double) t.kv));
    m.put("shuffle", shuffle);
    m.put("peak_task_bytes", t.peakTask);
    if (hyena) {
      m.put("note", "Hyena: FLOPs not estimated (FFTs); shuffle covers the token routing only");
    }
    return new PlanEstimate(m);
  }

  /** FLOPs and key/value duplication factor of a softmax run, as {@link #of} estimates them. */
  public record Cost(double flops, double duplication) {}

  /**
   * The FLOPs and duplication {@link #of} would print for a softmax pattern {@code p.pattern()}
   * over these documents (for {@code advise}, which has its plans already).
   */
  public static Cost cost(AttendParams p, HeadShape shape, Map<String, DocPlan> plans) {
    AttentionPattern pattern = p.pattern().build();
    boolean tiles = TileExecution.applies(p, plans, pattern::numBlocks, p.spanBlocks());
    Traffic t = traffic(p, pattern, shape, plans.values(), tiles, false);
    return new Cost(
        FlopCount.of(p, pattern, shape, plans.values(), tiles),
        t.kv == 0 ? 0.0 : round3(t.kvShipped / (double) t.kv));
  }

  /** One JSON object. */
  public String json() {
    return RunInfo.toJson(plan);
  }

  /** A two-column table for people. */
  @SuppressWarnings("unchecked")
  public String table() {
    Map<String, Object> s = (Map<String, Object>) plan.get("shuffle");
    Map<String, Object> t = (Map<String, Object>) plan.get("tasks");
    Map<String, Object> ps = (Map<String, Object>) plan.get("pattern");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"input", String.valueOf(plan.get("input"))});
    rows.add(
        new String[] {
          "output",
          plan.get("output") + (Boolean.TRUE.equals(plan.get("output_exists")) ? " (exists)" : "")
        });
    rows.add(new String[] {"pattern", String.valueOf(ps.get("name"))});
    rows.add(
        new String[] {
          "heads",
          plan.get("heads") + " x " + plan.get("head_dim") + " (v " + plan.get("value_dim") + ")"
        });
    rows.add(new String[] {"documents", String.valueOf(plan.get("documents"))});
    rows.add(
        new String[] {
          "tokens", plan.get("tokens") + " (longest document " + plan.get("longest_document") + ")"
        });
    rows.add(
        new String[] {
          "spans",
          plan.get("spans") + " of " + plan.get("span_tokens") + " tokens, path " + plan.get("path")
        });
    rows.add(
        new String[] {
          "tasks",
          t.get("span_tasks")
              + " span tasks, "
              + t.get("routing_partitions")
              + " routing partitions"
              + (t.containsKey("tiles") ? ", " + t.get("tiles") + " tiles" : "")
        });
    Object flops = plan.get("flops");
    rows.add(
        new String[] {
          "FLOPs",
          flops == null
              ? "not estimated"
              : String.format(Locale.ROOT, "%.3g (%s GFLOP)", (Double) flops, plan.get("gflop"))
        });
    rows.add(new String[] {"shuffle", bytes((Long) s.get("bytes"))});
    rows.add(
        new String[] {
          "key/value bytes",
          bytes((Long) s.get("kv_bytes"))
              + ", shipped "
              + bytes((Long) s.get("kv_bytes_shipped"))
              + " (duplication "
              + s.get("duplication_factor")
              + "x)"
        });
    rows.add(new String[] {"peak memory per task", bytes((Long) plan.get("peak_task_bytes"))});
    int w = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
    StringBuilder b = new StringBuilder("attend --dry-run: nothing computed or written\n");
    for (String[] r : rows) {
      b.append(String.format(Locale.ROOT, "  %-" + w + "s  %s%n", r[0], r[1]));
    }
    return b.toString();
  }

  // --- reading --------------------------------------------------------------------------------

  /**
   * Per document its length and the positions its {@code global} column marks: one aggregation over
   * the scalar columns (no vectors are read). Positions are not checked here: the run does that.
   */
  private static Map<String, DocPlan> lengths(
      Dataset<Row> df, AttentionPattern pattern, int spanBlocks, boolean globals) {
    boolean hasGlobal = globals && TokenTable.has(df.schema(), TokenTable.GLOBAL);
    List<Row> meta =
        new ArrayList<>(
            df.groupBy(col(TokenTable.DOC_ID))
                .agg(
                    count("*"),
                    hasGlobal
                        ? collect_list(when(col(TokenTable.GLOBAL), col(TokenTable.POS)))
                        : collect_list(lit(null).cast("int")))
                .collectAsList());
    meta.sort(Comparator.comparing(r -> r.isNullAt(0) ? "" : r.getString(0)));
    Map<String, DocPlan> plans = new LinkedHashMap<>();
    long firstSpan = 0;
    for (Row r : meta) {
      if (r.isNullAt(0)) {
        throw new InputException("column 'doc_id': null document id in " + r.getLong(1) + " rows");
      }
      String doc = r.getString(0);
      long n = r.getLong(1);
      if (n > Integer.MAX_VALUE) {
        throw new InputException("doc '" + doc + "': " + n + " tokens, more than 2^31 - 1");
      }
      int[] cols = r.<Integer>getList(2).stream().mapToInt(Integer::intValue).sorted().toArray();
      plans.put(doc, new DocPlan(doc, (int) n, Seeds.docHash(doc), cols, firstSpan));
      firstSpan += spans(pattern, (int) n, spanBlocks);
    }
    return plans;
  }

  private static boolean exists(SparkSession spark, String path) {
    try {
      Path p = new Path(path);
      return FileSystem.get(p.toUri(), spark.sparkContext().hadoopConfiguration()).exists(p);
    } catch (java.io.IOException | IllegalArgumentException e) {
      return false;
    }
  }

  // --- estimates ------------------------------------------------------------------------------

  static long spans(AttentionPattern pattern, int n, int spanBlocks) {
    return (pattern.numBlocks(n) + spanBlocks - 1) / spanBlocks;
  }

  /**
   * FLOPs of the run over these documents (see the class comment); the run records the same count
   * over its own plans in {@code _longattn.json} ({@code compute.flops}).
   */

  /** Bytes moved and held. */
  private record Traffic(long kv, long kvShipped, long shuffle, long peakTask) {}

  private static Traffic traffic(
      AttendParams p,
      AttentionPattern pattern,
      HeadShape shape,
      Iterable<DocPlan> docs,
      boolean denseTiles,
      boolean blockLocal) {
    int qk = shape.qkWidth();
    int vw = shape.vWidth();
    int b = pattern.blockSize();
    int spanBlocks = p.spanBlocks();
    int spanTokens = spanBlocks * b;
    int heads = shape.heads();
    long kv = 0;
    long kvShipped = 0;
    long shuffle = 0;
    long peak = 0;
    int outFloats = vw + (p.stats() ? 4 * heads : 0);
    for (DocPlan d : docs) {
      int n = d.n();
      int nb = pattern.numBlocks(n);
      int spans = (int) spans(pattern, n, spanBlocks);
      long docKv = 4L * n * (qk + vw);
      kv += docKv;
      int keyBytes = d.docId().length() + 12; // the shuffle key: (document, span)
      long own = 0;
      for (int blk = 0; blk < nb; blk++) {
        int len = Math.min(n, (blk + 1) * b) - blk * b;
        own += 9 + 4L * len + 4L * len * (2L * qk + vw) + keyBytes;
      }
      shuffle += own;
      if (denseTiles) {
        // Each key chunk to every query span that reads it (S, or (S+1)/2 causal), each query
        // span to every chunk it reads; then S partial states per query row: 4·(dv + 5) bytes a
        // head (TileAssembler / TileExecution's record).
        double reads = p.pattern().causal() ? (spans + 1) / 2.0 : spans;
        long shipped = Math.round(docKv * reads);
        kvShipped += shipped;
        shuffle += shipped + Math.round(4.0 * n * qk * reads);
        shuffle += Math.round(reads * n * heads * 4.0 * (shape.dv() + 5));
        peak = Math.max(peak, 4L * spanTokens * (2L * qk + vw + outFloats));
        continue;
      }
      if (blockLocal) {
        kvShipped += docKv;
        peak = Math.max(peak, 4L * Math.min(n, spanTokens) * (2L * qk + vw + outFloats));
        continue;
      }
      SpanRouting routing = SpanRouting.of(pattern, n, d.docHash(), heads, spanBlocks);
      long[] inbound = new long[spans];
      long foreign = 0;
      for (int blk = 0; blk < nb; blk++) {
        int len = Math.min(n, (blk + 1) * b) - blk * b;
        int[] to = routing.foreignSpans(blk);
        foreign += 4L * len * (qk + vw) * to.length;
        shuffle += (long) to.length * (9 + 4L * len + 4L * len * (qk + vw) + keyBytes);
        for (int s : to) {
          inbound[s] += len;
        }
      }
      kvShipped += docKv + foreign;
      int g = d.globalPositions(pattern).length;
      if (g > 0) {
        // global rows to every span (one record per block holding some), and every span's partial
        // states of the global rows (heads × (dv + 2) floats a row) to the fold
        shuffle += (long) spans * (4L * g * (1 + 2L * qk + vw) + 9L * Math.min(g, nb));
        shuffle += (long) spans * g * heads * 4L * (shape.dv() + 2);
      }
      for (int s = 0; s < spans; s++) {
        long rows = Math.min(n - (long) s * spanTokens, spanTokens);
        long bytes =
            4L * rows * (2L * qk + vw + outFloats)
                + 4L * inbound[s] * (qk + vw)
                + 4L * g * (2L * qk + vw);
        peak = Math.max(peak, bytes);
      }
    }
    return new Traffic(kv, kvShipped, shuffle, peak);
  }

  /** The denser-tile count: S² tiles per multi-span document (S(S+1)/2 causal). */
  private static long tiles(
      Map<String, DocPlan> plans, AttentionPattern pattern, int spanBlocks, boolean causal) {
    long t = 0;
    for (DocPlan d : plans.values()) {
      long s = spans(pattern, d.n(), spanBlocks);
      t += causal ? s * (s + 1) / 2 : s * s;
    }
    return t;
  }

  private static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = b;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s (%d B)", v, units[u], b);
  }

  private static double round3(double x) {
    return Math.round(x * 1000) / 1000.0;
  }
}
