package org.longattn.jobs.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

/**
 * Hub tokens: the keys that receive the most attention from the sampled queries, and the mass the
 * sampled queries put on global tokens. With p_h(i, j) = exp(s_h(i, j) − lse_pattern_h(i)) the
 * pattern's exact softmax weight (zero where the pattern masks j), a key's hub mass for head h is
 * the mean over its document's S sampled queries, (1/S)·Σ_i p_h(i, j) ∈ [0, 1]: 0.2 means the
 * sampled queries give it a fifth of their attention on average.
 *
 * <p>A second pass after {@link Coverage} (which provides lse_pattern), over the key blocks the
 * samples read only. The top list of each head is a bounded list per task merged on the driver, in
 * a total order (mass descending, then doc_id, then position): the same result for any
 * partitioning.
 */
final class HubTokens {
  private HubTokens() {}

  /** One key with its hub mass for one head. */
  static final class Hub implements Serializable {
    private static final long serialVersionUID = 1L;
    final String doc;
    final int pos;
    final boolean global;
    final double mass;

    Hub(String doc, int pos, boolean global, double mass) {
      this.doc = doc;
      this.pos = pos;
      this.global = global;
      this.mass = mass;
    }
  }

  private static final Comparator<Hub> ORDER =
      Comparator.<Hub>comparingDouble(h -> -h.mass)
          .thenComparing(h -> h.doc)
          .thenComparingInt(h -> h.pos);

  /** Per task: the top lists per head, Σ of the global mass per head, and sampled queries. */
  static final class Partial implements Serializable {
    private static final long serialVersionUID = 1L;
    final List<List<Hub>> top = new ArrayList<>();
    final double[] globalMass;

    /** Per head: token string → {Σ over sampled queries of the weight on its keys, keys}. */
    final List<HashMap<String, double[]>> byToken = new ArrayList<>();

    Partial(int heads) {
      for (int h = 0; h < heads; h++) {
        top.add(new ArrayList<>());
        byToken.add(new HashMap<>());
      }
      globalMass = new double[heads];
    }

    Partial merge(Partial o, int keep) {
      for (int h = 0; h < top.size(); h++) {
        top.get(h).addAll(o.top.get(h));
        trim(top.get(h), keep);
        globalMass[h] += o.globalMass[h];
        HashMap<String, double[]> mine = byToken.get(h);
        o.byToken
            .get(h)
            .forEach((t, m) -> mine.merge(t, m, (x, y) -> new double[] {x[0] + y[0], x[1] + y[1]}));
      }
      return this;
    }
  }

  private static void trim(List<Hub> l, int keep) {
    l.sort(ORDER);
    if (l.size() > keep) {
      l.subList(keep, l.size()).clear();
    }
  }

