package org.longattn.jobs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.SparkThrowable;
import org.longattn.datasets.InputException;
import org.longattn.jobs.RunInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Parses the command line, runs a command, maps errors to exit codes (2: bad input, 1: bug). */
@Command(
    name = "longattn",
    mixinStandardHelpOptions = true,
    versionProvider = Cli.Version.class,
    description = "Attention over very long documents on Apache Spark.",
    subcommands = {
      GenerateCommand.class,
      EmbedCommand.class,
      EncodeCommand.class,
      ImportCommand.class,
      AttendCommand.class,
      ExportCommand.class,
      PatternCommand.class,
      ReportCommand.class,
      AdviseCommand.class,
      BenchCommand.class,
      DemoCommand.class
    })
public final class Cli implements Runnable {
  /** Exit code of bad input, bad flags and refused outputs. */
  public static final int BAD_INPUT = 2;

  /** Exit code when the Spark master cannot be reached (same as {@code bin/cluster submit}). */
  public static final int CLUSTER_UNREACHABLE = 3;

  private static final String ERROR = "longattn: error: ";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "Show Spark's own log (warnings, errors, the OpenCL probe) and the full stack trace of"
              + " a refusal; without it the console holds only longattn's lines.")
  boolean verbose;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /**
   * Runs the command line; returns the exit code. Never calls System.exit.
   *
   * <p>Every refusal (bad flags, bad input, an output that cannot be written, a master that does
   * not parse) is one line on stderr and exit code {@link #BAD_INPUT}; with {@code --verbose} the
   * stack trace comes first. Unless {@code --verbose} is given, log events (Spark's, Hadoop's,
   * Aparapi's) are off while the command runs ({@link QuietLogging}), whatever the launcher's
   * logging configuration: the console holds longattn's stage lines and Spark's progress bar only.
   */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Cli());
    PrintWriter err = new PrintWriter(System.err, true);
    try {
      Properties preset = Presets.load(cl, args);
      if (preset != null) {
        cl.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(preset));
      }
    } catch (InputException e) {
      err.println(ERROR + InputException.oneLine(e.getMessage()));
      return BAD_INPUT;
    }
    boolean[] verbose = {false};
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          err.println(
              ERROR
                  + InputException.oneLine(ex.getMessage())
                  + " (see '"
                  + ex.getCommandLine().getCommandSpec().qualifiedName()
                  + " --help')");
          return BAD_INPUT;
        });
    cl.setExecutionStrategy(
        parseResult -> {
          verbose[0] = isVerbose(parseResult);
          WritableOutputs.check(parseResult);
          try (QuietLogging quiet = verbose[0] ? null : QuietLogging.start()) {
            return new CommandLine.RunLast().execute(parseResult);
          }
        });
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          String oom = outOfMemory(ex, parseResult);
          if (oom != null) {
            if (verbose[0]) {
              ex.printStackTrace(err);
            }
            err.println(ERROR + oom);
            return BAD_INPUT;
          }
          String user = userMessage(ex);
          String cluster = user == null ? clusterMessage(ex) : null;
          if (user == null && cluster == null) {
            err.println(
                "longattn: internal error (please report; --verbose adds Spark's log): "
                    + InputException.oneLine(String.valueOf(ex)));
            ex.printStackTrace(err);
            return 1;
          }
          if (verbose[0]) {
            ex.printStackTrace(err);
          }
          err.println(ERROR + InputException.oneLine(user != null ? user : cluster));
          return user != null ? BAD_INPUT : CLUSTER_UNREACHABLE;
        });
    return cl.execute(args);
  }

  /**
   * One line for a run that ran out of heap (in a task — embedded runs keep the JVM alive for it,
   * {@code spark.executor.killOnFatalError.depth=0} — or on the driver): the step and Spark stage
   * that failed, the heap, and the heap or span size that would fit. Null when it is not that.
   */
  static String outOfMemory(Throwable ex, CommandLine.ParseResult parseResult) {
    String where = null;
    boolean oom = false;
    for (Throwable t = ex; t != null; t = t.getCause()) {
      String msg = String.valueOf(t.getMessage());
      oom |= t instanceof OutOfMemoryError || msg.contains("java.lang.OutOfMemoryError");
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("Task (\\d+) in stage (\\d+)\\.\\d+ failed").matcher(msg);
      if (where == null && m.find()) {
        where = "Spark stage " + m.group(2) + ", task " + m.group(1);
      }
    }
    if (!oom) {
      return null;
    }
    long heapMiB = Runtime.getRuntime().maxMemory() >> 20;
    String step = org.longattn.jobs.Progress.lastStage();
    StringBuilder b = new StringBuilder("out of memory ");
    b.append(
        step == null ? "while reading and planning the input" : "in the step after '" + step + "'");
    if (where != null) {
      b.append(" (").append(where).append(')');
    }
    b.append(": the heap is ").append(heapMiB).append(" MiB");
    CommandLine.ParseResult sub = parseResult == null ? null : parseResult.subcommand();
    String fit = "--driver-memory " + Math.max(1, (heapMiB * 2 + 1023) / 1024) + "g";
    if (sub != null && sub.commandSpec().findOption("--span-tokens") != null) {
      int span = sub.matchedOptionValue("--span-tokens", 32768);
      b.append(" for spans of ").append(span).append(" tokens");
      if (span > 1024) {
        fit += " or --span-tokens " + span / 2;
      }
    }
    return b.append("; rerun with ")
        .append(fit)
        .append(" (or fewer cores, --master local[1])")
        .toString();
  }

  private static boolean isVerbose(CommandLine.ParseResult parseResult) {
    for (CommandLine.ParseResult r = parseResult; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The one-line message of a user error anywhere in the cause chain (Spark wraps task exceptions;
   * when the original object did not survive, its "InputException: msg" line is in the text), or of
   * a failure the user can fix: an input file Spark cannot read, a master URL it cannot parse, an
   * output the file system refuses. Null for anything else (a bug).
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
    String read = unreadableFile(ex);
    if (read != null) {
      return read;
    }
    for (Throwable t = ex; t != null; t = t.getCause()) {
      String msg = String.valueOf(t.getMessage());
      if (msg.startsWith("Could not parse Master URL: ")) {
        return "--master "
            + firstLine(msg.substring("Could not parse Master URL: ".length()))
            + " is not a Spark master URL (expected local[N], spark://HOST:PORT, yarn or"
            + " k8s://https://HOST:PORT)";
      }
    }
    return fileSystemMessage(ex);
  }

  /**
   * A file Spark could not read inside a task (its error condition FAILED_READ_FILE names the
   * file): a corrupted data page, a footer that is not Parquet, a column whose type differs from
   * the table's schema, a file deleted while the job ran.
   */
  static String unreadableFile(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof SparkThrowable st
          && st.getCondition() != null
          && st.getCondition().startsWith("FAILED_READ_FILE")) {
        Map<String, String> p = st.getMessageParameters();
        String file = localPath(p.getOrDefault("path", "?"));
        String condition = st.getCondition();
        String why;
        if (condition.endsWith("CANNOT_READ_FILE_FOOTER")) {
          why = "is not a Parquet file, or its footer is corrupted";
        } else if (condition.endsWith("PARQUET_COLUMN_DATA_TYPE_MISMATCH")) {
          why =
              "column "
                  + p.getOrDefault("column", "?")
                  + " has type "
                  + p.getOrDefault("actualType", "?")
                  + " where the table's schema has "
                  + p.getOrDefault("expectedType", "?")
                  + " (the files of one table must share one schema)";
        } else if (condition.endsWith("FILE_NOT_EXIST")) {
          why = "no longer exists (was the table changed while the job ran?)";
        } else {
          why =
              "cannot be decoded: corrupted or truncated Parquet data (--verbose shows the"
                  + " reader's error)";
        }
        return "input file '" + file + "' " + why;
      }
    }
    return null;
  }

  /**
   * An output or input the file system refuses (no permission, a regular file where a directory
   * must be, a read-only or full file system), or null.
   */
  static String fileSystemMessage(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof FileSystemException fse) {
        String reason = fse.getReason();
        if (reason == null) {
          reason =
              switch (fse.getClass().getSimpleName()) {
                case "AccessDeniedException" -> "permission denied";
                case "NoSuchFileException" -> "no such file or directory";
                case "NotDirectoryException" -> "not a directory";
                case "FileAlreadyExistsException" -> "already exists";
                case "ReadOnlyFileSystemException" -> "read-only file system";
                default -> "refused by the file system";
              };
        }
        return "'" + localPath(String.valueOf(fse.getFile())) + "': " + reason;
      }
      String name = t.getClass().getName();
      String msg = firstLine(t.getMessage());
      if (name.equals("org.apache.hadoop.fs.FileAlreadyExistsException")
          || name.equals("org.apache.hadoop.fs.ParentNotDirectoryException")
          || name.equals("org.apache.hadoop.security.AccessControlException")
          || name.equals("org.apache.hadoop.fs.PathIOException")
          || (t instanceof IOException && msg.startsWith("Mkdirs failed to create"))) {
        String context = outputContext(ex);
        return (context == null ? "" : context + ": ") + msg;
      }
    }
    return null;
  }

  /** "cannot write output 'X'" when the project's writer said so somewhere in the chain. */
  private static String outputContext(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      String msg = firstLine(t.getMessage());
      if (t instanceof UncheckedIOException && msg.startsWith("cannot write output")) {
        return msg;
      }
    }
    return null;
  }

  /** {@code file:///a/b} and {@code file:/a/b} as {@code /a/b}; other URIs unchanged. */
  static String localPath(String uri) {
    if (uri.startsWith("file:")) {
      String rest = uri.substring("file:".length());
      int i = 0;
      while (i + 1 < rest.length() && rest.charAt(i) == '/' && rest.charAt(i + 1) == '/') {
        i++;
      }
      return rest.substring(i);
    }
    return uri;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl >= 0 ? s.substring(0, nl) : s).trim();
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
