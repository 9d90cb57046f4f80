package org.longattn.jobs.advise;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.longattn.datasets.AtomicOutput;
import org.longattn.datasets.InputException;
import org.longattn.datasets.OutputPaths;
import org.longattn.datasets.TokenRecord;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.Progress;
import org.longattn.jobs.RunInfo;
import org.longattn.jobs.TableLayout;
import org.longattn.jobs.attend.AttendParams;
import org.longattn.jobs.attend.DocPlan;
import org.longattn.jobs.attend.InputStage;
import org.longattn.jobs.attend.PlanEstimate;
import org.longattn.jobs.attend.RouteRows;
import org.longattn.jobs.attend.Routing;
import org.longattn.jobs.attend.SpanKey;
import org.longattn.jobs.attend.SpanPartitioner;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;
import org.longattn.kernels.span.HeadShape;
import scala.Tuple2;

/**
 * {@code advise}: which candidate pattern keeps enough of a model's attention, at what cost.
 *
 * <ol>
 *   <li>plan: the units (documents, or (document, layer) when the table has a {@code layer}
 *       column), their lengths, globals and padding; seeded query samples per document (the same
 *       positions in every layer);
 *   <li>exact pass: one routing shuffle of the token rows into key spans ({@link RouteRows},
 *       block-local, as {@code attend} routes them); each span folds its keys into the {@link
 *       ExactMass} state of every sample, head and candidate; the driver folds span states in span
 *       order — exact in double, never N×N, bitwise the same for any partitioning;
 *   <li>verdict: coverage and output error per (layer, head) and candidate, the cost of each
 *       candidate ({@link PlanEstimate#cost}), the cheapest candidate reaching the target, the
 *       baselines, and the recall of planted needles when the table has a {@code needle} column;
 *   <li>write {@code advice.json} and {@code index.html} atomically.
 * </ol>
 */
public final class AdviseJob {
  /** Optional column: the layer of a row (q/k/v dumped from several layers). */
  public static final String LAYER = "layer";

  /** Optional column of generated tables: on a needle's query row, its planted key's position. */
  public static final String NEEDLE = "needle";

  /** Tokens per routing block of the exact pass. */
  static final int ROUTING_BLOCK = 64;

  /** Default tokens per key span of the exact pass. */
  public static final int SPAN_TOKENS = 16384;

  /** Span size used for the cost estimates: {@code attend}'s default. */
  static final int ATTEND_SPAN_TOKENS = 32768;

  private static final char UNIT_SEPARATOR = '\u0000';

  private AdviseJob() {}

  /** Runs advise; returns the advice written to {@code advice.json}. */
  public static Map<String, Object> run(SparkSession spark, AdviseParams p) {
    Progress progress = new Progress("advise");
    OutputPaths.check(spark).writes("--output", p.output()).reads("--input", p.input()).verify();
    AtomicOutput.checkTarget(spark, p.output(), p.overwrite());
    int heads = TableLayout.resolve(p.input(), p.heads());
    Dataset<Row> checked = TokenTable.read(spark, p.input());
    Dataset<Row> raw = spark.read().parquet(p.input());
    boolean layered = TokenTable.has(raw.schema(), LAYER);
    Dataset<Row> df = checked;
    if (layered) {
      DataType t = raw.schema().apply(LAYER).dataType();
      if (!t.equals(DataTypes.IntegerType) && !t.equals(DataTypes.LongType)) {
        throw new InputException(
            "input '" + p.input() + "' column 'layer': expected int, found " + t.simpleString());
      }
      if (!raw.filter(col(LAYER).isNull()).isEmpty()) {
        throw new InputException("input '" + p.input() + "' column 'layer': null layer");
      }
      // A unit per (document, layer): its key is doc_id NUL layer, parsed back at the last NUL.
      df =
          TokenTable.canonical(
              raw.withColumn(
                  TokenTable.DOC_ID,
                  concat(
                      col(TokenTable.DOC_ID),
                      lit(String.valueOf(UNIT_SEPARATOR)),
                      col(LAYER).cast("string"))),
              p.input());
    }
    int[] lengths = TokenTable.probeLengths(df, p.input());
    HeadShape shape = InputStage.headShape(lengths, heads);
    TokenRowDecoder decoder = TokenRowDecoder.forSchema(df.schema(), heads, lengths[0], lengths[1]);
    Routing routing =
        new Routing(
            null,
            ROUTING_BLOCK,
            Integer.highestOneBit(Math.max(1, p.spanTokens() / ROUTING_BLOCK)));
    Map<String, DocPlan> plans = plan(df, routing, layered);
    long tokens = plans.values().stream().mapToLong(DocPlan::n).sum();
    List<Candidate> cands = p.candidates();
    Map<String, int[]> samples = samples(plans, layered, p.samples(), p.seed());
    Map<String, SampledUnit> units = units(df, plans, samples, cands, shape, layered);
    progress.stage(
        "plan",
        plans.size()
            + (layered ? " (document, layer) units, " : " documents, ")
            + tokens
            + " tokens, "
            + samples.values().stream().mapToInt(a -> a.length).sum()
            + " sampled queries, "
            + cands.size()
            + " candidates");

    Map<String, double[]> states =
        exactPass(spark, df, decoder, plans, units, cands, shape, p, routing);
    progress.stage("exact", "coverage and error of " + cands.size() + " candidates");

    Map<String, Object> advice =
        Verdict.advice(
            p, shape, plans, units, states, samples, layered, costs(p, shape, plans, layered));
    if (TokenTable.has(raw.schema(), NEEDLE)) {
      advice.put("needles", needles(raw, plans, cands, shape, p.causal(), layered));
    }
    String json = RunInfo.toJson(advice);
    String html = AdviceHtml.render(advice);
    AtomicOutput.write(
        spark,
        p.output(),
        p.overwrite(),
        tmp -> {
          AtomicOutput.writeText(spark, tmp, "advice.json", json);
          AtomicOutput.writeText(spark, tmp, "index.html", html);
        });
    progress.done("advice in " + p.output() + "/index.html");
    return advice;
  }

