package org.longattn.jobs.report;

import static org.longattn.jobs.report.HtmlReport.num;
import static org.longattn.jobs.report.SvgChart.esc;
import static org.longattn.jobs.report.SvgChart.fmt;

import java.util.List;
import java.util.Map;

/**
 * The report's first screen: what ran, the recommendation of an {@code advise} output when one was
 * given, and each headline number beside its baseline, in words — coverage beside uniform
 * attention's keys/n (what any sparse pattern keeps on unrelated random q and k), output error
 * beside a zero output (1) and the mean of v, planted needles routed.
 */
final class Verdict {
  private Verdict() {}

  /** Coverage at least this share of the mass reads as "nearly all". */
  static final double NEARLY_ALL = 0.95;

  /** Coverage at least this multiple of the uniform baseline reads as "follows the attention". */
  static final double ABOVE_BASELINE = 2;

  static void render(StringBuilder b, Map<String, Object> summary) {
    Map<?, ?> run = (Map<?, ?>) summary.get("run");
    b.append("<section id=\"verdict\" class=\"verdict\"><h2>Verdict</h2><p id=\"ran\">")
        .append("<b>What ran:</b> ")
        .append(esc(pattern(run.get("pattern"))))
        .append(" attention over ")
        .append(summary.get("documents"))
        .append(" documents (")
        .append(summary.get("rows"))
        .append(" tokens), ")
        .append(summary.get("heads"))
        .append(" heads")
        .append(Boolean.TRUE.equals(summary.get("stats")) ? ", with per-token statistics" : "")
        .append(".</p>");
    advice(b, summary.get("advice"));
    coverage(b, summary.get("coverage"));
    error(b, summary.get("output_error"));
    needles(b, summary.get("needles"));
    if (summary.get("sampled_note") != null) {
      b.append("<p>").append(esc(String.valueOf(summary.get("sampled_note")))).append(".</p>");
    }
    b.append("</section>");
  }

