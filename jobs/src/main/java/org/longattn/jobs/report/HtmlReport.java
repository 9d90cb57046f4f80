package org.longattn.jobs.report;

import static org.longattn.jobs.report.SvgChart.esc;

import java.util.List;
import java.util.Map;

/** Renders the report summary as one self-contained HTML page (inline CSS and SVG, no scripts). */
public final class HtmlReport {
  private HtmlReport() {}

  private static final String CSS =
      "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;"
          + "color:#1d2430;max-width:1400px}h1{font-size:22px}h2{font-size:18px;margin-top:28px;"
          + "border-bottom:1px solid #ccd;padding-bottom:4px}table{border-collapse:collapse;"
          + "margin:8px 0}td,th{border:1px solid #ccd;padding:3px 8px;text-align:left;"
          + "font-size:13px}th{background:#f2f4f8}.charts{display:flex;flex-wrap:wrap;gap:8px}"
          + SvgChart.CSS
          + ".note{color:#556;font-size:13px}.hubs{margin-right:16px}"
          + ".verdict{background:#f5f7fb;border:1px solid #ccd;border-radius:6px;padding:4px 16px"
          + " 12px;margin:12px 0}.verdict p{font-size:15px;line-height:1.45;margin:8px 0}"
          + ".verdict td,.verdict th{font-size:14px}.good{color:#1b6e20}.bad{color:#a33}"
          + "table.kv{margin:0}table.kv th,table.kv td{font-size:12px;padding:1px 6px}";

