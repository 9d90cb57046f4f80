package org.longattn.jobs;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The job's own progress on stderr: one line per stage with counts and seconds. */
public final class Progress {
  private final String command;
  private final long start = System.nanoTime();
  private long last = start;
  private final Map<String, Double> timings = new LinkedHashMap<>();

  public Progress(String command) {
    this.command = command;
  }

  /** Ends a stage: prints "[command] stage: what (1.23 s)". */
  public void stage(String stage, String what) {
    long now = System.nanoTime();
    double s = (now - last) / 1e9;
    last = now;
    timings.put(stage, Math.round(s * 1000) / 1000.0);
    System.err.printf(Locale.ROOT, "[%s] %s: %s (%.2f s)%n", command, stage, what, s);
  }

  /** Prints the closing line with the total time. */
  public void done(String what) {
    System.err.printf(Locale.ROOT, "[%s] done: %s (%.2f s total)%n", command, what, totalSeconds());
  }

  public double totalSeconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  /** Seconds per stage so far, plus the total. */
  public Map<String, Double> timings() {
    Map<String, Double> t = new LinkedHashMap<>(timings);
    t.put("total", Math.round(totalSeconds() * 1000) / 1000.0);
    return t;
  }
}
