package org.longattn.jobs.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/**
 * Refuses, before any work, an output on the local file system that cannot be created: one below a
 * regular file, or in a directory this user cannot write (read-only, no permission, {@code /proc}).
 * Without this the job would compute everything and fail when it writes, with Hadoop's error.
 *
 * <p>The check finds the output's nearest existing ancestor — the output is written to a hidden
 * sibling there and renamed, creating missing parents — and creates and deletes a hidden probe
 * directory in it. An output that exists already is left to the command ({@code --overwrite}).
 * Outputs with a scheme other than {@code file:} (HDFS, object stores) are not probed.
 */
final class WritableOutputs {
  /** The flags of every command that name something it writes. */
  static final List<String> FLAGS = List.of("--output", "--dir", "--save-word2vec");

  private WritableOutputs() {}

  /** Checks the output flags of the command that will run. */
  static void check(CommandLine.ParseResult parseResult) {
    CommandLine.ParseResult last = parseResult;
    while (last.hasSubcommand()) {
      last = last.subcommand();
    }
    for (String flag : FLAGS) {
      CommandLine.Model.OptionSpec o = last.commandSpec().findOption(flag);
      if (o == null) {
        continue;
      }
      Object value = o.getValue();
      if (value != null) {
        String problem = problem(value.toString());
        if (problem != null) {
          throw new CommandLine.ParameterException(
              last.commandSpec().commandLine(), flag + " '" + value + "': " + problem);
        }
      }
    }
  }

  /** Why {@code output} cannot be created, or null (also for non-local paths). */
  static String problem(String output) {
    Path p;
    try {
      p = local(output);
    } catch (IllegalArgumentException e) { // InvalidPathException included
      return null; // not a local path: the file system in charge will say
    }
    if (p == null || Files.exists(p)) {
      return null;
    }
    Path dir = p.toAbsolutePath().normalize().getParent();
    while (dir != null && !Files.exists(dir)) {
      dir = dir.getParent();
    }
    if (dir == null) {
      return null;
    }
    if (!Files.isDirectory(dir)) {
      return "'" + dir + "' is not a directory (a file is in the way)";
    }
    try {
      Files.delete(Files.createTempDirectory(dir, ".longattn-probe-"));
      return null;
    } catch (FileSystemException e) {
      String reason = e.getReason();
      if (reason == null) {
        reason =
            e instanceof java.nio.file.AccessDeniedException
                ? "permission denied"
                : "the file system refused to create a directory";
      }
      return "cannot write in '" + dir + "' (" + reason + ")";
    } catch (IOException | SecurityException | UnsupportedOperationException e) {
      return "cannot write in '" + dir + "' (" + e.getMessage() + ")";
    }
  }

  /** The local path of a plain path or a {@code file:} URI; null for other schemes. */
  private static Path local(String output) {
    int colon = output.indexOf(':');
    int slash = output.indexOf('/');
    boolean scheme = colon > 1 && (slash < 0 || colon < slash);
    if (!scheme) {
      return Path.of(output);
    }
    if (output.startsWith("file:")) {
      return Path.of(URI.create(output).getPath());
    }
    return null;
  }
}