  public static String render(Map<String, Object> summary, List<Map<String, Object>> perHead) {
    StringBuilder b = new StringBuilder();
    Map<?, ?> run = (Map<?, ?>) summary.get("run");
    b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>longattn report</title><style>")
        .append(CSS)
        .append("</style></head><body>");
    b.append("<h1>Attention report: ")
        .append(esc(String.valueOf(summary.get("input"))))
        .append("</h1>");

    Verdict.render(b, summary);

    b.append("<h2 id=\"run\">Run</h2><table>");
    row(b, "rows", summary.get("rows"));
    row(b, "documents", summary.get("documents"));
    row(b, "heads", summary.get("heads"));
    row(b, "pattern", run.get("pattern"));
    row(b, "parameters", run.get("parameters"));
    row(b, "token table read", summary.get("tokens"));
    row(b, "seed", run.get("seed"));
    row(b, "backend / device", run.get("backend") + " / " + run.get("device"));
    row(b, "spans", run.get("spans"));
    row(b, "shuffle", run.get("shuffle"));
    row(
        b,
        "longattn / Spark",
        run.get("longattn_version")
            + " / "
            + run.get("spark_version")
            + " ("
            + run.get("master")
            + ")");
    row(b, "created", run.get("created"));
    b.append("</table>");

    b.append("<h2 id=\"timings\">Stage timings</h2><table><tr><th>stage</th><th>seconds</th></tr>");
    if (run.get("timings_s") instanceof Map<?, ?> t) {
      for (Map.Entry<?, ?> e : t.entrySet()) {
        b.append("<tr><td>")
            .append(esc(String.valueOf(e.getKey())))
            .append("</td><td>")
            .append(esc(String.valueOf(e.getValue())))
            .append("</td></tr>");
      }
    }
    b.append("</table>");

    b.append("<h2 id=\"heads\">Per head</h2>");
    if (perHead.isEmpty()) {
      b.append(
          "<p class=\"note\">This output has no statistics: run <code>attend --stats</code>"
              + " to get entropy, attention distance, max weight and global mass per head.</p>");
    }
    for (Map<String, Object> h : perHead) {
      b.append("<h3>Head ")
          .append(h.get("head"))
          .append("</h3><table><tr><th>statistic</th>")
          .append("<th>mean</th><th>min</th><th>median</th><th>90 %</th><th>max</th></tr>");
      for (int s = 0; s < ReportJob.STATS.length; s++) {
        Map<?, ?> st = (Map<?, ?>) h.get(ReportJob.STATS[s]);
        b.append("<tr><td>")
            .append(esc(ReportJob.UNITS[s]))
            .append("</td><td>")
            .append(SvgChart.fmt(((Number) st.get("mean")).doubleValue()))
            .append("</td><td>")
            .append(SvgChart.fmt(((Number) st.get("min")).doubleValue()))
            .append("</td><td>")
            .append(quantile(st, 0.5))
            .append("</td><td>")
            .append(quantile(st, 0.9))
            .append("</td><td>")
            .append(SvgChart.fmt(((Number) st.get("max")).doubleValue()))
            .append("</td></tr>");
      }
      b.append("</table><div class=\"charts\">");
      for (int s = 0; s < ReportJob.STATS.length; s++) {
        Map<?, ?> st = (Map<?, ?>) h.get(ReportJob.STATS[s]);
        if (ReportJob.STATS[s].equals("mean_distance")
            && st.get("quantiles") instanceof Map<?, ?> q) {
          // distances are heavy-tailed: a quantile axis shows the near and the far rows alike
          b.append(
              SvgChart.quantiles(
                  "Head " + h.get("head") + ": attention distance by quantile",
                  "mean distance (tokens)",
                  (double[]) q.get("ranks"),
                  (double[]) q.get("values"),
                  true));
          continue;
        }
        b.append(
            SvgChart.histogram(
                "Head " + h.get("head") + ": " + ReportJob.UNITS[s],
                ReportJob.UNITS[s],
                (Histogram) st.get("histogram")));
      }
      b.append("</div>");
    }

    if (summary.get("coverage") instanceof Map<?, ?> cov) {
      b.append("<h2 id=\"coverage\">Coverage of the exact softmax mass</h2><p class=\"note\">")
          .append(esc(String.valueOf(cov.get("definition"))))
          .append(". ")
          .append(cov.get("samples_per_document"))
          .append(" sampled queries in each of ")
          .append(cov.get("documents"))
          .append(" documents.</p><table><tr><th>head</th>")
          .append("<th>queries</th><th>mean coverage</th><th>min coverage</th>")
          .append("<th>uniform baseline (keys/n)</th><th>coverage / baseline</th></tr>");
      StringBuilder charts = new StringBuilder("<div class=\"charts\">");
      for (Object o : (List<?>) cov.get("per_head")) {
        Map<?, ?> h = (Map<?, ?>) o;
        b.append("<tr><td>")
            .append(h.get("head"))
            .append("</td><td>")
            .append(h.get("queries"))
            .append("</td><td>")
            .append(SvgChart.fmt(((Number) h.get("mean")).doubleValue()))
            .append("</td><td>")
            .append(SvgChart.fmt(((Number) h.get("min")).doubleValue()))
            .append("</td><td>")
            .append(SvgChart.fmt(num(h.get("uniform"))))
            .append("</td><td>")
            .append(
                num(h.get("uniform")) > 0
                    ? SvgChart.fmt(num(h.get("mean")) / num(h.get("uniform"))) + "×"
                    : "—")
            .append("</td></tr>");
        charts.append(
            SvgChart.histogram(
                "Head " + h.get("head") + ": coverage",
                "share of the exact softmax mass kept",
                (Histogram) h.get("histogram")));
      }
      b.append("</table>").append(charts).append("</div>");
    }

    if (summary.get("output_error") instanceof Map<?, ?> err) {
      b.append("<h2 id=\"error\">Error of the output against exact softmax attention</h2>")
          .append("<p class=\"note\">")
          .append(esc(String.valueOf(err.get("definition"))))
          .append(". ")
          .append(err.get("queries"))
          .append(" sampled queries (the coverage samples).</p><table><tr><th>head</th>")
          .append("<th>mean relative error</th><th>max relative error</th>")
          .append("<th>baseline: mean of v</th><th>baseline: zero output</th></tr>");
      for (Object o : (List<?>) err.get("per_head")) {
        Map<?, ?> h = (Map<?, ?>) o;
        b.append("<tr><td>")
            .append(h.get("head"))
            .append("</td><td>")
            .append(SvgChart.fmt(((Number) h.get("mean")).doubleValue()))
            .append("</td><td>")
            .append(SvgChart.fmt(((Number) h.get("max")).doubleValue()))
            .append("</td><td>")
            .append(h.get("mean_v_error") == null ? "—" : SvgChart.fmt(num(h.get("mean_v_error"))))
            .append("</td><td>1</td></tr>");
      }
      b.append("</table>");
      if (err.get("baselines") != null) {
        b.append("<p class=\"note\">Baselines: ")
            .append(esc(String.valueOf(err.get("baselines"))))
            .append(".</p>");
      }
    }
    if (summary.get("needles") instanceof Map<?, ?> needles) {
      needles(b, needles);
    }
    if (summary.get("sampled_note") != null) {
      b.append("<p class=\"note\" id=\"sampled\">")
          .append(esc(String.valueOf(summary.get("sampled_note"))))
          .append("</p>");
    }
    if (summary.get("hubs") instanceof Map<?, ?> hubs) {
      hubs(b, hubs, perHead);
    }
    if (summary.get("heatmaps") instanceof List<?> maps && !maps.isEmpty()) {
      heatmaps(b, maps);
    }

    if (summary.get("documents_top") instanceof List<?> docs && !docs.isEmpty()) {
      b.append("<h2 id=\"documents\">Largest documents</h2><table><tr><th>doc_id</th>")
          .append("<th>tokens</th><th>mean entropy per head (nats)</th></tr>");
      for (Object o : docs) {
        Map<?, ?> d = (Map<?, ?>) o;
        StringBuilder e = new StringBuilder();
        for (double x : (double[]) d.get("mean_entropy")) {
          e.append(e.length() == 0 ? "" : ", ").append(SvgChart.fmt(x));
        }
        b.append("<tr><td>")
            .append(esc(String.valueOf(d.get("doc_id"))))
            .append("</td><td>")
            .append(d.get("tokens"))
            .append("</td><td>")
            .append(e)
            .append("</td></tr>");
      }
      b.append("</table>");
    }
    b.append("<p class=\"note\">Generated by longattn ")
        .append(esc(org.longattn.jobs.RunInfo.version()))
        .append(".</p>");
    b.append("</body></html>\n");
    return b.toString();
  }

