package org.longattn.jobs.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.TableLayout;
import org.longattn.kernels.pattern.DensePattern;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * What a token table's heads attend to, exactly, without an attend run: the report's hub tokens and
 * a heatmap window computed with the dense pattern, so every weight is the exact softmax over every
 * key of the document (scaled dot product, in double). For looking at a model's own attention, e.g.
 * on the q/k/v that {@code encode --dump-qkv} writes.
 */
public final class ExactAttention {
  private ExactAttention() {}

  /**
   * On the first document of {@code tokens} (by id):
   *
   * <ul>
   *   <li>{@code hubs}: {@link HubTokens} over {@code samples} seeded queries, the {@code hubs}
   *       keys and token strings ({@code top_tokens}, with a {@code token} column) with the most
   *       mass per head;
   *   <li>{@code window}: per head, the heatmap of {@code queries} consecutive queries from {@code
   *       start} (moved left to fit the document) against the same positions as keys, one cell per
   *       (query, key) up to 64 of each, labelled with their tokens when the table has them; a row
   *       sums to the share of its query's mass that stays inside the window.
   * </ul>
   *
   * @param heads the table's heads, or null to take them from its {@code _longattn.json}
   */
  public static Map<String, Object> compute(
      SparkSession spark,
      String tokens,
      Integer heads,
      int samples,
      int hubs,
      int start,
      int queries) {
    int h = TableLayout.resolve(tokens, heads);
    ReportJob.RunTokens in = new ReportJob.RunTokens(tokens, TokenTable.read(spark, tokens), h);
    PatternSpec dense = PatternSpec.of(DensePattern.NAME, 64, 0, false, false, Map.of());
    SampledQueries.Doc doc = SampledQueries.documents(in.tokens, dense.build(), 1).get(0);
    Coverage.Result cov =
        Coverage.compute(
            spark, in.tokens, in.decoder, List.of(doc), dense, h, in.d, in.dv, samples, 10);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(
        "definition",
        "exact softmax attention over every key of the document (scaled dot product, in double)");
    out.put("doc_id", doc.id);
    out.put("tokens", doc.n);
    out.put("heads", h);
    out.put(
        "hubs", HubTokens.compute(spark, in.tokens, in.decoder, tokens, cov, dense, h, in.d, hubs));
    int size = Math.min(queries, doc.n);
    int at = Math.max(0, Math.min(start, doc.n - size));
    List<Map<String, Object>> window =
        Heatmaps.windows(
            spark,
            in.tokens,
            in.decoder,
            List.of(doc),
            new int[] {at},
            dense,
            h,
            in.d,
            size,
            ReportJob.HEATMAP_CELLS,
            true);
    Heatmaps.labelTokens(in.raw, window, ReportJob.HEATMAP_CELLS);
    out.put("window", window);
    return out;
  }
}