  /** "bigbird (block_size 64, random_blocks 3, …)" from the run's pattern parameters. */
  static String pattern(Object p) {
    if (!(p instanceof Map<?, ?> m)) {
      return String.valueOf(p);
    }
    StringBuilder s = new StringBuilder(String.valueOf(m.get("name")));
    StringBuilder params = new StringBuilder();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!"name".equals(e.getKey())
          && e.getValue() != null
          && !Boolean.FALSE.equals(e.getValue())) {
        params.append(params.length() == 0 ? "" : ", ").append(e.getKey());
        params.append(Boolean.TRUE.equals(e.getValue()) ? "" : " " + e.getValue());
      }
    }
    return params.length() == 0
        ? s.toString()
        : s.append(" (").append(params).append(")").toString();
  }

  private static void advice(StringBuilder b, Object o) {
    b.append("<p id=\"recommendation\"><b>Recommendation:</b> ");
    if (!(o instanceof Map<?, ?> a) || !(a.get("recommendation") instanceof Map<?, ?> rec)) {
      b.append(
          "none here: this report measures the pattern that ran. To compare candidate patterns"
              + " on this model's attention and get the cheapest one reaching a coverage target,"
              + " run <code>longattn advise</code> on the token table and pass its output to"
              + " <code>report --advice DIR</code>.</p>");
      return;
    }
    Map<?, ?> overall = rec.get("overall") instanceof Map<?, ?> m ? m : Map.of();
    boolean ok = Boolean.TRUE.equals(overall.get("reaches_target"));
    Object name = ok ? overall.get("candidate") : overall.get("best");
    b.append(
            ok
                ? "<span class=\"good\">" + esc(String.valueOf(name)) + "</span>"
                : "<span class=\"bad\">none of the candidates reaches the target</span>; the best"
                    + " is "
                    + esc(String.valueOf(name)))
        .append(" (coverage ")
        .append(fmt(num(overall.get("coverage"))))
        .append(", output error ")
        .append(fmt(num(overall.get("error"))));
    if (a.get("baselines") instanceof Map<?, ?> base
        && base.get("uniform_coverage") instanceof Map<?, ?> u
        && u.get(String.valueOf(name)) != null) {
      b.append(", uniform baseline ").append(fmt(num(u.get(String.valueOf(name)))));
    }
    b.append("), from <code>").append(esc(String.valueOf(a.get("path")))).append("</code>");
    if (rec.get("rule") != null) {
      b.append(": ").append(esc(String.valueOf(rec.get("rule"))));
    }
    b.append(".</p>");
    if (rec.get("per_layer") instanceof List<?> layers && !layers.isEmpty()) {
      b.append("<table id=\"advice-layers\"><tr><th>layer</th><th>recommendation</th>")
          .append("<th>coverage</th><th>output error</th></tr>");
      for (Object x : layers) {
        Map<?, ?> l = (Map<?, ?>) x;
        boolean lok = Boolean.TRUE.equals(l.get("reaches_target"));
        b.append("<tr><td>")
            .append(esc(String.valueOf(l.get("layer"))))
            .append("</td><td>")
            .append(
                lok
                    ? esc(String.valueOf(l.get("candidate")))
                    : "none reaches the target (best " + esc(String.valueOf(l.get("best"))) + ")")
            .append("</td><td>")
            .append(fmt(num(l.get("coverage"))))
            .append("</td><td>")
            .append(fmt(num(l.get("error"))))
            .append("</td></tr>");
      }
      b.append("</table>");
    }
    if (a.get("candidates") instanceof List<?> cands && !cands.isEmpty()) {
      b.append("<table id=\"advice-candidates\"><tr><th>candidate</th><th>coverage</th>")
          .append("<th>output error</th><th>cost</th></tr>");
      for (Object x : cands) {
        Map<?, ?> c = (Map<?, ?>) x;
        b.append("<tr><td>")
            .append(esc(String.valueOf(c.get("name"))))
            .append("</td><td>")
            .append(fmt(num(c.get("coverage"))))
            .append("</td><td>")
            .append(fmt(num(c.get("error"))))
            .append("</td><td>");
        HtmlReport.value(b, c.get("cost"));
        b.append("</td></tr>");
      }
      b.append("</table>");
    }
  }

  private static void coverage(StringBuilder b, Object o) {
    if (!(o instanceof Map<?, ?> cov) || !(cov.get("per_head") instanceof List<?> heads)) {
      return;
    }
    double[] c = meanMinMax(heads, "mean");
    double[] u = meanMinMax(heads, "uniform");
    double ratio = u[0] > 0 ? c[0] / u[0] : Double.POSITIVE_INFINITY;
    b.append("<p id=\"verdict-coverage\"><b>Coverage:</b> the pattern keeps <b>")
        .append(fmt(c[0]))
        .append("</b> of the exact softmax mass on average")
        .append(heads.size() > 1 ? " (heads " + fmt(c[1]) + " to " + fmt(c[2]) + ")" : "")
        .append(". <b>Baseline:</b> uniform attention over the same keys would keep ")
        .append(fmt(u[0]))
        .append(" (keys read / keys the query may see, ≈ keys/n); on random q and k any sparse")
        .append(" pattern keeps about that. ");
    if (c[0] >= NEARLY_ALL) {
      b.append("<span class=\"good\">It keeps nearly all of the mass: the pattern fits this")
          .append(" attention.</span>");
    } else if (ratio >= ABOVE_BASELINE) {
      b.append("<span class=\"good\">That is ")
          .append(fmt(ratio))
          .append("× the baseline: the pattern follows where this attention goes</span>, but ")
          .append("misses ")
          .append(fmt(1 - c[0]))
          .append(" of it.");
    } else {
      b.append("<span class=\"bad\">That is about the baseline (")
          .append(fmt(ratio))
          .append("×)</span>: the pattern finds no more of the mass than as many keys picked at")
          .append(" random. Expected on random q/k (the generated demo); on a real model it")
          .append(" means the pattern misses where this attention goes.");
    }
    b.append("</p>");
  }

  private static void error(StringBuilder b, Object o) {
    if (!(o instanceof Map<?, ?> err) || !(err.get("per_head") instanceof List<?> heads)) {
      return;
    }
    double[] e = meanMinMax(heads, "mean");
    double[] mv = meanMinMax(heads, "mean_v_error");
    double floor = Math.min(1, mv[0]);
    b.append("<p id=\"verdict-error\"><b>Output error:</b> ")
        .append(fmt(e[0]))
        .append(" (‖out − exact‖ / ‖exact‖, mean over sampled queries and heads). <b>Baselines:")
        .append("</b> an all-zero output has error 1; averaging every value (uniform attention)")
        .append(" has error ")
        .append(fmt(mv[0]))
        .append(". ");
    if (e[0] <= 0.1 * floor) {
      b.append("<span class=\"good\">Far below both: the output is close to exact attention.")
          .append("</span>");
    } else if (e[0] < floor) {
      b.append("Below both baselines, but not close to exact attention.");
    } else {
      b.append("<span class=\"bad\">Not better than a baseline: the output keeps little of")
          .append(" exact attention.</span>");
    }
    b.append("</p>");
  }

  private static void needles(StringBuilder b, Object o) {
    if (!(o instanceof Map<?, ?> n) || !(n.get("per_head") instanceof List<?> heads)) {
      return;
    }
    long pairs = (long) num(n.get("pairs"));
    double[] r = meanMinMax(heads, "recall");
    b.append("<p id=\"verdict-needles\"><b>Planted needles:</b> the table plants ")
        .append(pairs)
        .append(" long-range matches (mean distance ")
        .append(fmt(num(n.get("mean_distance"))))
        .append(" tokens) that exact attention finds; the pattern routes ")
        .append(r[1] == r[2] ? fmt(r[0] * pairs) : fmt(r[1] * pairs) + " to " + fmt(r[2] * pairs))
        .append(" of them per head (recall ")
        .append(fmt(r[0]))
        .append("). A pattern that does not route a needle loses it, whatever its coverage.</p>");
  }

  /** {mean, min, max} over the heads of a numeric key. */
  private static double[] meanMinMax(List<?> heads, String key) {
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Object o : heads) {
      double x = num(((Map<?, ?>) o).get(key));
      sum += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    return heads.isEmpty() ? new double[3] : new double[] {sum / heads.size(), min, max};
  }
}
