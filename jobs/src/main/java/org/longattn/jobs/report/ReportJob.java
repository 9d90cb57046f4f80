package org.longattn.jobs.report;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.AtomicOutput;
import org.longattn.datasets.InputException;
import org.longattn.datasets.OutputPaths;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.Progress;
import org.longattn.jobs.RunInfo;
import org.longattn.kernels.pattern.DensePattern;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/**
 * {@code report}: an {@code attend} output (+ its stats and {@code _longattn.json}) → one
 * self-contained HTML file with inline SVG charts and {@code summary.json} with the same numbers.
 * Everything is an aggregation over rows (min/max/mean per head, then one pass of fixed-bin
 * histograms), so it scales with the output, never with N².
 */
public final class ReportJob {
  /** The per-row statistics, and how each is binned. */
  static final String[] STATS = {"entropy", "mean_distance", "max_weight", "global_mass"};

  static final String[] UNITS = {
    "entropy (nats)",
    "mean attention distance (tokens)",
    "largest attention weight",
    "attention mass on global tokens"
  };

  private ReportJob() {}

  /**
   * {@link #run(SparkSession, String, String, boolean, int, int, int, int, int, int)} with the
   * default heatmaps (2 windows of 128 queries) and 10 hub tokens per head.
   */
  public static Map<String, Object> run(
      SparkSession spark,
      String input,
      String output,
      boolean overwrite,
      int bins,
      int coverageSamples,
      int coverageDocs) {
    return run(
        spark,
        input,
        output,
        overwrite,
        bins,
        coverageSamples,
        coverageDocs,
        DEFAULT_HEATMAPS,
        DEFAULT_HEATMAP_QUERIES,
        DEFAULT_HUBS);
  }

  public static final int DEFAULT_HEATMAPS = 2;
  public static final int DEFAULT_HEATMAP_QUERIES = 128;
  public static final int DEFAULT_HUBS = 10;

  /** Heatmap cells per axis (at most). */
  static final int HEATMAP_CELLS = 64;

  /**
   * @param coverageSamples sampled queries per document for the coverage and hub sections (0: none)
   * @param coverageDocs documents (first by id) the coverage samples and heatmap windows come from
   * @param heatmaps sampled windows drawn as pooled heatmaps (0: none)
   * @param heatmapQueries consecutive queries per heatmap window
   * @param hubs hub tokens listed per head (0: none; needs coverage samples)
   */
  public static Map<String, Object> run(
      SparkSession spark,
      String input,
      String output,
      boolean overwrite,
      int bins,
      int coverageSamples,
      int coverageDocs,
      int heatmaps,
      int heatmapQueries,
      int hubs) {
    Progress progress = new Progress("report");
    Map<String, Object> run = readRunInfo(spark, input);
    OutputPaths.check(spark)
        .writes("--output", output)
        .reads("--input", input)
        .reads(
            "the token table of --input",
            String.valueOf(((Map<?, ?>) run.get("parameters")).get("input")))
        .verify();
    AtomicOutput.checkTarget(spark, output, overwrite);
    Dataset<Row> df = spark.read().parquet(input);
    int heads = ((Number) ((Map<?, ?>) run.get("parameters")).get("heads")).intValue();
    boolean stats = Arrays.asList(df.columns()).contains("entropy");

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("input", input);
    summary.put("run", run);
    Row totals = df.agg(count("*"), countDistinct(col("doc_id"))).head();
    summary.put("rows", totals.getLong(0));
    summary.put("documents", totals.getLong(1));
    summary.put("heads", heads);
    summary.put("stats", stats);
    List<Map<String, Object>> perHead = new ArrayList<>();
    if (stats) {
      perHead = perHeadStats(df, heads, bins);
      summary.put("documents_top", documents(df, heads));
    }
    summary.put("per_head", perHead);
    progress.stage("aggregate", totals.getLong(0) + " rows, " + heads + " heads");
    if (coverageSamples > 0 || heatmaps > 0) {
      sampled(
          spark,
          df,
          run,
          heads,
          bins,
          coverageSamples,
          coverageDocs,
          heatmaps,
          heatmapQueries,
          hubs,
          summary,
          progress);
    }

    String html = HtmlReport.render(summary, perHead);
    String json = RunInfo.toJson(summary);
    AtomicOutput.write(
        spark,
        output,
        overwrite,
        tmp -> {
          AtomicOutput.writeText(spark, tmp, "index.html", html);
          AtomicOutput.writeText(spark, tmp, "summary.json", json);
        });
    progress.done("report in " + output + "/index.html");
    return summary;
  }