  /** The document id of a unit key. */
  static String docId(String unit, boolean layered) {
    return layered ? unit.substring(0, unit.lastIndexOf(UNIT_SEPARATOR)) : unit;
  }

  /** The layer of a unit key (null without a layer column). */
  static Integer layer(String unit, boolean layered) {
    return layered ? Integer.valueOf(unit.substring(unit.lastIndexOf(UNIT_SEPARATOR) + 1)) : null;
  }

  /**
   * Per unit: length (positions checked), column globals, padding, spans numbered in key order
   * ({@link InputStage#plan}); the hash that seeds BigBird's random blocks is the document's, so a
   * layer's key set is the one {@code attend} gives that document.
   */
  private static Map<String, DocPlan> plan(Dataset<Row> df, Routing routing, boolean layered) {
    Map<String, DocPlan> plans = new TreeMap<>();
    Map<String, DocPlan> firstLayer = new HashMap<>();
    for (DocPlan u : new TreeMap<>(InputStage.plan(df, routing)).values()) {
      String doc = docId(u.docId(), layered);
      DocPlan plan =
          new DocPlan(
              u.docId(), u.n(), Seeds.docHash(doc), u.columnGlobals(), u.firstSpan(), u.padding());
      DocPlan other = firstLayer.putIfAbsent(doc, plan);
      if (other != null
          && (other.n() != plan.n() || !Arrays.equals(other.padding(), plan.padding()))) {
        throw new InputException(
            "doc '"
                + doc
                + "' layer "
                + layer(u.docId(), true)
                + " column 'pos': "
                + plan.n()
                + " tokens and "
                + plan.padding().length
                + " padding rows, layer "
                + layer(other.docId(), true)
                + " has "
                + other.n()
                + " and "
                + other.padding().length
                + " (every layer of a document must have the same positions)");
      }
      plans.put(u.docId(), plan);
    }
    return plans;
  }

  /**
   * Per document id: {@code count} distinct non-padding positions drawn uniformly with a seed mixed
   * from {@code seed} and the id (all of them when there are fewer), ascending. Uniform, so the
   * mean coverage over them estimates the document's mean coverage without bias.
   */
  static Map<String, int[]> samples(
      Map<String, DocPlan> plans, boolean layered, int count, long seed) {
    Map<String, int[]> out = new TreeMap<>();
    for (DocPlan plan : plans.values()) {
      String doc = docId(plan.docId(), layered);
      if (out.containsKey(doc)) {
        continue;
      }
      int[] real = new int[plan.n() - plan.padding().length];
      int k = 0;
      for (int i = 0; i < plan.n(); i++) {
        if (!plan.padded(i)) {
          real[k++] = i;
        }
      }
      int[] chosen;
      if (real.length <= count) {
        chosen = real;
      } else {
        SplittableRandom rng = new SplittableRandom(Seeds.mix(Seeds.docHash(doc), seed));
        chosen =
            rng.ints(0, real.length).distinct().limit(count).map(i -> real[i]).sorted().toArray();
      }
      out.put(doc, chosen);
    }
    return out;
  }