  static Map<String, Object> compute(
      SparkSession spark,
      Dataset<Row> df,
      TokenRowDecoder decoder,
      String tokensPath,
      Coverage.Result cov,
      PatternSpec spec,
      int heads,
      int d,
      int keep) {
    AttentionPattern pattern = spec.build();
    Map<String, BitSet> blocks = new HashMap<>();
    int queries = 0;
    for (SampledQueries s : cov.samples.values()) {
      blocks.put(s.docId, s.blocksRead(pattern, heads));
      queries += s.pos.length;
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Map<String, SampledQueries>> bSamples = jsc.broadcast(new HashMap<>(cov.samples));
    Broadcast<Map<String, double[]>> bLse = jsc.broadcast(new HashMap<>(cov.lsePattern));
    Broadcast<Map<String, BitSet>> bBlocks = jsc.broadcast(blocks);
    int blockSize = pattern.blockSize();
    Dataset<Row> raw = spark.read().parquet(tokensPath);
    boolean withTokens = Arrays.asList(raw.columns()).contains("token");
    Dataset<Row> keys = withTokens ? TokenTable.canonicalWith(raw, tokensPath, "token") : df;
    Partial total =
        keys.filter(col(TokenTable.DOC_ID).isin(cov.samples.keySet().toArray()))
            .javaRDD()
            .mapPartitions(
                rows -> {
                  AttentionPattern pat = spec.build();
                  Partial acc = new Partial(heads);
                  Map<String, int[][]> kbs = new HashMap<>();
                  while (rows.hasNext()) {
                    Row r = rows.next();
                    String doc = r.getString(0);
                    if (!bBlocks.value().get(doc).get(r.getInt(1) / blockSize)) {
                      continue; // no sampled query reads this key's block
                    }
                    TokenRecord t = decoder.decode(r);
                    SampledQueries s = bSamples.value().get(doc);
                    int[][] kb = kbs.computeIfAbsent(doc, x -> s.keyBlocks(pat, heads));
                    String token =
                        withTokens && !r.isNullAt(r.length() - 1)
                            ? r.getString(r.length() - 1)
                            : null;
                    offer(pat, s, kb, bLse.value().get(doc), t, token, heads, d, keep, acc);
                  }
                  return List.of(acc).iterator();
                })
            .reduce((a, b) -> a.merge(b, keep));
    for (List<Hub> l : total.top) {
      trim(l, keep); // a single partition is never merged
    }
    bSamples.destroy();
    bLse.destroy();
    bBlocks.destroy();
    Map<String, String> tokens = tokenStrings(spark, tokensPath, total);

    Map<String, Object> out = new LinkedHashMap<>();
    out.put(
        "definition",
        "hub mass of key j = mean over its document's sampled queries i of the pattern's exact"
            + " softmax weight p(i, j); global mass = mean over sampled queries of the weight on"
            + " global tokens");
    out.put("sampled_queries", queries);
    out.put("token_column", tokens != null);
    List<Map<String, Object>> perHead = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("head", h);
      m.put("global_mass", queries == 0 ? 0 : total.globalMass[h] / queries);
      List<Map<String, Object>> hubs = new ArrayList<>();
      for (Hub hub : total.top.get(h)) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("doc_id", hub.doc);
        x.put("pos", hub.pos);
        if (tokens != null) {
          x.put("token", tokens.get(hub.doc + "#" + hub.pos));
        }
        x.put("global", hub.global);
        x.put("mass", hub.mass);
        hubs.add(x);
      }
      m.put("top", hubs);
      if (withTokens) {
        m.put("top_tokens", topTokens(total.byToken.get(h), queries, keep));
      }
      perHead.add(m);
    }
    out.put("per_head", perHead);
    return out;
  }

  /** Adds key t's weights from every sample of its document to the top lists and global mass. */
  private static void offer(
      AttentionPattern p,
      SampledQueries s,
      int[][] kb,
      double[] lse,
      TokenRecord t,
      String token,
      int heads,
      int d,
      int keep,
      Partial acc) {
    int j = t.pos();
    boolean gj = s.isGlobal(j);
    for (int h = 0; h < heads; h++) {
      double sum = 0;
      for (int i = 0; i < s.pos.length; i++) {
        if (s.reads(p, kb, heads, i, h, j, gj)) {
          sum += Math.exp(s.score(i, h, d, t.k()) - lse[i * heads + h]);
        }
      }
      if (sum == 0) {
        continue;
      }
      if (gj) {
        acc.globalMass[h] += sum;
      }
      if (token != null) {
        double[] m = acc.byToken.get(h).computeIfAbsent(token, x -> new double[2]);
        m[0] += sum;
        m[1]++;
      }
      List<Hub> l = acc.top.get(h);
      l.add(new Hub(s.docId, j, gj, sum / s.pos.length));
      if (l.size() >= 4 * keep) {
        trim(l, keep);
      }
    }
  }

  /**
   * The token strings with the most attention, aggregated over every key holding the string: mass =
   * Σ over sampled queries and those keys of the weight / sampled queries (the share of the sampled
   * queries' attention the string receives; all strings sum to 1), with the keys counted.
   */
  private static List<Map<String, Object>> topTokens(
      Map<String, double[]> byToken, int queries, int keep) {
    List<Map.Entry<String, double[]>> all = new ArrayList<>(byToken.entrySet());
    all.sort(
        Comparator.<Map.Entry<String, double[]>>comparingDouble(e -> -e.getValue()[0])
            .thenComparing(Map.Entry::getKey));
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map.Entry<String, double[]> e : all.subList(0, Math.min(keep, all.size()))) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("token", e.getKey());
      m.put("mass", queries == 0 ? 0 : e.getValue()[0] / queries);
      m.put("keys", (long) e.getValue()[1]);
      out.add(m);
    }
    return out;
  }

  /**
   * The {@code token} strings of the hubs, when the token table has a {@code token} column (e.g.
   * from {@code embed}); null when it has none.
   */
  private static Map<String, String> tokenStrings(SparkSession spark, String path, Partial total) {
    Dataset<Row> raw = spark.read().parquet(path);
    if (!Arrays.asList(raw.columns()).contains("token")) {
      return null;
    }
    List<String> keys = new ArrayList<>();
    for (List<Hub> l : total.top) {
      for (Hub h : l) {
        keys.add(h.doc + "#" + h.pos);
      }
    }
    Map<String, String> out = new HashMap<>();
    if (keys.isEmpty()) {
      return out;
    }
    org.apache.spark.sql.Column key =
        concat(col(TokenTable.DOC_ID), lit("#"), col(TokenTable.POS).cast("string"));
    for (Row r :
        raw.filter(key.isin(keys.toArray()))
            .select(key, col("token").cast("string"))
            .collectAsList()) {
      out.put(r.getString(0), r.isNullAt(1) ? null : r.getString(1));
    }
    return out;
  }
}
