package org.longattn.jobs.report;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;

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
 * Everything is an aggregation over rows (exact min/max/mean and a KLL quantile sketch per
 * statistic and head, in one pass), so it scales with the output, never with N².
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
    return run(
        spark,
        input,
        output,
        overwrite,
        bins,
        coverageSamples,
        coverageDocs,
        heatmaps,
        heatmapQueries,
        hubs,
        Sources.NAMED);
  }

  /**
   * Where the report's other inputs come from.
   *
   * @param tokens the token table the run read, replacing the path its {@code _longattn.json} names
   *     (a moved table); null: that path
   * @param advice an {@code advise} output directory whose recommendation the first screen shows;
   *     null: none
   */
  public record Sources(String tokens, String advice) {
    /** The token table {@code _longattn.json} names, no advice. */
    public static final Sources NAMED = new Sources(null, null);
  }

  /**
   * {@link #run(SparkSession, String, String, boolean, int, int, int, int, int, int)} with the
   * token table and advice of {@code sources}. Every input is checked before any work: a missing
   * token table (when a sampled section needs it) or advice is one line, nothing written.
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
      int hubs,
      Sources sources) {
    Progress progress = new Progress("report");
    Map<String, Object> run = readRunInfo(spark, input);
    String named = String.valueOf(((Map<?, ?>) run.get("parameters")).get("input"));
    String tokensPath = sources.tokens() != null ? sources.tokens() : named;
    OutputPaths.check(spark)
        .writes("--output", output)
        .reads("--input", input)
        .reads(sources.tokens() != null ? "--tokens" : "the token table of --input", tokensPath)
        .reads("--advice", sources.advice())
        .verify();
    AtomicOutput.checkTarget(spark, output, overwrite);
    Map<String, Object> advice =
        sources.advice() == null ? null : Advice.read(spark, sources.advice());
    int heads = ((Number) ((Map<?, ?>) run.get("parameters")).get("heads")).intValue();
    String skip = skipNote(run, coverageSamples);
    RunTokens in = null;
    if ((coverageSamples > 0 || heatmaps > 0) && skip == null) {
      in = RunTokens.read(spark, tokensPath, sources.tokens() != null, input, heads);
    }
    Dataset<Row> df = spark.read().parquet(input);
    boolean stats = Arrays.asList(df.columns()).contains("entropy");

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("input", input);
    summary.put("run", run);
    summary.put("tokens", tokensPath);
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
    if (skip != null && (coverageSamples > 0 || heatmaps > 0)) {
      summary.put("sampled_note", skip);
      progress.stage("sampled", "skipped");
    } else if (in != null) {
      sampled(
          spark,
          df,
          run,
          in,
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
    if (advice != null) {
      summary.put("advice", advice);
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
   * Why the sampled sections (coverage, output error, hubs, heatmaps, needles) cannot run for this
   * run, or null when they can. They recompute softmax attention with the scaled dot product: not
   * defined for conv-band or Hyena (no softmax), and not what other scores computed; state-based
   * families get the output error alone (no block pattern, no weights).
   */
  private static String skipNote(Map<String, Object> run, int coverageSamples) {
    PatternSpec spec = patternOf(run);
    String score =
        run.get("score") instanceof Map<?, ?> sc ? String.valueOf(sc.get("name")) : "scaled-dot";
    Family family = Families.find(spec.name()).orElse(null);
    if (family != null && family.softmax() && !score.equals("scaled-dot")) {
      return "--score "
          + score
          + ": coverage, output error, hub tokens and heatmaps are computed for"
          + " --score scaled-dot only";
    }
    if (family != null && family.shape() == Shape.SCAN) {
      return coverageSamples > 0
          ? null
          : "pattern '" + spec.name() + "': output error needs --coverage-samples > 0";
    }
    try {
      if (family == null || !family.softmax()) {
        throw new IllegalArgumentException(spec.name());
      }
      spec.build();
    } catch (IllegalArgumentException e) {
      // state-based families (linear, performer, …) have no block pattern to cover or to draw
      return "pattern '"
          + spec.name()
          + "' is not a softmax block pattern: no coverage, output error, hub tokens or"
          + " heatmaps";
    }
    return null;
  }

  /**
   * The exact recomputations on sampled queries of the token table the run read: coverage, then hub
   * tokens (from the coverage samples), then heatmaps of sampled windows, then planted needles.
   */
  private static void sampled(
      SparkSession spark,
      Dataset<Row> output,
      Map<String, Object> run,
      RunTokens in,
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
    if (spec.family().shape() == Shape.SCAN) {
      linearFamilyError(
          spark, output, in, spec, heads, bins, coverageSamples, coverageDocs, summary, progress);
      return;
    }
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
      List<Map<String, Object>> maps =
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
              HEATMAP_CELLS);
      Heatmaps.labelTokens(in.raw, maps, HEATMAP_CELLS);
      summary.put("heatmaps", maps);
      progress.stage("heatmaps", heatmaps + " windows of " + heatmapQueries + " queries");
    }
    Map<String, Object> needles = Needles.compute(spark, in.raw, tokens, spec, heads);
    if (needles != null) {
      summary.put("needles", needles);
      progress.stage("needles", needles.get("pairs") + " planted matches");
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
      RunTokens in,
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
    PatternSpec exact =
        PatternSpec.of(
            DensePattern.NAME,
            spec.blockSize(),
            spec.seed(),
            spec.family().runsCausal(spec),
            false,
            Map.of());
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

  /**
   * The token table an attend run read (or {@code --tokens}, or the table {@link ExactAttention}
   * reads), checked and decodable.
   */
  static final class RunTokens {
    final String path;
    final Dataset<Row> raw;
    final Dataset<Row> tokens;
    final TokenRowDecoder decoder;
    final int d;
    final int dv;

    RunTokens(String path, Dataset<Row> tokens, int heads) {
      this.path = path;
      this.raw = tokens.sparkSession().read().parquet(path);
      this.tokens = tokens;
      int[] lens = TokenTable.probeLengths(tokens, path);
      this.decoder = TokenRowDecoder.forSchema(tokens.schema(), heads, lens[0], lens[1]);
      this.d = lens[0] / heads;
      this.dv = lens[1] / heads;
    }

    /**
     * Reads and checks the table before any other work: a table moved since the run is one line
     * that says where the path came from and how to override it.
     */
    static RunTokens read(
        SparkSession spark, String path, boolean overridden, String input, int heads) {
      try {
        return new RunTokens(path, TokenTable.read(spark, path), heads);
      } catch (InputException e) {
        if (overridden) {
          throw new InputException("--tokens: " + e.getMessage());
        }
        throw new InputException(
            "the token table that "
                + input
                + "/_longattn.json names: "
                + e.getMessage()
                + " (moved? pass --tokens DIR)");
      }
    }
  }

  /** Quantiles kept per distribution (every percentile). */
  static final int QUANTILES = 101;

  /**
   * Exact min, max and mean, quantiles and a histogram of every statistic of every head, in one
   * pass: a {@link Distribution} (KLL sketch + exact sums) per statistic and head, merged across
   * tasks. Histograms span the 1–99 % quantiles (mean distances on log10(1 + d)), so one outlier or
   * a fixed axis never squeezes the mass into a bar or two.
   */
  static List<Map<String, Object>> perHeadStats(Dataset<Row> df, int heads, int bins) {
    Distribution[] dist = distributions(df, heads);
    List<Map<String, Object>> out = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("head", h);
      for (int s = 0; s < STATS.length; s++) {
        Distribution x = dist[s * heads + h];
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("min", x.min());
        st.put("max", x.max());
        st.put("mean", x.mean());
        st.put("unit", UNITS[s]);
        st.put(
            "histogram",
            x.histogram(bins, STATS[s].equals("mean_distance") ? "log10(1+x)" : "linear"));
        st.put("quantiles", x.quantiles(QUANTILES));
        m.put(STATS[s], st);
      }
      out.add(m);
    }
    return out;
  }

  /**
   * One distribution per statistic and head, index {@code s * heads + h}, in one pass: per task
   * sketches, shipped and merged as bytes.
   */
  private static Distribution[] distributions(Dataset<Row> df, int heads) {
    int k = STATS.length * heads;
    byte[][] merged =
        df.select(
                Arrays.stream(STATS)
                    .map(org.apache.spark.sql.functions::col)
                    .toArray(Column[]::new))
            .javaRDD()
            .mapPartitions(
                rows -> {
                  Distribution[] acc = new Distribution[k];
                  Arrays.setAll(acc, i -> new Distribution());
                  while (rows.hasNext()) {
                    Row row = rows.next();
                    for (int s = 0; s < STATS.length; s++) {
                      List<Float> v = row.getList(s);
                      for (int h = 0; h < heads; h++) {
                        Float x = v.get(h);
                        if (x != null) {
                          acc[s * heads + h].add(x);
                        }
                      }
                    }
                  }
                  byte[][] out = new byte[k][];
                  Arrays.setAll(out, i -> acc[i].toBytes());
                  return java.util.Collections.singletonList(out).iterator();
                })
            .treeReduce(
                (a, b) -> {
                  byte[][] out = new byte[k][];
                  Arrays.setAll(
                      out,
                      i ->
                          Distribution.fromBytes(a[i])
                              .merge(Distribution.fromBytes(b[i]))
                              .toBytes());
                  return out;
                },
                2);
    Distribution[] out = new Distribution[k];
    Arrays.setAll(out, i -> Distribution.fromBytes(merged[i]));
    return out;
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