  /** Global-token mass and the hub tokens of every head. */
  private static void hubs(StringBuilder b, Map<?, ?> hubs, List<Map<String, Object>> perHead) {
    boolean tokens = Boolean.TRUE.equals(hubs.get("token_column"));
    b.append("<h2 id=\"hubs\">Global tokens and hub tokens</h2><p class=\"note\">")
        .append(esc(String.valueOf(hubs.get("definition"))))
        .append(". ")
        .append(hubs.get("sampled_queries"))
        .append(" sampled queries (the coverage samples).</p>")
        .append("<table><tr><th>head</th><th>mass on global tokens, sampled queries</th>")
        .append("<th>mass on global tokens, all rows (stats)</th></tr>");
    for (Object o : (List<?>) hubs.get("per_head")) {
      Map<?, ?> h = (Map<?, ?>) o;
      int head = ((Number) h.get("head")).intValue();
      String all = "—";
      if (head < perHead.size() && perHead.get(head).get("global_mass") instanceof Map<?, ?> g) {
        all = SvgChart.fmt(((Number) g.get("mean")).doubleValue());
      }
      b.append("<tr><td>")
          .append(head)
          .append("</td><td>")
          .append(SvgChart.fmt(((Number) h.get("global_mass")).doubleValue()))
          .append("</td><td>")
          .append(all)
          .append("</td></tr>");
    }
    b.append("</table><div class=\"charts\">");
    for (Object o : (List<?>) hubs.get("per_head")) {
      Map<?, ?> h = (Map<?, ?>) o;
      b.append("<table class=\"hubs\"><tr><th colspan=\"")
          .append(tokens ? 6 : 5)
          .append("\">Head ")
          .append(h.get("head"))
          .append(": top hub tokens</th></tr><tr><th>#</th><th>doc_id</th><th>pos</th>")
          .append(tokens ? "<th>token</th>" : "")
          .append("<th>global</th><th>hub mass</th></tr>");
      int rank = 1;
      for (Object x : (List<?>) h.get("top")) {
        Map<?, ?> hub = (Map<?, ?>) x;
        b.append("<tr><td>")
            .append(rank++)
            .append("</td><td>")
            .append(esc(String.valueOf(hub.get("doc_id"))))
            .append("</td><td>")
            .append(hub.get("pos"))
            .append("</td>");
        if (tokens) {
          b.append("<td>").append(esc(String.valueOf(hub.get("token")))).append("</td>");
        }
        b.append("<td>")
            .append(Boolean.TRUE.equals(hub.get("global")) ? "yes" : "")
            .append("</td><td>")
            .append(SvgChart.fmt(((Number) hub.get("mass")).doubleValue()))
            .append("</td></tr>");
      }
      b.append("</table>");
    }
    b.append("</div>");
    if (tokens) {
      b.append("<h3 id=\"top-tokens\">Top attended tokens, by token string</h3>")
          .append("<p class=\"note\">Per head, the token strings that receive the most attention")
          .append(" from the sampled queries, summed over every key holding the string: mass =")
          .append(" the share of the sampled queries' attention (all strings sum to 1); keys = how")
          .append(" many keys read hold it.</p><div class=\"charts\">");
      for (Object o : (List<?>) hubs.get("per_head")) {
        Map<?, ?> h = (Map<?, ?>) o;
        if (!(h.get("top_tokens") instanceof List<?> top)) {
          continue;
        }
        b.append("<table class=\"hubs\"><tr><th colspan=\"4\">Head ")
            .append(h.get("head"))
            .append("</th></tr><tr><th>#</th><th>token</th><th>mass</th><th>keys</th></tr>");
        int rank = 1;
        for (Object x : top) {
          Map<?, ?> t = (Map<?, ?>) x;
          b.append("<tr><td>")
              .append(rank++)
              .append("</td><td>")
              .append(esc(String.valueOf(t.get("token"))))
              .append("</td><td>")
              .append(SvgChart.fmt(num(t.get("mass"))))
              .append("</td><td>")
              .append(t.get("keys"))
              .append("</td></tr>");
        }
        b.append("</table>");
      }
      b.append("</div>");
    }
  }

