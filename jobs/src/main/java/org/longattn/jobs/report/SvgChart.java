package org.longattn.jobs.report;

import java.util.List;
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

  /** The charts' style (the report's page embeds it once; {@link #standalone} per chart). */
  public static final String CSS =
      ".chart .bar{fill:#4a78b8}.chart .axis{stroke:#333}.chart .tick{stroke:#333}"
          + ".chart text{font-size:11px;fill:#333;font-family:sans-serif}"
          + ".chart .title{font-size:13px;font-weight:600}"
          + ".chart .ylab{text-anchor:end}.chart .xlab{text-anchor:middle}"
          + ".chart .token{font-size:8px}.chart .axislabel{text-anchor:middle}.chart .legendtitle{font-size:11px;font-weight:600}";

  /** A chart with its style inside, to show on its own (e.g. in a notebook). */
  public static String standalone(String svg) {
    int at = svg.indexOf('>') + 1;
    return svg.substring(0, at) + "<style>" + CSS + "</style>" + svg.substring(at);
  }

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
    axes(s, pw, ph);
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
            esc(
                xLabel
                    + (h.scale().equals("linear") ? "" : " (log scale)")
                    + (h.below() + h.above() > 0 ? "; end bars hold the tails" : ""))));
    s.append(
        String.format(
            Locale.ROOT,
            "<text class=\"axislabel\" transform=\"rotate(-90)\" x=\"%d\" y=\"12\">share of rows</text>",
            -(TOP + ph / 2)));
    s.append("</svg>");
    return s.toString();
  }

  /**
   * A quantile chart: x = share of rows sorted by value (0–100 %), one bar per band between
   * consecutive ranks, its height the value at the band's upper rank; y on log10(1 + value) when
   * {@code log}. Reads as "p % of the rows are at most y", so a skewed distribution spreads over
   * the whole width.
   */
  public static String quantiles(
      String title, String yLabel, double[] ranks, double[] values, boolean log) {
    StringBuilder s = new StringBuilder();
    int pw = W - LEFT - RIGHT;
    int ph = H - TOP - BOTTOM;
    double vMax = 0;
    for (double v : values) {
      vMax = Math.max(vMax, v);
    }
    double yMax = log ? Math.max(1, Math.ceil(Math.log10(1 + vMax))) : niceCeil(vMax);
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart quantiles\" width=\"%d\""
                + " height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
            W,
            H,
            W,
            H,
            esc(title)));
    s.append(
        String.format(
            Locale.ROOT, "<text x=\"%d\" y=\"16\" class=\"title\">%s</text>", LEFT, esc(title)));
    for (int i = 0; i + 1 < ranks.length; i++) {
      double v = Math.max(0, values[i + 1]);
      double bh = ph * (log ? Math.log10(1 + v) : v) / yMax;
      s.append(
          String.format(
              Locale.ROOT,
              "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\">"
                  + "<title>%.0f–%.0f %%: up to %s</title></rect>",
              LEFT + pw * ranks[i],
              TOP + ph - bh,
              Math.max(0.5, pw * (ranks[i + 1] - ranks[i]) - 0.3),
              bh,
              100 * ranks[i],
              100 * ranks[i + 1],
              fmt(v)));
    }
    axes(s, pw, ph);
    for (int t = 0; t <= (log ? (int) yMax : 4); t++) {
      double y = TOP + ph - ph * (log ? t / yMax : t / 4.0);
      String label = log ? fmt(t == 0 ? 0 : Math.pow(10, t) - 1) : fmt(yMax * t / 4);
      s.append(
          String.format(
              Locale.ROOT,
              "<line class=\"tick\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                  + "<text class=\"ylab\" x=\"%d\" y=\"%.1f\">%s</text>",
              LEFT - 4,
              y,
              LEFT,
              y,
              LEFT - 6,
              y + 4,
              label));
    }
    for (int t = 0; t <= 4; t++) {
      double x = LEFT + pw * t / 4.0;
      s.append(
          String.format(
              Locale.ROOT,
              "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                  + "<text class=\"xlab\" x=\"%.1f\" y=\"%d\">%d%%</text>",
              x,
              TOP + ph,
              x,
              TOP + ph + 4,
              x,
              TOP + ph + 16,
              25 * t));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "<text class=\"axislabel\" x=\"%d\" y=\"%d\">share of rows, sorted by value</text>",
            LEFT + pw / 2,
            H - 6));
    s.append(
        String.format(
            Locale.ROOT,
            "<text class=\"axislabel\" transform=\"rotate(-90)\" x=\"%d\" y=\"12\">%s</text>",
            -(TOP + ph / 2),
            esc(yLabel + (log ? " (log scale)" : ""))));
    s.append("</svg>");
    return s.toString();
  }

  private static void axes(StringBuilder s, int pw, int ph) {
    s.append(
        String.format(
            Locale.ROOT,
            "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                + "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
            LEFT,
            TOP + ph,
            LEFT + pw,
            TOP + ph,
            LEFT,
            TOP,
            LEFT,
            TOP + ph));
  }

  /** Colour stops of the heatmap scale (viridis), low to high. */
  static final int[] SCALE = {0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725};

  /** Colour of cells below the scale's lower end (and of zero cells). */
  static final String BELOW = "#f3f3f6";

  /** Decades of the logarithmic colour scale below the largest cell. */
  static final int DECADES = 4;

  /**
   * A heatmap of {@code cells[row][col]} (rows = query ranges top to bottom, columns = key ranges
   * left to right) on a log10 colour scale from max·10^−{@value #DECADES} to max, with both axes
   * labelled in token positions and a colour legend.
   *
   * @param q0 first query position, {@code q1} the last (inclusive); same for keys
   */
  public static String heatmap(
      String title, float[][] cells, int q0, int q1, int k0, int k1, String legendLabel) {
    return heatmap(title, cells, q0, q1, k0, k1, legendLabel, null, null);
  }

  /**
   * {@link #heatmap(String, float[][], int, int, int, int, String)} with token labels: {@code
   * rowTokens} (one per row) beside the rows, {@code colTokens} (one per column) under the columns;
   * null for position ticks on that axis.
   */
  public static String heatmap(
      String title,
      float[][] cells,
      int q0,
      int q1,
      int k0,
      int k1,
      String legendLabel,
      List<String> rowTokens,
      List<String> colTokens) {
    int rows = cells.length;
    int cols = rows == 0 ? 0 : cells[0].length;
    int left = rowTokens != null ? 110 : 64;
    int top = 28;
    int size = rowTokens != null || colTokens != null ? 480 : 320;
    int legendW = 110;
    int w = left + size + 20 + legendW;
    int h = top + size + (colTokens != null ? 100 : 48);
    double cw = (double) size / Math.max(1, cols);
    double ch = (double) size / Math.max(1, rows);
    double max = 0;
    for (float[] r : cells) {
      for (float x : r) {
        max = Math.max(max, x);
      }
    }
    double logMax = Math.log10(max > 0 ? max : 1);
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart heatmap\" width=\"%d\""
                + " height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
            w,
            h,
            w,
            h,
            esc(title)));
    s.append(
        String.format(
            Locale.ROOT, "<text x=\"%d\" y=\"16\" class=\"title\">%s</text>", left, esc(title)));
    s.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>",
            left,
            top,
            size,
            size,
            BELOW));
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double x = cells[r][c];
        if (x <= 0 || Math.log10(x) < logMax - DECADES) {
          continue; // the background shows
        }
        s.append(
            String.format(
                Locale.ROOT,
                "<rect class=\"cell\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\""
                    + " fill=\"%s\"/>",
                left + c * cw,
                top + r * ch,
                cw + 0.05,
                ch + 0.05,
                colour((Math.log10(x) - (logMax - DECADES)) / DECADES)));
      }
    }
    s.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" class=\"axis\"/>",
            left,
            top,
            size,
            size));
    if (rowTokens != null) {
      for (int r = 0; r < rowTokens.size(); r++) {
        s.append(
            String.format(
                Locale.ROOT,
                "<text class=\"ylab token\" x=\"%d\" y=\"%.1f\">%s</text>",
                left - 4,
                top + (r + 0.5) * ch + 3,
                esc(clip(rowTokens.get(r)) + " " + (q0 + r))));
      }
    }
    if (colTokens != null) {
      for (int c = 0; c < colTokens.size(); c++) {
        double x = left + (c + 0.5) * cw + 3;
        s.append(
            String.format(
                Locale.ROOT,
                "<text class=\"ylab token\" transform=\"rotate(-90 %.1f %d)\" x=\"%.1f\""
                    + " y=\"%d\">%s</text>",
                x,
                top + size + 4,
                x,
                top + size + 4,
                esc(clip(colTokens.get(c)))));
      }
    }
    for (int t = 0; t <= 4; t++) {
      double x = left + size * t / 4.0;
      double y = top + size * t / 4.0;
      if (rowTokens != null || colTokens != null) {
        break; // the tokens label the axes
      }
      s.append(
          String.format(
              Locale.ROOT,
              "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                  + "<text class=\"xlab\" x=\"%.1f\" y=\"%d\">%d</text>"
                  + "<line class=\"tick\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                  + "<text class=\"ylab\" x=\"%d\" y=\"%.1f\">%d</text>",
              x,
              top + size,
              x,
              top + size + 4,
              x,
              top + size + 16,
              Math.round(k0 + (k1 + 1.0 - k0) * t / 4.0),
              left - 4,
              y,
              left,
              y,
              left - 6,
              y + 4,
              Math.round(q0 + (q1 + 1.0 - q0) * t / 4.0)));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "<text class=\"axislabel\" x=\"%d\" y=\"%d\">key position</text>"
                + "<text class=\"axislabel\" transform=\"rotate(-90)\" x=\"%d\" y=\"12\">"
                + "query position</text>",
            left + size / 2,
            h - 8,
            -(top + size / 2)));
    // legend: one swatch per half decade, top = max
    int lx = left + size + 20;
    int steps = 2 * DECADES;
    double sh = (double) (size - 40) / (steps + 1);
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" class=\"legendtitle\">%s</text>",
            lx,
            top + 8,
            esc(legendLabel)));
    for (int i = 0; i <= steps; i++) {
      double frac = 1 - (double) i / steps;
      double y = top + 16 + i * sh;
      s.append(
          String.format(
              Locale.ROOT,
              "<rect class=\"swatch\" x=\"%d\" y=\"%.1f\" width=\"16\" height=\"%.1f\""
                  + " fill=\"%s\"/><text x=\"%d\" y=\"%.1f\">%s</text>",
              lx,
              y,
              sh,
              colour(frac),
              lx + 22,
              y + sh / 2 + 4,
              fmt(Math.pow(10, logMax - DECADES * (1 - frac)))));
    }
    double y = top + 16 + (steps + 1) * sh + 4;
    s.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%.1f\" width=\"16\" height=\"%.1f\" fill=\"%s\""
                + " class=\"axis\"/><text x=\"%d\" y=\"%.1f\">lower / 0</text>",
            lx,
            y,
            sh,
            BELOW,
            lx + 22,
            y + sh / 2 + 4));
    s.append("</svg>");
    return s.toString();
  }

  /** A token label, at most 14 characters. */
  private static String clip(String t) {
    return t.length() <= 14 ? t : t.substring(0, 13) + "…";
  }

  /** The scale's colour at {@code t} in [0, 1] (linear between the stops), as #rrggbb. */
  static String colour(double t) {
    double x = Math.max(0, Math.min(1, t)) * (SCALE.length - 1);
    int i = Math.min(SCALE.length - 2, (int) Math.floor(x));
    double f = x - i;
    int rgb = 0;
    for (int shift = 16; shift >= 0; shift -= 8) {
      int a = (SCALE[i] >> shift) & 0xff;
      int b = (SCALE[i + 1] >> shift) & 0xff;
      rgb |= ((int) Math.round(a + (b - a) * f)) << shift;
    }
    return String.format(Locale.ROOT, "#%06x", rgb);
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