  /**
   * The exact recomputations on sampled queries of the token table the run read: coverage, then hub
   * tokens (from the coverage samples), then heatmaps of sampled windows.
   */
  private static void sampled(
      SparkSession spark,
      Dataset<Row> output,
      Map<String, Object> run,
      int heads,
      int bins,
      int coverageSamples,
      int coverageDocs,
      int heatmaps,
      int heatmapQueries,
      int hubs,
      Map<String, Object> summary,
      Progress progress) {
    PatternSpec spec = patternOf(run);
    // Coverage, output error, hubs and heatmaps recompute softmax attention with the scaled dot
    // product: not defined for conv-band or Hyena (no softmax), and not what other scores computed.
    String score =
        run.get("score") instanceof Map<?, ?> sc ? String.valueOf(sc.get("name")) : "scaled-dot";
    Family family = Families.find(spec.name()).orElse(null);
    if (family != null && family.softmax() && !score.equals("scaled-dot")) {
      summary.put(
          "sampled_note",
          "--score "
              + score
              + ": coverage, output error, hub tokens and heatmaps are computed for"
              + " --score scaled-dot only");
      progress.stage("sampled", "skipped: score " + score);
      return;
    }
    if (family != null && family.shape() == Shape.SCAN) {
      linearFamilyError(
          spark, output, run, spec, heads, bins, coverageSamples, coverageDocs, summary, progress);
      return;
    }
    try {
      if (family == null || !family.softmax()) {
        throw new IllegalArgumentException(spec.name());
      }
      spec.build();
    } catch (IllegalArgumentException e) {
      // state-based families (linear, performer, …) have no block pattern to cover or to draw
      summary.put(
          "sampled_note",
          "pattern '"
              + spec.name()
              + "' is not a softmax block pattern: no coverage, output error, hub tokens or"
              + " heatmaps");
      progress.stage("sampled", "skipped: pattern " + spec.name());
      return;
    }
    RunTokens in = RunTokens.read(spark, run, heads);
    String tokensPath = in.path;
    Dataset<Row> tokens = in.tokens;
    TokenRowDecoder decoder = in.decoder;
    int d = in.d;
    List<SampledQueries.Doc> docs = SampledQueries.documents(tokens, spec.build(), coverageDocs);
    if (coverageSamples > 0) {
      int dv = in.dv;
      Coverage.Result cov =
          Coverage.compute(spark, tokens, decoder, docs, spec, heads, d, dv, coverageSamples, bins);
      summary.put("coverage", cov.summary);
      summary.put("output_error", OutputError.compute(output, cov, heads, dv));
      progress.stage("coverage", coverageSamples + " queries per document, exact over all keys");
      if (hubs > 0) {
        summary.put(
            "hubs",
            HubTokens.compute(spark, tokens, decoder, tokensPath, cov, spec, heads, d, hubs));
        progress.stage("hubs", "top " + hubs + " keys per head by mass from the sampled queries");
      }
    }
    if (heatmaps > 0) {
      summary.put(
          "heatmaps",
          Heatmaps.compute(
              spark,
              tokens,
              decoder,
              docs,
              spec,
              heads,
              d,
              heatmaps,
              heatmapQueries,
              HEATMAP_CELLS));
      progress.stage("heatmaps", heatmaps + " windows of " + heatmapQueries + " queries");
    }
  }