  /** One pooled heatmap per sampled window and head. */
  private static void heatmaps(StringBuilder b, List<?> maps) {
    b.append("<h2 id=\"heatmaps\">Pooled attention heatmaps of sampled windows</h2>")
        .append("<p class=\"note\">Consecutive sampled queries against the range of keys they")
        .append(
            " read (global keys included), with the pattern's exact softmax weights. Cells pool")
        .append(" by attention mass: a cell is the mean, over its queries, of the weight on its")
        .append(" keys, so every row of cells sums to 1. Colours are logarithmic over ")
        .append(SvgChart.DECADES)
        .append(" decades below the largest cell.</p><div class=\"charts\">");
    for (Object o : maps) {
      Map<?, ?> m = (Map<?, ?>) o;
      int q0 = ((Number) m.get("query_start")).intValue();
      int q1 = ((Number) m.get("query_end")).intValue();
      int k0 = ((Number) m.get("key_start")).intValue();
      int k1 = ((Number) m.get("key_end")).intValue();
      float[][] cells = (float[][]) m.get("cells");
      b.append(
          SvgChart.heatmap(
              "Head " + m.get("head") + ", " + m.get("doc_id") + ": queries " + q0 + "–" + q1,
              cells,
              q0,
              q1,
              k0,
              k1,
              "mass per cell",
              strings(m.get("query_tokens")),
              strings(m.get("key_tokens"))));
    }
    b.append("</div>");
  }

