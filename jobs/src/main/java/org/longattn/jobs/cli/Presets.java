package org.longattn.jobs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.longattn.datasets.InputException;
import picocli.CommandLine;

/**
 * {@code --preset NAME|FILE}: flag defaults, one {@code key=value} per line, keys being the long
 * option names of the command without {@code --}. Flags given on the command line win.
 *
 * <p>Which file: a value that contains {@code /} and ends in {@code .conf} is a path, read as
 * given. Any other value must be a NAME ({@code [A-Za-z0-9][A-Za-z0-9_.-]*}, no {@code .conf}),
 * looked up as {@code $LONGATTN_HOME/conf/presets/NAME.conf} (the installation's presets, first),
 * then among the presets bundled in the jar ({@code /presets/NAME.conf}) — so a name never reaches
 * a file outside those two places. Everything else (an unknown name, a key that is not an option of
 * the command, a value of another form) is a one-line error, exit 2, before Spark starts.
 */
public final class Presets {
  /** The flag. */
  public static final String FLAG = "--preset";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  /** Keys a preset cannot set: they are not flag defaults. */
  private static final Set<String> NOT_PRESETTABLE = Set.of("preset", "help", "version");

  private Presets() {}

  /**
   * The preset named on the command line, checked against the options of the command it is given to
   * (the first argument that is not an option), or null without {@code --preset}.
   */
  public static Properties load(CommandLine root, String[] args) {
    String value = null;
    String command = null;
    for (int i = 0; i < args.length; i++) {
      if (command == null && !args[i].startsWith("-")) {
        command = args[i];
      }
      if (args[i].equals(FLAG) && i + 1 < args.length) {
        value = args[++i];
      } else if (args[i].startsWith(FLAG + "=")) {
        value = args[i].substring(FLAG.length() + 1);
      }
    }
    if (value == null) {
      return null;
    }
    Properties p = read(value);
    CommandLine sub = command == null ? null : root.getSubcommands().get(command);
    if (sub != null) {
      Set<String> options = new TreeSet<>();
      sub.getCommandSpec()
          .options()
          .forEach(o -> options.add(o.longestName().replaceFirst("^-+", "")));
      for (String key : new TreeSet<>(p.stringPropertyNames())) {
        if (!options.contains(key) || NOT_PRESETTABLE.contains(key)) {
          throw new InputException(
              FLAG
                  + " '"
                  + value
                  + "': key '"
                  + key
                  + "' is not an option of '"
                  + command
                  + "' (keys are long option names without --, see "
                  + command
                  + " --help)");
        }
      }
    }
    return p;
  }

  /** The properties of a preset NAME or FILE (see the class comment for which is which). */
  static Properties read(String value) {
    if (value.contains("/") && value.endsWith(".conf")) {
      Path path = Path.of(value);
      if (!Files.isRegularFile(path)) {
        throw new InputException(FLAG + ": preset file '" + value + "' does not exist");
      }
      try (InputStream in = Files.newInputStream(path)) {
        return parse(value, in);
      } catch (IOException e) {
        throw new InputException(FLAG + ": cannot read '" + value + "': " + e.getMessage());
      }
    }
    if (!NAME.matcher(value).matches() || value.endsWith(".conf")) {
      throw new InputException(
          FLAG
              + " '"
              + value
              + "': neither a preset name (letters, digits, '-', '_', '.'; e.g."
              + " bigbird-roberta-base) nor a path to a .conf file (a path contains '/', e.g."
              + " ./my-model.conf)");
    }
    String home = System.getenv().getOrDefault("LONGATTN_HOME", ".");
    Path installed = Path.of(home, "conf", "presets", value + ".conf");
    try {
      if (Files.isRegularFile(installed)) {
        try (InputStream in = Files.newInputStream(installed)) {
          return parse(value, in);
        }
      }
      try (InputStream in = Presets.class.getResourceAsStream("/presets/" + value + ".conf")) {
        if (in != null) {
          return parse(value, in);
        }
      }
    } catch (IOException e) {
      throw new InputException(FLAG + ": cannot read preset '" + value + "': " + e.getMessage());
    }
    throw new InputException(
        FLAG
            + ": no preset named '"
            + value
            + "' (bundled: bigbird-roberta-base, longformer-base-4096; installed ones in "
            + installed.getParent()
            + ")");
  }

  private static Properties parse(String name, InputStream in) throws IOException {
    Properties p = new Properties();
    p.load(in);
    for (String k : p.stringPropertyNames()) {
      p.setProperty(k, p.getProperty(k).trim());
    }
    return p;
  }
}
