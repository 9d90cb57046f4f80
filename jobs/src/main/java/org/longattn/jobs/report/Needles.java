package org.longattn.jobs.report;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.TokenTable;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * Planted needles (the {@code needle} column {@code generate} writes: on query row a, the position
 * b of a far key planted to match it): for each head, which pairs the run's pattern routes, i.e.
 * whether query a reads key b under the pattern's mask (globals included). Recall = routed / pairs.
 * Exact attention puts most of a's weight on b, so a pattern that does not route b loses it.
 */
final class Needles {
  private Needles() {}

  /** Pairs read at most (the first by document and position). */
  static final int MAX_PAIRS = 10_000;

  /** Pairs listed in the report. */
  static final int EXAMPLES = 20;

  /** The needle section, or null when the table has no {@code needle} column. */
  static Map<String, Object> compute(
      SparkSession spark, Dataset<Row> raw, Dataset<Row> tokens, PatternSpec spec, int heads) {
    if (!Arrays.asList(raw.columns()).contains("needle")) {
      return null;
    }
    List<Row> pairs =
        raw.filter(col("needle").isNotNull())
            .select(
                col(TokenTable.DOC_ID), col(TokenTable.POS).cast("int"), col("needle").cast("int"))
            .orderBy(col(TokenTable.DOC_ID), col(TokenTable.POS))
            .limit(MAX_PAIRS)
            .collectAsList();
    AttentionPattern pattern = spec.build();
    TreeSet<String> ids = new TreeSet<>();
    for (Row r : pairs) {
      ids.add(r.getString(0));
    }
    Map<String, SampledQueries.Doc> docs = new HashMap<>();
    if (!ids.isEmpty()) {
      for (SampledQueries.Doc d :
          SampledQueries.documents(
              tokens.filter(col(TokenTable.DOC_ID).isin(ids.toArray())),
              pattern,
              Integer.MAX_VALUE)) {
        docs.put(d.id, d);
      }
    }
    long[] routed = new long[heads];
    List<Map<String, Object>> examples = new ArrayList<>();
    long distance = 0;
    for (Row r : pairs) {
      SampledQueries.Doc d = docs.get(r.getString(0));
      int a = r.getInt(1);
      int b = r.getInt(2);
      SampledQueries s = new SampledQueries(d.id, d.n, new int[] {a}, new float[1][], d.globals);
      int[][] kb = s.keyBlocks(pattern, heads);
      boolean[] found = new boolean[heads];
      for (int h = 0; h < heads; h++) {
        found[h] = b >= 0 && b < d.n && s.reads(pattern, kb, heads, 0, h, b, s.isGlobal(b));
        routed[h] += found[h] ? 1 : 0;
      }
      distance += Math.abs((long) a - b);
      if (examples.size() < EXAMPLES) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("doc_id", d.id);
        m.put("query", a);
        m.put("key", b);
        m.put("distance", Math.abs(a - b));
        m.put("routed", found);
        examples.add(m);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(
        "definition",
        "a planted needle is a query a and a far key b (the needle column) whose score stands far"
            + " above the others: exact attention from a puts most of its weight on b. Routed ="
            + " the pattern lets a read b; recall = routed / pairs");
    out.put("pairs", pairs.size());
    out.put("documents", ids.size());
    out.put("mean_distance", pairs.isEmpty() ? 0 : (double) distance / pairs.size());
    List<Map<String, Object>> perHead = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("head", h);
      m.put("routed", routed[h]);
      m.put("recall", pairs.isEmpty() ? 0 : (double) routed[h] / pairs.size());
      perHead.add(m);
    }
    out.put("per_head", perHead);
    out.put("examples", examples);
    return out;
  }
}
