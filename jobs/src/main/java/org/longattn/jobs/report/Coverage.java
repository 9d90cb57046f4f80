package org.longattn.jobs.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
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

  /** Sampled queries of one document (positions, their q rows) and what the pattern needs. */
  static final class Samples implements Serializable {
    final int n;
    final long hash;
    final int[] pos;
    final float[][] q;
    final int[] globals;

    Samples(int n, long hash, int[] pos, float[][] q, int[] globals) {
      this.n = n;
      this.hash = hash;
      this.pos = pos;
      this.q = q;
      this.globals = globals;
    }
  }

  /**
   * Computes coverage per head on up to {@code maxDocs} documents (by id) with {@code samples}
   * seeded query positions each.
   */
  public static Map<String, Object> compute(
      SparkSession spark,
      String tokens,
      PatternSpec spec,
      int heads,
      int samples,
      int maxDocs,
      int bins) {
    AttentionPattern pattern = spec.build();
    Dataset<Row> df = TokenTable.read(spark, tokens);
    List<Row> docs =
        df.groupBy(col(TokenTable.DOC_ID))
            .agg(count("*"), collect_list(when(col(TokenTable.GLOBAL), col(TokenTable.POS))))
            .orderBy(col(TokenTable.DOC_ID))
            .limit(maxDocs)
            .collectAsList();
    Map<String, int[]> chosen = new HashMap<>();
    Map<String, int[]> docGlobals = new HashMap<>();
    Map<String, Integer> lengths = new HashMap<>();
    List<String> keys = new ArrayList<>();
    for (Row r : docs) {
      String doc = r.getString(0);
      int n = (int) r.getLong(1);
      int[] cols = r.<Integer>getList(2).stream().mapToInt(Integer::intValue).sorted().toArray();
      int[] pos = samplePositions(n, samples, Seeds.docHash(doc));
      chosen.put(doc, pos);
      docGlobals.put(doc, pattern.globalPositions(n, cols));
      lengths.put(doc, n);
      for (int p : pos) {
        keys.add(doc + "#" + p);
      }
    }
    int[] lens = TokenTable.probeLengths(df, tokens);
    TokenRowDecoder decoder = TokenRowDecoder.forSchema(df.schema(), heads, lens[0], lens[1]);
    Map<String, Samples> sampleSets = new HashMap<>();
    Map<String, Map<Integer, float[]>> qs = new HashMap<>();
    for (Row r :
        df.filter(
                concat(col(TokenTable.DOC_ID), lit("#"), col(TokenTable.POS)).isin(keys.toArray()))
            .collectAsList()) {
      TokenRecord t = decoder.decode(r);
      qs.computeIfAbsent(t.docId(), d -> new HashMap<>()).put(t.pos(), t.q());
    }
    for (Map.Entry<String, int[]> e : chosen.entrySet()) {
      int[] pos = e.getValue();
      float[][] q = new float[pos.length][];
      for (int i = 0; i < pos.length; i++) {
        q[i] = qs.get(e.getKey()).get(pos[i]);
      }
      sampleSets.put(
          e.getKey(),
          new Samples(
              lengths.get(e.getKey()),
              Seeds.docHash(e.getKey()),
              pos,
              q,
              docGlobals.get(e.getKey())));
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Map<String, Samples>> bSamples = jsc.broadcast(sampleSets);
    int d = lens[0] / heads;
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
                    Samples s = bSamples.value().get(t.docId());
                    double[] a = acc.computeIfAbsent(t.docId(), x -> empty(s.pos.length * heads));
                    int[][] kb = blocks.computeIfAbsent(t.docId(), x -> keyBlocks(pat, s, heads));
                    accumulate(pat, s, kb, t, heads, d, a);
                  }
                  return List.of(acc).iterator();
                })
            .reduce(Coverage::mergeAll);
    return summarize(lse, sampleSets, heads, bins, spec, samples, docs.size());
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

  /** Per sample and head: (mAll, lAll, mPattern, lPattern), identity m = −∞, l = 0. */
  private static double[] empty(int slots) {
    double[] a = new double[4 * slots];
    for (int i = 0; i < slots; i++) {
      a[4 * i] = Double.NEGATIVE_INFINITY;
      a[4 * i + 2] = Double.NEGATIVE_INFINITY;
    }
    return a;
  }

  private static int[][] keyBlocks(AttentionPattern p, Samples s, int heads) {
    int[][] kb = new int[s.pos.length * heads][];
    for (int i = 0; i < s.pos.length; i++) {
      for (int h = 0; h < heads; h++) {
        kb[i * heads + h] = p.localKeyBlocks(s.n, s.hash, h, s.pos[i] / p.blockSize());
      }
    }
    return kb;
  }

  private static void accumulate(
      AttentionPattern p, Samples s, int[][] kb, TokenRecord key, int heads, int d, double[] a) {
    int j = key.pos();
    boolean gj = Arrays.binarySearch(s.globals, j) >= 0;
    double scale = 1 / Math.sqrt(d);
    for (int i = 0; i < s.pos.length; i++) {
      int qi = s.pos[i];
      if (!p.directionAllows(qi, j)) {
        continue;
      }
      boolean gi = Arrays.binarySearch(s.globals, qi) >= 0;
      for (int h = 0; h < heads; h++) {
        double dot = 0;
        for (int c = 0; c < d; c++) {
          dot += (double) s.q[i][h * d + c] * key.k()[h * d + c];
        }
        double sc = dot * scale;
        int slot = 4 * (i * heads + h);
        add(a, slot, sc);
        boolean local =
            (p.columnGroups() != null && p.columnGroups().allows(qi, j))
                || (p.band().allows(qi, j)
                    && Arrays.binarySearch(kb[i * heads + h], j / p.blockSize()) >= 0);
        if (gi || gj || local) {
          add(a, slot + 2, sc);
        }
      }
    }
  }

  /** (m, l) ← (m, l) ⊕ score: the online log-sum-exp update. */
  private static void add(double[] a, int at, double s) {
    double m = a[at];
    if (s <= m) {
      a[at + 1] += Math.exp(s - m);
    } else {
      a[at + 1] = a[at + 1] * Math.exp(m - s) + 1;
      a[at] = s;
    }
  }

  private static Map<String, double[]> mergeAll(Map<String, double[]> x, Map<String, double[]> y) {
    Map<String, double[]> out = new HashMap<>(x);
    for (Map.Entry<String, double[]> e : y.entrySet()) {
      double[] b = e.getValue();
      double[] a = out.get(e.getKey());
      if (a == null) {
        out.put(e.getKey(), b);
        continue;
      }
      double[] m = a.clone();
      for (int at = 0; at < m.length; at += 2) {
        double m1 = m[at];
        double m2 = b[at];
        double mx = Math.max(m1, m2);
        if (mx == Double.NEGATIVE_INFINITY) {
          continue;
        }
        double l1 = m1 == Double.NEGATIVE_INFINITY ? 0 : m[at + 1] * Math.exp(m1 - mx);
        double l2 = m2 == Double.NEGATIVE_INFINITY ? 0 : b[at + 1] * Math.exp(m2 - mx);
        m[at] = mx;
        m[at + 1] = l1 + l2;
      }
      out.put(e.getKey(), m);
    }
    return out;
  }

  private static Map<String, Object> summarize(
      Map<String, double[]> lse,
      Map<String, Samples> samples,
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
