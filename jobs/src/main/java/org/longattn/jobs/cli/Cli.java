package org.longattn.jobs.cli;

import java.io.PrintWriter;
import java.util.Properties;
import org.longattn.datasets.InputException;
import org.longattn.jobs.RunInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Parses the command line, runs a command, maps errors to exit codes (2: bad input, 1: bug). */
@Command(
    name = "longattn",
    mixinStandardHelpOptions = true,
    versionProvider = Cli.Version.class,
    description = "Attention over very long documents on Apache Spark.",
    subcommands = {
      GenerateCommand.class,
      EmbedCommand.class,
      AttendCommand.class,
      PatternCommand.class,
      ReportCommand.class,
      BenchCommand.class,
      DemoCommand.class
    })
public final class Cli implements Runnable {
  /** Exit code of bad input, bad flags and refused outputs. */
  public static final int BAD_INPUT = 2;

  /** Exit code when the Spark master cannot be reached (same as {@code bin/cluster submit}). */
  public static final int CLUSTER_UNREACHABLE = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** Runs the command line; returns the exit code. Never calls System.exit. */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Cli());
    PrintWriter err = new PrintWriter(System.err, true);
    try {
      Properties preset = Presets.load(cl, args);
      if (preset != null) {
        cl.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(preset));
      }
    } catch (InputException e) {
      err.println("longattn: error: " + e.getMessage());
      return BAD_INPUT;
    }
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          err.println("longattn: error: " + ex.getMessage());
          err.println(
              "Run '"
                  + ex.getCommandLine().getCommandSpec().qualifiedName()
                  + " --help' for usage.");
          return BAD_INPUT;
        });
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          String user = userMessage(ex);
          if (user != null) {
            err.println("longattn: error: " + user);
            return BAD_INPUT;
          }
          String cluster = clusterMessage(ex);
          if (cluster != null) {
            err.println("longattn: error: " + cluster);
            return CLUSTER_UNREACHABLE;
          }
          err.println("longattn: internal error (please report):");
          ex.printStackTrace(err);
          return 1;
        });
    return cl.execute(args);
  }

  /**
   * The one-line message of a user error anywhere in the cause chain (Spark wraps task exceptions;
   * when the original object did not survive, its "InputException: msg" line is in the text).
   */
  static String userMessage(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof InputException) {
        return t.getMessage();
      }
      if (t instanceof CommandLine.ParameterException) {
        return t.getMessage();
      }
    }
    String marker = InputException.class.getName() + ": ";
    for (Throwable t = ex; t != null; t = t.getCause()) {
      String msg = String.valueOf(t.getMessage());
      int i = msg.indexOf(marker);
      if (i >= 0) {
        String rest = msg.substring(i + marker.length());
        int nl = rest.indexOf('\n');
        return nl >= 0 ? rest.substring(0, nl) : rest;
      }
    }
    return null;
  }

  /**
   * A one-line message when the failure is a master that never answered: Spark's standalone client
   * gives up ("All masters are unresponsive") and stops the context, and the first job then fails
   * with "Cannot call methods on a stopped SparkContext".
   */
  static String clusterMessage(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      String msg = String.valueOf(t.getMessage());
      if (msg.contains("All masters are unresponsive")
          || msg.contains("Cannot call methods on a stopped SparkContext")
          || msg.contains("Failed to connect to master")) {
        return "cluster unreachable: the Spark master did not answer (check --master and that"
            + " the cluster runs); nothing was written";
      }
    }
    return null;
  }

  /** Prints the build's version. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"longattn " + RunInfo.version()};
    }
  }
}