  /**
   * A state-based family (linear, gated-linear, performer, linformer) approximates softmax
   * attention: its output error on the sampled queries is measured against exact softmax attention
   * over every key of the document (scaled dot product, the run's causal mask), computed by the
   * coverage pass with the dense pattern. Coverage, hubs and heatmaps have no meaning there (no
   * block pattern, no weights) and are left out with a note.
   */
  private static void linearFamilyError(
      SparkSession spark,
      Dataset<Row> output,
      Map<String, Object> run,
      PatternSpec spec,
      int heads,
      int bins,
      int coverageSamples,
      int coverageDocs,
      Map<String, Object> summary,
      Progress progress) {
    summary.put(
        "sampled_note",
        "pattern '"
            + spec.name()
            + "' is a state-based family: output error against exact softmax attention on the"
            + " sampled queries; no coverage, hub tokens or heatmaps (no attention weights)");
    if (coverageSamples <= 0) {
      progress.stage("sampled", "skipped: --coverage-samples 0");
      return;
    }
    PatternSpec exact =
        PatternSpec.of(
            DensePattern.NAME,
            spec.blockSize(),
            spec.seed(),
            spec.family().runsCausal(spec),
            false,
            Map.of());
    RunTokens in = RunTokens.read(spark, run, heads);
    List<SampledQueries.Doc> docs =
        SampledQueries.documents(in.tokens, exact.build(), coverageDocs);
    Coverage.Result cov =
        Coverage.compute(
            spark, in.tokens, in.decoder, docs, exact, heads, in.d, in.dv, coverageSamples, bins);
    Map<String, Object> error = new LinkedHashMap<>(OutputError.compute(output, cov, heads, in.dv));
    error.put("reference", "exact softmax attention" + (exact.causal() ? " (causal)" : ""));
    summary.put("output_error", error);
    progress.stage(
        "output error", coverageSamples + " queries per document against exact softmax attention");
  }

  /** The token table an attend run read ({@code parameters.input}), checked and decodable. */
  private static final class RunTokens {
    final String path;
    final Dataset<Row> tokens;
    final TokenRowDecoder decoder;
    final int d;
    final int dv;

    private RunTokens(String path, Dataset<Row> tokens, int heads) {
      this.path = path;
      this.tokens = tokens;
      int[] lens = TokenTable.probeLengths(tokens, path);
      this.decoder = TokenRowDecoder.forSchema(tokens.schema(), heads, lens[0], lens[1]);
      this.d = lens[0] / heads;
      this.dv = lens[1] / heads;
    }

    static RunTokens read(SparkSession spark, Map<String, Object> run, int heads) {
      String path = String.valueOf(((Map<?, ?>) run.get("parameters")).get("input"));
      return new RunTokens(path, TokenTable.read(spark, path), heads);
    }
  }

