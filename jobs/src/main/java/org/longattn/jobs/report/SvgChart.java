package org.longattn.jobs.report;

import java.util.Locale;

/**
 * Small, dependency-free SVG charts for the report: a histogram with labelled axes, ticks, units
 * and a title. Output is inline SVG (no scripts, no external resources).
 */
public final class SvgChart {
  private static final int W = 420;
  private static final int H = 240;
  private static final int LEFT = 56;
  private static final int RIGHT = 28;
  private static final int TOP = 28;
  private static final int BOTTOM = 44;

  private SvgChart() {}

  /** A histogram: bars for the bins, y = share of rows (%), x = the value in {@code unit}. */
  public static String histogram(String title, String xLabel, Histogram h) {
    StringBuilder s = new StringBuilder();
    long total = Math.max(1, h.total());
    long max = 1;
    for (long c : h.counts()) {
      max = Math.max(max, c);
    }
    double yMax = niceCeil(100.0 * max / total);
    int pw = W - LEFT - RIGHT;
    int ph = H - TOP - BOTTOM;
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
            W,
            H,
            W,
            H,
            esc(title)));
    s.append(
        String.format(
            Locale.ROOT, "<text x=\"%d\" y=\"16\" class=\"title\">%s</text>", LEFT, esc(title)));
    int n = h.counts().length;
    double bw = (double) pw / n;
    for (int i = 0; i < n; i++) {
      double pct = 100.0 * h.counts()[i] / total;
      double bh = ph * pct / yMax;
      s.append(
          String.format(
              Locale.ROOT,
              "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\">"
                  + "<title>%s–%s: %d rows (%.2f%%)</title></rect>",
              LEFT + i * bw,
              TOP + ph - bh,
              Math.max(0.5, bw - 1),
              bh,
              fmt(h.edge(i)),
              fmt(h.edge(i + 1)),
              h.counts()[i],
              pct));
    }
    // axes
    s.append(
        String.format(
            Locale.ROOT,
            "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
            LEFT,
            TOP + ph,
            LEFT + pw,
            TOP + ph));
    s.append(
        String.format(
            Locale.ROOT,
            "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
            LEFT,
            TOP,
            LEFT,
            TOP + ph));
    for (int t = 0; t <= 4; t++) {
      double y = TOP + ph - ph * t / 4.0;
      s.append(
          String.format(
              Locale.ROOT,
              "<line class=\"tick\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                  + "<text class=\"ylab\" x=\"%d\" y=\"%.1f\">%s%%</text>",
              LEFT - 4,
              y,
              LEFT,
              y,
              LEFT - 6,
              y + 4,
              fmt(yMax * t / 4)));
    }
    for (int t = 0; t <= 4; t++) {
      double x = LEFT + pw * t / 4.0;
      s.append(
          String.format(
              Locale.ROOT,
              "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                  + "<text class=\"xlab\" x=\"%.1f\" y=\"%d\">%s</text>",
              x,
              TOP + ph,
              x,
              TOP + ph + 4,
              x,
              TOP + ph + 16,
              fmt(h.edge(n * t / 4))));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "<text class=\"axislabel\" x=\"%d\" y=\"%d\">%s</text>",
            LEFT + pw / 2,
            H - 6,
            esc(xLabel + (h.scale().equals("linear") ? "" : " (log scale)"))));
    s.append(
        String.format(
            Locale.ROOT,
            "<text class=\"axislabel\" transform=\"rotate(-90)\" x=\"%d\" y=\"12\">share of rows</text>",
            -(TOP + ph / 2)));
    s.append("</svg>");
    return s.toString();
  }

  static String fmt(double x) {
    double a = Math.abs(x);
    if (a != 0 && (a >= 1e5 || a < 1e-2)) {
      return String.format(Locale.ROOT, "%.1e", x);
    }
    return a >= 100
        ? String.format(Locale.ROOT, "%.0f", x)
        : String.format(Locale.ROOT, "%.2f", x).replaceAll("\\.?0+$", "");
  }

  private static double niceCeil(double x) {
    if (x <= 0) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(x)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= x) {
        return m * p;
      }
    }
    return 10 * p;
  }

  /** Escapes text for XML/HTML. */
  public static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