  /** Loads the sampled q rows (one filtered pass) and the candidates' globals per unit. */
  private static Map<String, SampledUnit> units(
      Dataset<Row> df,
      Map<String, DocPlan> plans,
      Map<String, int[]> samples,
      List<Candidate> cands,
      HeadShape shape,
      boolean layered) {
    List<String> keys = new ArrayList<>();
    for (String unit : plans.keySet()) {
      for (int pos : samples.get(docId(unit, layered))) {
        keys.add(unit + "#" + pos);
      }
    }
    // Only the q column is read here (k and v stand in as copies of it for the decoder, which
    // checks q); the exact pass reads and checks k and v.
    Object[] positions =
        samples.values().stream().flatMapToInt(Arrays::stream).distinct().boxed().toArray();
    Dataset<Row> sampled =
        df.filter(col(TokenTable.POS).isin(positions))
            .filter(
                concat(col(TokenTable.DOC_ID), lit("#"), col(TokenTable.POS)).isin(keys.toArray()))
            .select(
                col(TokenTable.DOC_ID),
                col(TokenTable.POS),
                col(TokenTable.Q),
                col(TokenTable.Q).as(TokenTable.K),
                col(TokenTable.Q).as(TokenTable.V),
                col(TokenTable.GLOBAL));
    TokenRowDecoder qDecoder =
        TokenRowDecoder.forSchema(
            sampled.schema(), shape.heads(), shape.qkWidth(), shape.qkWidth());
    Map<String, float[]> qs = new HashMap<>();
    for (Row r : sampled.collectAsList()) {
      TokenRecord t = qDecoder.decode(r);
      qs.put(t.docId() + "#" + t.pos(), t.q());
    }
    AttentionPattern[] patterns = patterns(cands);
    int qk = shape.qkWidth();
    Map<String, SampledUnit> out = new HashMap<>();
    for (DocPlan plan : plans.values()) {
      String unit = plan.docId();
      int[] pos = samples.get(docId(unit, layered));
      float[] q = new float[pos.length * qk];
      for (int i = 0; i < pos.length; i++) {
        float[] row = qs.get(unit + "#" + pos[i]);
        if (row == null) {
          throw new IllegalStateException("no q row for sample " + pos[i] + " of " + unit);
        }
        System.arraycopy(row, 0, q, i * qk, qk);
      }
      int[][] globals = new int[patterns.length][];
      for (int c = 0; c < patterns.length; c++) {
        globals[c] = plan.globalPositions(patterns[c]);
      }
      out.put(
          unit,
          new SampledUnit(
              unit,
              docId(unit, layered),
              layer(unit, layered),
              plan.n(),
              plan.docHash(),
              pos,
              q,
              plan.padding(),
              globals));
    }
    return out;
  }

  static AttentionPattern[] patterns(List<Candidate> cands) {
    AttentionPattern[] patterns = new AttentionPattern[cands.size()];
    for (int c = 0; c < patterns.length; c++) {
      patterns[c] = cands.get(c).spec().build();
    }
    return patterns;
  }