  /** Min, max, mean and a histogram of every statistic of every head, in two passes. */
  static List<Map<String, Object>> perHeadStats(Dataset<Row> df, int heads, int bins) {
    List<Column> aggs = new ArrayList<>();
    for (String s : STATS) {
      for (int h = 0; h < heads; h++) {
        Column x = value(s, h);
        aggs.add(min(x));
        aggs.add(max(x));
        aggs.add(avg(col(s).getItem(h)));
      }
    }
    Row r = df.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).head();
    double[] lo = new double[STATS.length * heads];
    double[] hi = new double[STATS.length * heads];
    double[] mean = new double[STATS.length * heads];
    for (int i = 0; i < lo.length; i++) {
      lo[i] = r.isNullAt(3 * i) ? 0 : ((Number) r.get(3 * i)).doubleValue();
      hi[i] = r.isNullAt(3 * i + 1) ? 0 : ((Number) r.get(3 * i + 1)).doubleValue();
      mean[i] = r.isNullAt(3 * i + 2) ? 0 : ((Number) r.get(3 * i + 2)).doubleValue();
      int s = i / heads;
      if (STATS[s].equals("max_weight") || STATS[s].equals("global_mass")) {
        lo[i] = 0; // shares: a fixed [0, 1] axis compares across heads and runs
        hi[i] = 1;
      }
      if (hi[i] <= lo[i]) {
        hi[i] = lo[i] + 1;
      }
    }
    long[][] counts = histograms(df, heads, bins, lo, hi);
    List<Map<String, Object>> out = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("head", h);
      for (int s = 0; s < STATS.length; s++) {
        int i = s * heads + h;
        Map<String, Object> st = new LinkedHashMap<>();
        boolean log = STATS[s].equals("mean_distance");
        st.put("min", log ? Math.pow(10, lo[i]) - 1 : lo[i]);
        st.put("max", log ? Math.pow(10, hi[i]) - 1 : hi[i]);
        st.put("mean", mean[i]);
        st.put("unit", UNITS[s]);
        st.put("histogram", new Histogram(log ? "log10(1+x)" : "linear", lo[i], hi[i], counts[i]));
        m.put(STATS[s], st);
      }
      out.add(m);
    }
    return out;
  }

  /** The value a statistic is binned on: mean distances on log10(1 + d). */
  private static Column value(String stat, int h) {
    Column x = col(stat).getItem(h);
    return stat.equals("mean_distance") ? org.apache.spark.sql.functions.log10(x.plus(1)) : x;
  }

  private static long[][] histograms(
      Dataset<Row> df, int heads, int bins, double[] lo, double[] hi) {
    int k = STATS.length * heads;
    return df.select(
            Arrays.stream(STATS).map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
        .javaRDD()
        .treeAggregate(
            new long[k][bins],
            (acc, row) -> {
              for (int s = 0; s < STATS.length; s++) {
                List<Float> v = row.getList(s);
                for (int h = 0; h < heads; h++) {
                  double x = v.get(h);
                  if (STATS[s].equals("mean_distance")) {
                    x = Math.log10(1 + x);
                  }
                  int i = s * heads + h;
                  int b = (int) Math.floor((x - lo[i]) / (hi[i] - lo[i]) * bins);
                  acc[i][Math.max(0, Math.min(bins - 1, b))]++;
                }
              }
              return acc;
            },
            (a, b) -> {
              for (int i = 0; i < a.length; i++) {
                for (int j = 0; j < a[i].length; j++) {
                  a[i][j] += b[i][j];
                }
              }
              return a;
            },
            2);
  }

  /** The 20 largest documents with their mean entropy per head. */
  private static List<Map<String, Object>> documents(Dataset<Row> df, int heads) {
    List<Column> aggs = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      aggs.add(avg(col("entropy").getItem(h)));
    }
    List<Row> rows =
        df.groupBy(col("doc_id"))
            .agg(count("*").as("tokens"), aggs.toArray(Column[]::new))
            .orderBy(col("tokens").desc(), col("doc_id"))
            .limit(20)
            .collectAsList();
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("doc_id", r.getString(0));
      m.put("tokens", r.getLong(1));
      double[] e = new double[heads];
      for (int h = 0; h < heads; h++) {
        e[h] = r.getDouble(2 + h);
      }
      m.put("mean_entropy", e);
      out.add(m);
    }
    return out;
  }

  /** The pattern an attend run used, from its {@code _longattn.json} ({@link Families#read}). */
  public static PatternSpec patternOf(Map<String, Object> run) {
    long seed = run.get("seed") instanceof Number n ? n.longValue() : 0L;
    return Families.read((Map<?, ?>) run.get("pattern"), seed);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> readRunInfo(SparkSession spark, String input) {
    Path p = new Path(input, "_longattn.json");
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(new Path(input))) {
        throw new InputException("input '" + input + "' does not exist");
      }
      if (!fs.exists(p)) {
        throw new InputException(
            "input '" + input + "' has no _longattn.json: not an attend output directory");
      }
      try (InputStream in = fs.open(p)) {
        Map<String, Object> m = new ObjectMapper().readValue(in, Map.class);
        if (!"attend".equals(m.get("command"))) {
          throw new InputException(
              "input '" + input + "' was written by '" + m.get("command") + "', not attend");
        }
        return m;
      }
    } catch (IOException e) {
      throw new InputException(
          "input '" + input + "': cannot read _longattn.json: " + e.getMessage());
    }
  }
}
