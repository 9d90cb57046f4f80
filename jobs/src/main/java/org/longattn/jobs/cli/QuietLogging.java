package org.longattn.jobs.cli;

import java.util.HashMap;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;

/**
 * Turns every log event off while a command runs, and back on when it ends: Spark's hostname
 * warnings, its task-failure errors behind a refusal, Aparapi's "failed to locate opencl native
 * library" when the machine has no OpenCL (a fact recorded in the run, not an error) — none of it
 * reaches the console. longattn's own lines ({@code [attend] plan: …}, {@code longattn: error: …})
 * are printed, not logged, and Spark's progress bar is not a log: both stay. {@code --verbose}
 * leaves logging as configured.
 *
 * <p>Done in code so it holds in every launch mode: {@code bin/longattn} (conf/log4j2.properties),
 * spark-submit (Spark's log4j2 defaults, already initialised), a test JVM, or no configuration at
 * all. In the last case the root level is no longer Log4j's default ERROR, so Spark does not
 * install its INFO defaults over it when its logging starts (Spark's {@code
 * Logging.islog4j2DefaultConfigured}).
 *
 * <p>Log4j (core) levels of the root and every configured logger are set to OFF; java.util.logging
 * (Aparapi logs there; Spark bridges it to SLF4J) gets OFF on its root logger. {@link #close()}
 * restores the previous levels, for callers that run several commands in one JVM (tests).
 */
final class QuietLogging implements AutoCloseable {
  private final LoggerContext context;
  private final Map<LoggerConfig, Level> levels = new HashMap<>();
  private final java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
  private final java.util.logging.Level julLevel = julRoot.getLevel();

  private QuietLogging(LoggerContext context) {
    this.context = context;
  }

  /** Turns logging off until {@link #close()}. */
  static QuietLogging start() {
    LoggerContext ctx =
        LogManager.getContext(false) instanceof LoggerContext c ? c : null; // another backend
    QuietLogging q = new QuietLogging(ctx);
    if (ctx != null) {
      Configuration config = ctx.getConfiguration();
      q.levels.put(config.getRootLogger(), config.getRootLogger().getLevel());
      for (LoggerConfig lc : config.getLoggers().values()) {
        q.levels.put(lc, lc.getLevel());
      }
      for (LoggerConfig lc : q.levels.keySet()) {
        lc.setLevel(Level.OFF);
      }
      ctx.updateLoggers();
    }
    q.julRoot.setLevel(java.util.logging.Level.OFF);
    return q;
  }

  @Override
  public void close() {
    julRoot.setLevel(julLevel);
    if (context != null) {
      levels.forEach(LoggerConfig::setLevel);
      context.updateLoggers();
    }
  }
}