  /** The exact pass: per unit, its {@link ExactMass} state folded over its spans in span order. */
  private static Map<String, double[]> exactPass(
      SparkSession spark,
      Dataset<Row> df,
      TokenRowDecoder decoder,
      Map<String, DocPlan> plans,
      Map<String, SampledUnit> units,
      List<Candidate> cands,
      HeadShape shape,
      AdviseParams p,
      Routing routing) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    long spans = plans.values().stream().mapToLong(d -> routing.spans(d.n())).sum();
    int partitions =
        p.partitions() > 0
            ? p.partitions()
            : (int) Math.max(1, Math.min(spans, 1 << 16)); // a partition per span
    Broadcast<Map<String, DocPlan>> bPlans = jsc.broadcast(plans);
    Broadcast<Map<String, SampledUnit>> bUnits = jsc.broadcast(units);
    List<PatternSpec> specs = cands.stream().map(Candidate::spec).toList();
    List<Tuple2<SpanKey, double[]>> parts =
        df.queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitionsToPair(
                new RouteRows(
                    decoder,
                    bPlans,
                    routing,
                    shape,
                    jsc.sc().longAccumulator(),
                    jsc.sc().longAccumulator()))
            .partitionBy(new SpanPartitioner(partitions, bPlans))
            .mapPartitions(new SpanMassTasks(bPlans, bUnits, specs, shape, p.causal(), routing))
            .collect();
    bPlans.destroy();
    bUnits.destroy();
    Map<String, TreeMap<Integer, double[]>> bySpan = new TreeMap<>();
    for (Tuple2<SpanKey, double[]> t : parts) {
      bySpan.computeIfAbsent(t._1().docId(), k -> new TreeMap<>()).put(t._1().span(), t._2());
    }
    Map<String, double[]> out = new TreeMap<>();
    bySpan.forEach(
        (unit, s) -> {
          double[] a = null;
          for (double[] b : s.values()) {
            if (a == null) {
              a = b.clone();
            } else {
              ExactMass.merge(a, b, shape.dv(), cands.size());
            }
          }
          out.put(unit, a);
        });
    return out;
  }

  /** Cost of each candidate over one layer's units ({@code attend}'s span size). */
  private static List<PlanEstimate.Cost> costs(
      AdviseParams p, HeadShape shape, Map<String, DocPlan> plans, boolean layered) {
    // one layer's work: every document once (its lowest layer's plan when the table has layers)
    Map<String, DocPlan> oneLayer = new TreeMap<>();
    for (DocPlan d : plans.values()) {
      oneLayer.putIfAbsent(docId(d.docId(), layered), d);
    }
    List<PlanEstimate.Cost> out = new ArrayList<>();
    for (Candidate c : p.candidates()) {
      AttendParams ap =
          new AttendParams(
              p.input(),
              p.output(),
              false,
              shape.heads(),
              c.spec(),
              false,
              "java",
              ATTEND_SPAN_TOKENS,
              0,
              false);
      out.add(PlanEstimate.cost(ap, shape, oneLayer));
    }
    return out;
  }

  /**
   * Recall of the planted needles per candidate: the share of (needle, head) pairs whose planted
   * key b is in the candidate's key set of query a (needles with padding on either end, or a key
   * the exact attention does not read, are left out).
   */
  private static Map<String, Object> needles(
      Dataset<Row> raw,
      Map<String, DocPlan> plans,
      List<Candidate> cands,
      HeadShape shape,
      boolean causal,
      boolean layered) {
    List<Row> rows =
        raw.filter(col(NEEDLE).isNotNull())
            .select(
                col(TokenTable.DOC_ID),
                layered ? col(LAYER).cast("string") : lit(null).cast("string"),
                col(TokenTable.POS).cast("int"),
                col(NEEDLE).cast("int"))
            .collectAsList();
    AttentionPattern[] patterns = patterns(cands);
    long[] hits = new long[cands.size()];
    long pairs = 0;
    long skipped = 0;
    double distance = 0;
    TreeSet<String> seen = new TreeSet<>();
    for (Row r : rows) {
      String unit = layered ? r.getString(0) + UNIT_SEPARATOR + r.getString(1) : r.getString(0);
      DocPlan plan = plans.get(unit);
      int a = r.getInt(2);
      int b = r.getInt(3);
      if (plan == null
          || b < 0
          || b >= plan.n()
          || plan.padded(a)
          || plan.padded(b)
          || (causal && b > a)
          || !seen.add(unit + "#" + a)) {
        skipped++;
        continue;
      }
      pairs++;
      distance += Math.abs(a - b);
      for (int c = 0; c < patterns.length; c++) {
        int[] globals = plan.globalPositions(patterns[c]);
        for (int h = 0; h < shape.heads(); h++) {
          if (reads(patterns[c], plan, globals, h, a, b)) {
            hits[c]++;
          }
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(
        "definition",
        "share of (planted needle, head) pairs whose planted key is in the candidate's key set of"
            + " the needle's query");
    out.put("needles", pairs);
    out.put("skipped", skipped);
    out.put("mean_distance", pairs == 0 ? 0.0 : distance / pairs);
    List<Map<String, Object>> per = new ArrayList<>();
    for (int c = 0; c < patterns.length; c++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", cands.get(c).name());
      m.put("found", hits[c]);
      m.put("pairs", pairs * shape.heads());
      m.put("recall", pairs == 0 ? 0.0 : hits[c] / (double) (pairs * shape.heads()));
      per.add(m);
    }
    out.put("candidates", per);
    return out;
  }

  /** Whether query i reads key j for head h under pattern p ({@link AttentionPattern}'s rule). */
  static boolean reads(AttentionPattern p, DocPlan plan, int[] globals, int h, int i, int j) {
    return p.directionAllows(i, j)
        && (Arrays.binarySearch(globals, i) >= 0
            || Arrays.binarySearch(globals, j) >= 0
            || p.localAllows(plan.n(), plan.docHash(), h, i, j));
  }
}
