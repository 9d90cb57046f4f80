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

    /**
     * Per document: the exact softmax output over every key (j ≤ i when causal) of each sample and
     * head, dv values at {@code (i * heads + h) * dv}.
     */
    final Map<String, double[]> exact;

    /**
     * Per document: the output of uniform attention over the keys each sample may read (j ≤ i when
     * causal), the mean of their v rows, laid out as {@link #exact}: the "mean-v" baseline.
     */
    final Map<String, double[]> meanV;

    Result(
        Map<String, Object> summary,
        Map<String, SampledQueries> samples,
        Map<String, double[]> lsePattern,
        Map<String, double[]> exact,
        Map<String, double[]> meanV) {
      this.summary = summary;
      this.samples = samples;
      this.lsePattern = lsePattern;
      this.exact = exact;
      this.meanV = meanV;
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
      int dv,
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
                        acc.computeIfAbsent(t.docId(), x -> empty(s.pos.length * heads, dv));
                    int[][] kb = blocks.computeIfAbsent(t.docId(), x -> s.keyBlocks(pat, heads));
                    accumulate(pat, s, kb, t, heads, d, dv, a);
                  }
                  return List.of(acc).iterator();
                })
            .reduce((x, y) -> mergeAll(x, y, dv));
    bSamples.destroy();
    Map<String, double[]> lsePattern = new HashMap<>();
    Map<String, double[]> exact = new HashMap<>();
    Map<String, double[]> meanV = new HashMap<>();
    lse.forEach(
        (doc, a) -> {
          int slots = sampleSets.get(doc).pos.length * heads;
          double[] lp = new double[slots];
          double[] o = new double[slots * dv];
          double[] mv = new double[slots * dv];
          for (int s = 0; s < slots; s++) {
            lp[s] = SampledQueries.lse(a, 4 * s + 2);
            double allowed = Math.max(1, a[counts(slots, dv) + 2 * s + 1]);
            for (int c = 0; c < dv; c++) {
              o[s * dv + c] = a[4 * slots + s * dv + c] / a[4 * s + 1];
              mv[s * dv + c] = a[sumV(slots, dv) + s * dv + c] / allowed;
            }
          }
          lsePattern.put(doc, lp);
          exact.put(doc, o);
          meanV.put(doc, mv);
        });
    return new Result(
        summarize(lse, sampleSets, heads, dv, bins, spec, samples, docs.size()),
        sampleSets,
        lsePattern,
        exact,
        meanV);
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

  /**
   * Accumulator of one document with {@code slots} = samples × heads: 4 values per slot, (mAll,
   * lAll, mPattern, lPattern) with identity (−∞, 0), then dv values per slot, oAll = Σ e^(s −
   * mAll)·v over every key (the unnormalised exact output), then 2 counts per slot (keys the
   * pattern reads, keys the query may read), then dv values per slot, Σ v over the keys the query
   * may read (for the uniform-attention baselines).
   */
  private static double[] empty(int slots, int dv) {
    double[] a = new double[slots * (6 + 2 * dv)];
    for (int i = 0; i < slots; i++) {
      a[4 * i] = Double.NEGATIVE_INFINITY;
      a[4 * i + 2] = Double.NEGATIVE_INFINITY;
    }
    return a;
  }

  /** Where the counts of {@link #empty} start. */
  private static int counts(int slots, int dv) {
    return slots * (4 + dv);
  }

  /** Where the Σ v of {@link #empty} start. */
  private static int sumV(int slots, int dv) {
    return slots * (6 + dv);
  }

  private static void accumulate(
      AttentionPattern p,
      SampledQueries s,
      int[][] kb,
      TokenRecord key,
      int heads,
      int d,
      int dv,
      double[] a) {
    int j = key.pos();
    boolean gj = s.isGlobal(j);
    int slots = s.pos.length * heads;
    for (int i = 0; i < s.pos.length; i++) {
      if (!p.directionAllows(s.pos[i], j)) {
        continue;
      }
      for (int h = 0; h < heads; h++) {
        double sc = s.score(i, h, d, key.k());
        int slot = i * heads + h;
        addScoreAndValue(a, 4 * slot, sc, 4 * slots + slot * dv, key.v(), h * dv, dv);
        int c = counts(slots, dv) + 2 * slot;
        a[c + 1]++;
        int sv = sumV(slots, dv) + slot * dv;
        for (int x = 0; x < dv; x++) {
          a[sv + x] += key.v()[h * dv + x];
        }
        if (s.reads(p, kb, heads, i, h, j, gj)) {
          SampledQueries.addScore(a, 4 * slot + 2, sc);
          a[c]++;
        }
      }
    }
  }

  /** (m, l, o) ← (m, l, o) ⊕ (s, v): the online softmax update with the value row. */
  private static void addScoreAndValue(
      double[] a, int at, double s, int oAt, float[] v, int vOff, int dv) {
    double m = a[at];
    if (s <= m) {
      double e = Math.exp(s - m);
      a[at + 1] += e;
      for (int c = 0; c < dv; c++) {
        a[oAt + c] += e * v[vOff + c];
      }
    } else {
      double r = m == Double.NEGATIVE_INFINITY ? 0 : Math.exp(m - s);
      a[at + 1] = a[at + 1] * r + 1;
      for (int c = 0; c < dv; c++) {
        a[oAt + c] = a[oAt + c] * r + v[vOff + c];
      }
      a[at] = s;
    }
  }

  private static Map<String, double[]> mergeAll(
      Map<String, double[]> x, Map<String, double[]> y, int dv) {
    Map<String, double[]> out = new HashMap<>(x);
    for (Map.Entry<String, double[]> e : y.entrySet()) {
      double[] a = out.get(e.getKey());
      if (a == null) {
        out.put(e.getKey(), e.getValue());
        continue;
      }
      double[] m = a.clone();
      double[] b = e.getValue();
      int slots = m.length / (6 + 2 * dv);
      for (int k = counts(slots, dv); k < m.length; k++) {
        m[k] += b[k]; // counts and Σ v add
      }
      for (int s = 0; s < slots; s++) {
        double[] c = SampledQueries.mergePair(m, b, 4 * s);
        int o = 4 * slots + s * dv;
        for (int k = 0; k < dv; k++) {
          m[o + k] = m[o + k] * c[0] + b[o + k] * c[1];
        }
        SampledQueries.mergePair(m, b, 4 * s + 2);
      }
      out.put(e.getKey(), m);
    }
    return out;
  }

  private static Map<String, Object> summarize(
      Map<String, double[]> lse,
      Map<String, SampledQueries> samples,
      int heads,
      int dv,
      int bins,
      PatternSpec spec,
      int perDoc,
      int docs) {
    Distribution[] perHead = new Distribution[heads];
    Arrays.setAll(perHead, h -> new Distribution());
    double[] uniform = new double[heads];
    double[] read = new double[heads];
    double[] allowed = new double[heads];
    for (Map.Entry<String, double[]> e : new java.util.TreeMap<>(lse).entrySet()) {
      double[] a = e.getValue();
      int count = samples.get(e.getKey()).pos.length;
      int slots = count * heads;
      for (int i = 0; i < count; i++) {
        for (int h = 0; h < heads; h++) {
          int slot = i * heads + h;
          int at = 4 * slot;
          double cov =
              a[at + 2] == Double.NEGATIVE_INFINITY
                  ? 0
                  : Math.exp(a[at + 2] - a[at] + Math.log(a[at + 3]) - Math.log(a[at + 1]));
          perHead[h].add(Math.min(1.0, cov));
          int c = counts(slots, dv) + 2 * slot;
          read[h] += a[c];
          allowed[h] += a[c + 1];
          uniform[h] += a[c] / Math.max(1, a[c + 1]);
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
    out.put(
        "uniform_definition",
        "coverage uniform attention would give: keys the pattern reads / keys the query may read"
            + " (keys/n), the coverage of any pattern on unrelated random q and k");
    List<Map<String, Object>> heads2 = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      Distribution v = perHead[h];
      long q = v.count();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("head", h);
      m.put("queries", q);
      m.put("mean", v.mean());
      m.put("min", v.min());
      m.put("histogram", v.histogram(bins, "linear"));
      m.put("quantiles", v.quantiles(ReportJob.QUANTILES));
      m.put("uniform", q == 0 ? 0 : uniform[h] / q);
      m.put("keys_read", q == 0 ? 0 : read[h] / q);
      m.put("keys_allowed", q == 0 ? 0 : allowed[h] / q);
      heads2.add(m);
    }
    out.put("per_head", heads2);
    return out;
  }
}
