package org.longattn.jobs;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * The job's own progress on stderr: one line per stage with counts and seconds; and, when stderr is
 * a terminal, one updating progress bar with an ETA for Spark stages that run long ({@link Bar}).
 */
public final class Progress {
  private final String command;
  private final long start = System.nanoTime();
  private long last = start;
  private final Map<String, Double> timings = new LinkedHashMap<>();
  private static volatile String lastStage;

  public Progress(String command) {
    lastStage = null;
    this.command = command;
  }

  /** Ends a stage: prints "[command] stage: what (1.23 s)". */
  public void stage(String stage, String what) {
    long now = System.nanoTime();
    double s = (now - last) / 1e9;
    last = now;
    timings.put(stage, Math.round(s * 1000) / 1000.0);
    lastStage = command + " " + stage;
    System.err.printf(Locale.ROOT, "[%s] %s: %s (%.2f s)%n", command, stage, what, s);
  }

  /** The last stage ended in this JVM ("attend plan"), null before the first: for error lines. */
  public static String lastStage() {
    return lastStage;
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

  /**
   * A {@link SparkListener} drawing one line, rewritten in place ({@code \r}), for the running
   * stage with the most tasks once it has run {@link #AFTER_S} seconds: {@code [attend] stage 3
   * [#######.......] 57/100 tasks, 12 s, ETA 9 s}, where ETA = elapsed / done × (total − done). The
   * line is cleared when the stage ends, so the per-stage lines of {@link Progress} stay clean.
   * Only when stderr is a terminal ({@link #enabled}): logs and tests never see it.
   */
  public static final class Bar extends SparkListener {
    /** A stage is long (gets a bar) after this many seconds. */
    static final double AFTER_S = 2.0;

    private static final int WIDTH = 24;
    private static SparkContext attachedTo;

    private final String command;
    private final PrintStream err;
    private final Map<Integer, long[]> stages = new TreeMap<>(); // id -> {tasks, done, start ns}
    private long lastDraw;
    private boolean drawn;

    Bar(String command, PrintStream err) {
      this.command = command;
      this.err = err;
    }

    /**
     * Whether to draw: stderr is (as far as Java 17 can tell) a terminal — a console is attached
     * and TERM is not dumb — and LONGATTN_PROGRESS_BAR is not 0.
     */
    public static boolean enabled() {
      return System.console() != null
          && !"dumb".equals(System.getenv("TERM"))
          && System.getenv("TERM") != null
          && !"0".equals(System.getenv("LONGATTN_PROGRESS_BAR"));
    }

    /** Attaches a bar to the context once (when {@link #enabled}). */
    public static synchronized void attach(SparkContext sc, String command) {
      if (enabled() && attachedTo != sc) {
        sc.addSparkListener(new Bar(command, System.err));
        attachedTo = sc;
      }
    }

    @Override
    public synchronized void onStageSubmitted(SparkListenerStageSubmitted e) {
      stages.put(
          e.stageInfo().stageId(), new long[] {e.stageInfo().numTasks(), 0, System.nanoTime()});
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
      long[] s = stages.get(e.stageId());
      if (s != null && e.taskInfo().successful()) {
        s[1]++;
      }
      long now = System.nanoTime();
      if (now - lastDraw > 500_000_000L) {
        draw(now);
      }
    }

    @Override
    public synchronized void onStageCompleted(SparkListenerStageCompleted e) {
      stages.remove(e.stageInfo().stageId());
      if (drawn) {
        err.print("\r" + " ".repeat(79) + "\r");
        err.flush();
        drawn = false;
      }
    }

    private void draw(long now) {
      Map.Entry<Integer, long[]> longest = null;
      for (Map.Entry<Integer, long[]> s : stages.entrySet()) {
        if (longest == null || s.getValue()[0] > longest.getValue()[0]) {
          longest = s;
        }
      }
      if (longest == null) {
        return;
      }
      long[] s = longest.getValue();
      double elapsed = (now - s[2]) / 1e9;
      if (elapsed < AFTER_S) {
        return;
      }
      String line = line(command, longest.getKey(), (int) s[1], (int) s[0], elapsed);
      err.print("\r" + line);
      err.flush();
      drawn = true;
      lastDraw = now;
    }

    /** The bar's text (at most 79 characters for usual counts). */
    static String line(String command, int stage, int done, int total, double elapsedS) {
      int filled = total <= 0 ? 0 : (int) ((long) WIDTH * Math.min(done, total) / total);
      String eta =
          done <= 0 || done >= total
              ? "ETA ?"
              : String.format(Locale.ROOT, "ETA %.0f s", elapsedS / done * (total - done));
      return String.format(
          Locale.ROOT,
          "[%s] stage %d [%s%s] %d/%d tasks, %.0f s, %s",
          command,
          stage,
          "#".repeat(filled),
          ".".repeat(WIDTH - filled),
          done,
          total,
          elapsedS,
          done >= total ? "ETA 0 s" : eta);
    }
  }
}
