package org.longattn.jobs.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Timings of repeated runs: warm-up runs (JIT, page faults, caches) reported but excluded, then
 * min, median and spread of the measured runs. Spread = (max − min) / median: on a shared machine a
 * spread above ~0.2 says the median is not to be trusted.
 */
public record RunStats(double[] warmupS, double[] runsS) {
  public RunStats {
    if (runsS.length == 0) {
      throw new IllegalArgumentException("no measured run");
    }
  }

  public double min() {
    return Arrays.stream(runsS).min().orElseThrow();
  }

  public double max() {
    return Arrays.stream(runsS).max().orElseThrow();
  }

  /** The middle run (the mean of the two middle ones for an even count). */
  public double median() {
    double[] s = runsS.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  public double spread() {
    return (max() - min()) / median();
  }

  /** For the JSON output: median_s, min_s, max_s, spread, runs_s, warmup_s. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("median_s", round(median()));
    m.put("min_s", round(min()));
    m.put("max_s", round(max()));
    m.put("spread", round(spread()));
    m.put("runs_s", Arrays.stream(runsS).map(RunStats::round).toArray());
    m.put("warmup_s", Arrays.stream(warmupS).map(RunStats::round).toArray());
    return m;
  }

  /** One line for people: "median 1.234 s, min 1.200 s, spread 5.1 % (3 runs, 1 warm-up)". */
  public String text() {
    return String.format(
        Locale.ROOT,
        "median %.3f s, min %.3f s, spread %.1f %% (%d runs, %d warm-up excluded)",
        median(),
        min(),
        100 * spread(),
        runsS.length,
        warmupS.length);
  }

  public static double round(double x) {
    return Math.round(x * 1000) / 1000.0;
  }
}
