package org.longattn.jobs.advise;

import static org.longattn.jobs.report.SvgChart.esc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * advise's {@code index.html}: offline, no scripts, inline SVG. The first screen says what ran, the
 * verdict and every candidate's numbers beside their baselines; then the coverage–cost frontier
 * overall, per layer and per head, the per-head table and the needles. Every string from the input
 * (document ids, candidate names) is escaped. The frontier section also stands alone ({@link
 * #frontierSection}, e.g. in a notebook).
 */
public final class AdviceHtml {
  private AdviceHtml() {}

  /** The frontier charts' style, scoped to them (the page's and {@link #frontierSection}'s). */
  private static final String CHART_CSS =
      ".charts svg{margin:4px}.frontier text{font-size:10px;fill:#333;font-family:sans-serif}"
          + ".frontier .t{font-size:12px;font-weight:600}";

  private static final String CSS =
      "body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}"
          + "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;"
          + "text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}"
          + ".verdict{font-size:20px;font-weight:600;padding:12px;border-radius:6px;margin:12px 0}"
          + ".ok{background:#e3f4e1}.none{background:#fbe9e7}.pass{color:#1b6e20}.fail{color:#a33}"
          + ".base{color:#777;font-size:12px}"
          + CHART_CSS;

  /** Candidate colours, cycled. */
  private static final String[] PALETTE = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"
  };

  private static String colour(int c) {
    return PALETTE[c % PALETTE.length];
  }

  static String render(Map<String, Object> a) {
    StringBuilder s = new StringBuilder();
    s.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>longattn advise</title>")
        .append("<style>")
        .append(CSS)
        .append("</style></head><body>");
    s.append("<h1>Which attention pattern? <small>longattn advise</small></h1>");
    s.append("<p id=\"ran\">Input <code>")
        .append(esc(String.valueOf(a.get("input"))))
        .append("</code>: ")
        .append(a.get("documents"))
        .append(" documents, ")
        .append(a.get("tokens_per_layer"))
        .append(" tokens")
        .append(a.get("layers") == null ? "" : " per layer, layers " + esc(a.get("layers") + ""))
        .append(", ")
        .append(a.get("heads"))
        .append(" heads × ")
        .append(a.get("head_dim"))
        .append("; ")
        .append(a.get("sampled_queries"))
        .append(" sampled queries (")
        .append(a.get("samples_per_document"))
        .append(" per document, seed ")
        .append(a.get("seed"))
        .append(Boolean.TRUE.equals(a.get("causal")) ? ", causal" : "")
        .append("), exact in double. Target: coverage ≥ ")
        .append(a.get("target_coverage"))
        .append(a.get("max_error") == null ? "" : ", error ≤ " + a.get("max_error"))
        .append(".</p>");
    Map<?, ?> rec = (Map<?, ?>) a.get("recommendation");
    Map<?, ?> overall = (Map<?, ?>) rec.get("overall");
    boolean ok = Boolean.TRUE.equals(overall.get("reaches_target"));
    s.append("<div id=\"verdict\" class=\"verdict ")
        .append(ok ? "ok" : "none")
        .append("\">")
        .append(
            ok
                ? "Recommendation: " + esc(String.valueOf(overall.get("candidate")))
                : "None of the candidates reaches the target; best: "
                    + esc(String.valueOf(overall.get("best"))))
        .append(" — coverage ")
        .append(num(overall.get("coverage")))
        .append(", error ")
        .append(num(overall.get("error")))
        .append("</div>");
    s.append("<p class=\"base\">")
        .append(esc(String.valueOf(rec.get("rule"))))
        .append(
            ". Baselines: uniform coverage = what the key set would keep of a uniform softmax"
                + " (|K|/n, what any pattern keeps on random q, k); a zero output has error 1; the"
                + " mean of v (uniform attention) has error ")
        .append(num(((Map<?, ?>) a.get("baselines")).get("mean_v_error")))
        .append(
            ". A coverage near its uniform baseline (× uniform ≈ 1) means the heads spread their"
                + " attention like random q, k: no pattern of that size keeps the mass; an error"
                + " above 1 is worse than a zero output.</p>");
    candidateTable(s, a);
    List<?> perLayer = (List<?>) rec.get("per_layer");
    if (!perLayer.isEmpty()) {
      s.append("<h2>Per layer</h2><table><tr><th>layer</th><th class=\"l\">recommendation</th>")
          .append("<th>coverage</th><th>error</th></tr>");
      for (Object o : perLayer) {
        Map<?, ?> m = (Map<?, ?>) o;
        s.append("<tr><td>")
            .append(m.get("layer"))
            .append("</td><td class=\"l\">")
            .append(
                Boolean.TRUE.equals(m.get("reaches_target"))
                    ? esc(String.valueOf(m.get("candidate")))
                    : "none reaches (best " + esc(String.valueOf(m.get("best"))) + ")")
            .append("</td><td>")
            .append(num(m.get("coverage")))
            .append("</td><td>")
            .append(num(m.get("error")))
            .append("</td></tr>");
      }
      s.append("</table>");
    }
    s.append("<h2>Coverage–cost frontier</h2>");
    frontiers(s, a);
    needles(s, a);
    headTable(s, a);
    s.append("<h2>Definitions</h2><table>");
    for (Map.Entry<?, ?> e : ((Map<?, ?>) a.get("definitions")).entrySet()) {
      s.append("<tr><th class=\"l\">")
          .append(esc(String.valueOf(e.getKey())))
          .append("</th><td class=\"l\">")
          .append(esc(String.valueOf(e.getValue())))
          .append("</td></tr>");
    }
    s.append("</table><h2>Sampled documents</h2><p>");
    List<String> docs = new ArrayList<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) a.get("samples")).entrySet()) {
      docs.add("<code>" + esc(String.valueOf(e.getKey())) + "</code>");
    }
    s.append(String.join(", ", docs)).append("</p></body></html>\n");
    return s.toString();
  }

  private static void candidateTable(StringBuilder s, Map<String, Object> a) {
    s.append("<table id=\"candidates\"><tr><th class=\"l\">candidate</th><th>coverage</th>")
        .append("<th>uniform coverage</th><th>× uniform</th><th>error</th><th>mean-v error</th>")
        .append("<th>keys / query</th><th>GFLOP</th><th>duplication</th><th>target</th></tr>");
    Object meanV = ((Map<?, ?>) a.get("baselines")).get("mean_v_error");
    for (Object o : (List<?>) a.get("candidates")) {
      Map<?, ?> c = (Map<?, ?>) o;
      Map<?, ?> cost = (Map<?, ?>) c.get("cost");
      boolean pass = Boolean.TRUE.equals(c.get("passes"));
      s.append("<tr><td class=\"l\">")
          .append(esc(String.valueOf(c.get("name"))))
          .append("</td><td>")
          .append(num(c.get("coverage")))
          .append("</td><td class=\"base\">")
          .append(num(c.get("uniform_coverage")))
          .append("</td><td>")
          .append(
              num(
                  ((Number) c.get("coverage")).doubleValue()
                      / Math.max(((Number) c.get("uniform_coverage")).doubleValue(), 1e-300)))
          .append("</td><td>")
          .append(num(c.get("error")))
          .append("</td><td class=\"base\">")
          .append(num(meanV))
          .append(" (zero: 1)</td><td>")
          .append(num(cost.get("keys_per_query")))
          .append("</td><td>")
          .append(num(((Number) cost.get("flops")).doubleValue() / 1e9))
          .append("</td><td>")
          .append(num(cost.get("duplication")))
          .append("</td><td class=\"")
          .append(pass ? "pass\">reaches" : "fail\">misses")
          .append("</td></tr>");
    }
    s.append("</table>");
  }

  /**
   * The coverage–cost frontier of an advice ({@link AdviseJob#run}'s result) as an HTML fragment
   * with its style: what {@code index.html} shows under "Coverage–cost frontier" (the legend, the
   * chart over all heads, per layer and per head).
   */
  public static String frontierSection(Map<String, Object> advice) {
    StringBuilder s = new StringBuilder("<div><style>").append(CHART_CSS).append("</style>");
    frontiers(s, advice);
    return s.append("</div>").toString();
  }

  /** Coverage (y) against GFLOP (x, log scale) per candidate: overall, per layer, per head. */
  private static void frontiers(StringBuilder s, Map<String, Object> a) {
    List<?> cands = (List<?>) a.get("candidates");
    double target = ((Number) a.get("target_coverage")).doubleValue();
    int n = cands.size();
    String[] names = new String[n];
    double[] flops = new double[n];
    double[] overall = new double[n];
    for (int c = 0; c < n; c++) {
      Map<?, ?> m = (Map<?, ?>) cands.get(c);
      names[c] = String.valueOf(m.get("name"));
      flops[c] = ((Number) ((Map<?, ?>) m.get("cost")).get("flops")).doubleValue();
      overall[c] = ((Number) m.get("coverage")).doubleValue();
    }
    s.append("<p>");
    for (int c = 0; c < n; c++) {
      s.append("<svg width=\"12\" height=\"12\"><circle cx=\"6\" cy=\"6\" r=\"5\" fill=\"")
          .append(colour(c))
          .append("\"/></svg> ")
          .append(esc(names[c]))
          .append(" &#160; ");
    }
    s.append(
            "<br><span class=\"base\">y: mean coverage, x: FLOPs of one layer (log); filled:"
                + " reaches the target (dashed line); the line joins the cheapest-to-best"
                + " frontier.</span></p><div class=\"charts\">")
        .append(chart("all layers and heads", names, flops, overall, target, 460, 300));
    Map<?, ?> first = (Map<?, ?>) cands.get(0);
    if (first.get("layers") != null) {
      List<?> layers = (List<?>) first.get("layers");
      for (int l = 0; l < layers.size(); l++) {
        double[] cov = new double[n];
        for (int c = 0; c < n; c++) {
          cov[c] =
              ((Number) at((Map<?, ?>) cands.get(c), "layers", l).get("coverage")).doubleValue();
        }
        s.append(
            chart(
                "layer " + ((Map<?, ?>) layers.get(l)).get("layer"),
                names,
                flops,
                cov,
                target,
                300,
                220));
      }
    }
    s.append("</div><h3>Per head</h3><div class=\"charts\">");
    List<?> heads = (List<?>) first.get("heads");
    for (int h = 0; h < heads.size(); h++) {
      Map<?, ?> hm = (Map<?, ?>) heads.get(h);
      double[] cov = new double[n];
      for (int c = 0; c < n; c++) {
        cov[c] = ((Number) at((Map<?, ?>) cands.get(c), "heads", h).get("coverage")).doubleValue();
      }
      String title =
          (hm.get("layer") == null ? "" : "layer " + hm.get("layer") + " ")
              + "head "
              + hm.get("head");
      s.append(chart(title, names, flops, cov, target, 200, 150));
    }
    s.append("</div>");
  }

  private static Map<?, ?> at(Map<?, ?> cand, String list, int i) {
    return (Map<?, ?>) ((List<?>) cand.get(list)).get(i);
  }

  /** One scatter: points, the Pareto frontier (cheapest to best), the target line. */
  static String chart(
      String title, String[] names, double[] flops, double[] cov, double target, int w, int h) {
    int left = 40;
    int right = 12;
    int top = 20;
    int bottom = 28;
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double f : flops) {
      double x = Math.log10(Math.max(f, 1));
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    lo = Math.floor(lo);
    hi = Math.max(lo + 1, Math.ceil(hi));
    double pw = w - left - right;
    double ph = h - top - bottom;
    double fLo = lo;
    double fHi = hi;
    java.util.function.DoubleUnaryOperator xs =
        f -> left + pw * (Math.log10(Math.max(f, 1)) - fLo) / (fHi - fLo);
    java.util.function.DoubleUnaryOperator ys = c -> top + ph * (1 - c);
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"frontier\" width=\"%d\""
                + " height=\"%d\">",
            w,
            h));
    s.append("<text class=\"t\" x=\"")
        .append(left)
        .append("\" y=\"14\">")
        .append(esc(title))
        .append("</text>");
    s.append(line(left, top + ph, left + pw, top + ph, "#333", ""));
    s.append(line(left, top, left, top + ph, "#333", ""));
    for (double c : new double[] {0, 0.5, 1}) {
      s.append(text(left - 4, ys.applyAsDouble(c) + 3, "end", num(c)));
    }
    for (double e = lo; e <= hi; e++) {
      s.append(text(xs.applyAsDouble(Math.pow(10, e)), top + ph + 12, "middle", "1e" + (int) e));
    }
    s.append(text(left + pw / 2, h - 3, "middle", "FLOPs per layer"));
    s.append(
        line(
            left,
            ys.applyAsDouble(target),
            left + pw,
            ys.applyAsDouble(target),
            "#a33",
            " stroke-dasharray=\"4 3\""));
    Integer[] order = new Integer[names.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (x, y) -> Double.compare(flops[x], flops[y]));
    StringBuilder path = new StringBuilder();
    double best = Double.NEGATIVE_INFINITY;
    for (int i : order) {
      if (cov[i] > best) {
        best = cov[i];
        path.append(path.length() == 0 ? "M" : " L")
            .append(
                String.format(
                    Locale.ROOT,
                    "%.1f %.1f",
                    xs.applyAsDouble(flops[i]),
                    ys.applyAsDouble(cov[i])));
      }
    }
    s.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"#4a78b8\"/>");
    for (int i = 0; i < names.length; i++) {
      double x = xs.applyAsDouble(flops[i]);
      double y = ys.applyAsDouble(cov[i]);
      s.append(
              String.format(
                  Locale.ROOT,
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" stroke=\"%s\" stroke-width=\"1.5\""
                      + " fill=\"%s\"><title>",
                  x,
                  y,
                  colour(i),
                  cov[i] >= target ? colour(i) : "white"))
          .append(esc(names[i]))
          .append(": coverage ")
          .append(num(cov[i]))
          .append("</title></circle>");
    }
    return s.append("</svg>").toString();
  }

  private static String line(
      double x1, double y1, double x2, double y2, String color, String extra) {
    return String.format(
        Locale.ROOT,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>",
        x1,
        y1,
        x2,
        y2,
        color,
        extra);
  }

  private static String text(double x, double y, String anchor, String t) {
    return String.format(
            Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor)
        + esc(t)
        + "</text>";
  }

  private static void needles(StringBuilder s, Map<String, Object> a) {
    Map<?, ?> nd = (Map<?, ?>) a.get("needles");
    if (nd == null) {
      return;
    }
    s.append("<h2 id=\"needles\">Planted needles</h2><p>")
        .append(nd.get("needles"))
        .append(" planted long-range matches (mean distance ")
        .append(num(nd.get("mean_distance")))
        .append(" tokens): the share of (needle, head) pairs whose planted key each candidate")
        .append(" reads.</p><table><tr><th class=\"l\">candidate</th><th>recall</th>")
        .append("<th>found</th></tr>");
    for (Object o : (List<?>) nd.get("candidates")) {
      Map<?, ?> m = (Map<?, ?>) o;
      s.append("<tr><td class=\"l\">")
          .append(esc(String.valueOf(m.get("name"))))
          .append("</td><td>")
          .append(num(m.get("recall")))
          .append("</td><td>")
          .append(m.get("found"))
          .append(" / ")
          .append(m.get("pairs"))
          .append("</td></tr>");
    }
    s.append("</table>");
  }

  private static void headTable(StringBuilder s, Map<String, Object> a) {
    List<?> cands = (List<?>) a.get("candidates");
    List<?> base = (List<?>) ((Map<?, ?>) a.get("baselines")).get("heads");
    s.append(
        "<h2>Per head: coverage / error</h2><table id=\"heads\"><tr><th>layer</th><th>head</th>");
    for (Object o : cands) {
      s.append("<th>").append(esc(String.valueOf(((Map<?, ?>) o).get("name")))).append("</th>");
    }
    s.append("<th>mean-v error</th></tr>");
    int rows = ((List<?>) ((Map<?, ?>) cands.get(0)).get("heads")).size();
    for (int r = 0; r < rows; r++) {
      Map<?, ?> first = at((Map<?, ?>) cands.get(0), "heads", r);
      s.append("<tr><td>")
          .append(first.get("layer") == null ? "" : first.get("layer"))
          .append("</td><td>")
          .append(first.get("head"))
          .append("</td>");
      for (Object o : cands) {
        Map<?, ?> hm = at((Map<?, ?>) o, "heads", r);
        s.append("<td>")
            .append(num(hm.get("coverage")))
            .append(" / ")
            .append(num(hm.get("error")))
            .append("</td>");
      }
      s.append("<td class=\"base\">")
          .append(num(((Map<?, ?>) base.get(r)).get("mean_v_error")))
          .append("</td></tr>");
    }
    s.append("</table>");
  }

  private static String num(Object o) {
    if (!(o instanceof Number n)) {
      return esc(String.valueOf(o));
    }
    double x = n.doubleValue();
    if (x == Math.rint(x) && Math.abs(x) < 1e15) {
      return String.valueOf((long) x);
    }
    return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6
        ? String.format(Locale.ROOT, "%.4g", x)
        : String.format(Locale.ROOT, "%.3e", x);
  }
}
