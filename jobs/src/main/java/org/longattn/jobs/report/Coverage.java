package org.longattn.jobs.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.TokenRecord;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.datasets.TokenTable;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;

/**
 * Coverage of a sparse pattern: for sampled queries i, the share of the exact softmax mass the
 * pattern keeps, exp(lse_pattern(i) − lse_all(i)), where lse_all runs over every key of the
 * document (only j ≤ i when the pattern is causal) and lse_pattern over the keys the pattern lets i
 * read. Both are computed exactly, in double, as online log-sum-exp states (m, l) over all token
 * rows of the sampled documents — one pass, never an N×N buffer: memory is O(samples × heads).
 */
public final class Coverage {
  private Coverage() {}

  /** What the coverage pass leaves for the hub-token pass: the samples and their pattern lse. */
  static final class Result {
    final Map<String, Object> summary;
    final Map<String, SampledQueries> samples;

    /** Per document: lse over the keys the pattern reads, index {@code i * heads + h}. */
    final Map<String, double[]> lsePattern;

    Result(
        Map<String, Object> summary,
        Map<String, SampledQueries> samples,
        Map<String, double[]> lsePattern) {
      this.summary = summary;
      this.samples = samples;
      this.lsePattern = lsePattern;
    }
  }

  /**
   * Computes coverage per head on the given documents with {@code samples} seeded query positions
   * each.
   */
  static Result compute(
      SparkSession spark,
      Dataset<Row> df,
      TokenRowDecoder decoder,
      List<SampledQueries.Doc> docs,
      PatternSpec spec,
      int heads,
      int d,
      int samples,
      int bins) {
    Map<String, SampledQueries.Doc> byId = new HashMap<>();
    Map<String, int[]> chosen = new HashMap<>();
    for (SampledQueries.Doc doc : docs) {
      byId.put(doc.id, doc);
      chosen.put(doc.id, samplePositions(doc.n, samples, Seeds.docHash(doc.id)));
    }
    Map<String, SampledQueries> sampleSets = SampledQueries.load(df, decoder, byId, chosen);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Map<String, SampledQueries>> bSamples = jsc.broadcast(sampleSets);
    Map<String, double[]> lse =
        df.filter(col(TokenTable.DOC_ID).isin(chosen.keySet().toArray()))
            .javaRDD()
            .mapPartitions(
                rows -> {
                  AttentionPattern pat = spec.build(); // patterns are rebuilt per task, not shipped
                  Map<String, double[]> acc = new HashMap<>();
                  Map<String, int[][]> blocks = new HashMap<>();
                  while (rows.hasNext()) {
                    TokenRecord t = decoder.decode(rows.next());
                    SampledQueries s = bSamples.value().get(t.docId());
                    double[] a =
                        acc.computeIfAbsent(
                            t.docId(), x -> SampledQueries.emptyPairs(2 * s.pos.length * heads));
                    int[][] kb = blocks.computeIfAbsent(t.docId(), x -> s.keyBlocks(pat, heads));
                    accumulate(pat, s, kb, t, heads, d, a);
                  }
                  return List.of(acc).iterator();
                })
            .reduce(Coverage::mergeAll);
    bSamples.destroy();
    Map<String, double[]> lsePattern = new HashMap<>();
    lse.forEach(
        (doc, a) -> {
          double[] lp = new double[a.length / 4];
          for (int s = 0; s < lp.length; s++) {
            lp[s] = SampledQueries.lse(a, 4 * s + 2);
          }
          lsePattern.put(doc, lp);
        });
    return new Result(
        summarize(lse, sampleSets, heads, bins, spec, samples, docs.size()),
        sampleSets,
        lsePattern);
  }

  /** Seeded, distinct sample positions (all of them for short documents), ascending. */
  public static int[] samplePositions(int n, int samples, long hash) {
    if (n <= samples) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return all;
    }
    SplittableRandom rng = new SplittableRandom(Seeds.mix(hash, 0xc0ffee));
    return rng.ints(0, n).distinct().limit(samples).sorted().toArray();
  }

  /** Per sample and head: (mAll, lAll) then (mPattern, lPattern), identity (−∞, 0). */
  private static void accumulate(
      AttentionPattern p,
      SampledQueries s,
      int[][] kb,
      TokenRecord key,
      int heads,
      int d,
      double[] a) {
    int j = key.pos();
    boolean gj = s.isGlobal(j);
    for (int i = 0; i < s.pos.length; i++) {
      if (p.causal() && j > s.pos[i]) {
        continue;
      }
      for (int h = 0; h < heads; h++) {
        double sc = s.score(i, h, d, key.k());
        int slot = 4 * (i * heads + h);
        SampledQueries.addScore(a, slot, sc);
        if (s.reads(p, kb, heads, i, h, j, gj)) {
          SampledQueries.addScore(a, slot + 2, sc);
        }
      }
    }
  }

  private static Map<String, double[]> mergeAll(Map<String, double[]> x, Map<String, double[]> y) {
    Map<String, double[]> out = new HashMap<>(x);
    for (Map.Entry<String, double[]> e : y.entrySet()) {
      double[] a = out.get(e.getKey());
      if (a == null) {
        out.put(e.getKey(), e.getValue());
      } else {
        double[] m = a.clone();
        SampledQueries.mergePairs(m, e.getValue());
        out.put(e.getKey(), m);
      }
    }
    return out;
  }

  private static Map<String, Object> summarize(
      Map<String, double[]> lse,
      Map<String, SampledQueries> samples,
      int heads,
      int bins,
      PatternSpec spec,
      int perDoc,
      int docs) {
    List<List<Double>> perHead = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      perHead.add(new ArrayList<>());
    }
    for (Map.Entry<String, double[]> e : new java.util.TreeMap<>(lse).entrySet()) {
      double[] a = e.getValue();
      int count = samples.get(e.getKey()).pos.length;
      for (int i = 0; i < count; i++) {
        for (int h = 0; h < heads; h++) {
          int at = 4 * (i * heads + h);
          double cov =
              a[at + 2] == Double.NEGATIVE_INFINITY
                  ? 0
                  : Math.exp(a[at + 2] - a[at] + Math.log(a[at + 3]) - Math.log(a[at + 1]));
          perHead.get(h).add(Math.min(1.0, cov));
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("pattern", spec.parameters());
    out.put("documents", docs);
    out.put("samples_per_document", perDoc);
    out.put(
        "definition",
        "exp(lse_pattern - lse_all) per sampled query; lse_all over every key"
            + " of the document (j <= i when causal)");
    List<Map<String, Object>> heads2 = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      List<Double> v = perHead.get(h);
      long[] counts = new long[bins];
      double sum = 0;
      double min = 1;
      for (double c : v) {
        sum += c;
        min = Math.min(min, c);
        counts[Math.min(bins - 1, (int) Math.floor(c * bins))]++;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("head", h);
      m.put("queries", v.size());
      m.put("mean", v.isEmpty() ? 0 : sum / v.size());
      m.put("min", v.isEmpty() ? 0 : min);
      m.put("histogram", new Histogram("linear", 0, 1, counts));
      heads2.add(m);
    }
    out.put("per_head", heads2);
    return out;
  }
}
