package org.longattn.jobs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;
import org.longattn.datasets.SparkTestSession;

/**
 * A CLI run in-process ({@link CliRunner}) plus every log event at WARN or above that reached the
 * logging system while it ran (Spark's console appender writes to the JVM's original stderr, which
 * {@link CliRunner} does not capture: the events are what a user would have seen).
 *
 * @param events "LEVEL logger: message" of each WARN/ERROR event, in order
 */
public record LoggedRun(int code, String out, String err, List<String> events) {

  /** Runs {@code Cli.run(args)} in-process, capturing stdout, stderr and log events. */
  public static synchronized LoggedRun run(String... args) {
    SparkTestSession.get(); // the shared session's start-up warnings are not the command's
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration config = ctx.getConfiguration();
    AbstractAppender capture =
        new AbstractAppender("longattn-test-capture", null, null, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent e) {
            if (e.getLevel().isMoreSpecificThan(Level.WARN)) {
              events.add(
                  e.getLevel()
                      + " "
                      + e.getLoggerName()
                      + ": "
                      + e.getMessage().getFormattedMessage());
            }
          }
        };
    capture.start();
    config.addAppender(capture);
    config.getRootLogger().addAppender(capture, Level.ALL, null);
    ctx.updateLoggers();
    try {
      CliRunner.Result r = CliRunner.run(args);
      return new LoggedRun(r.code(), r.out(), r.err(), List.copyOf(events));
    } finally {
      config.getRootLogger().removeAppender(capture.getName());
      ctx.updateLoggers();
      capture.stop();
    }
  }
}