  /** The planted needles each head's pattern routes. */
  private static void needles(StringBuilder b, Map<?, ?> n) {
    b.append("<h2 id=\"needles\">Planted needles: which long-range matches the pattern keeps</h2>")
        .append("<p class=\"note\">")
        .append(esc(String.valueOf(n.get("definition"))))
        .append(". ")
        .append(n.get("pairs"))
        .append(" pairs in ")
        .append(n.get("documents"))
        .append(" documents, mean distance ")
        .append(SvgChart.fmt(num(n.get("mean_distance"))))
        .append(" tokens.</p><table><tr><th>head</th><th>routed</th><th>recall</th></tr>");
    for (Object o : (List<?>) n.get("per_head")) {
      Map<?, ?> h = (Map<?, ?>) o;
      b.append("<tr><td>")
          .append(h.get("head"))
          .append("</td><td>")
          .append(h.get("routed"))
          .append(" of ")
          .append(n.get("pairs"))
          .append("</td><td>")
          .append(SvgChart.fmt(num(h.get("recall"))))
          .append("</td></tr>");
    }
    b.append("</table>");
    List<?> ex = (List<?>) n.get("examples");
    if (ex != null && !ex.isEmpty()) {
      b.append("<table><tr><th>doc_id</th><th>query a</th><th>planted key b</th>")
          .append("<th>distance</th><th>routed (per head)</th></tr>");
      for (Object o : ex) {
        Map<?, ?> e = (Map<?, ?>) o;
        StringBuilder heads = new StringBuilder();
        for (boolean f : (boolean[]) e.get("routed")) {
          heads.append(heads.length() == 0 ? "" : " ").append(f ? "yes" : "no");
        }
        b.append("<tr><td>")
            .append(esc(String.valueOf(e.get("doc_id"))))
            .append("</td><td>")
            .append(e.get("query"))
            .append("</td><td>")
            .append(e.get("key"))
            .append("</td><td>")
            .append(e.get("distance"))
            .append("</td><td>")
            .append(heads)
            .append("</td></tr>");
      }
      b.append("</table>");
    }
  }

  /** The median or another quantile of a statistic, from its quantiles (— without them). */
  private static String quantile(Map<?, ?> st, double r) {
    if (st.get("quantiles") instanceof Map<?, ?> q && q.get("values") instanceof double[] v) {
      return SvgChart.fmt(v[(int) Math.round(r * (v.length - 1))]);
    }
    return "—";
  }

  /** A list of token strings, or null. */
  private static List<String> strings(Object o) {
    return o instanceof List<?> l ? l.stream().map(String::valueOf).toList() : null;
  }

  static double num(Object o) {
    return o instanceof Number n ? n.doubleValue() : 0;
  }

  private static void row(StringBuilder b, String k, Object v) {
    b.append("<tr><th>").append(esc(k)).append("</th><td>");
    value(b, v);
    b.append("</td></tr>");
  }

  /**
   * A value of the run record as HTML: a map as a nested key–value table, a list of scalars as a
   * comma-separated line (of maps, one table each), a scalar as escaped text.
   */
  static void value(StringBuilder b, Object v) {
    if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        b.append("—");
        return;
      }
      b.append("<table class=\"kv\">");
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append("<tr><th>").append(esc(String.valueOf(e.getKey()))).append("</th><td>");
        value(b, e.getValue());
        b.append("</td></tr>");
      }
      b.append("</table>");
    } else if (v instanceof List<?> l) {
      boolean scalars = l.stream().noneMatch(x -> x instanceof Map || x instanceof List);
      if (scalars) {
        StringBuilder t = new StringBuilder();
        for (Object x : l) {
          t.append(t.length() == 0 ? "" : ", ").append(x);
        }
        b.append(esc(t.toString()));
      } else {
        for (Object x : l) {
          value(b, x);
        }
      }
    } else {
      b.append(esc(String.valueOf(v)));
    }
  }
}
