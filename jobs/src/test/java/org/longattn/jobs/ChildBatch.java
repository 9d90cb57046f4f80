package org.longattn.jobs;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.longattn.jobs.cli.Cli;

/**
 * Runs several CLI commands one after another in one child JVM ({@link ChildCli#runAll}): for tests
 * of a setting chosen once per JVM (e.g. the scalar kernels), one JVM and one Spark start instead
 * of one per command. Reads {@code DIR/commands} (a command per line, arguments separated by tabs)
 * and writes, for command i, {@code DIR/i.out}, {@code DIR/i.err} and its exit code to {@code
 * DIR/i.code} (-1 when it threw).
 */
public final class ChildBatch {
  private ChildBatch() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    List<String> commands = Files.readAllLines(dir.resolve("commands"), StandardCharsets.UTF_8);
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    for (int i = 0; i < commands.size(); i++) {
      int code;
      try (PrintStream out =
              new PrintStream(
                  Files.newOutputStream(dir.resolve(i + ".out")), true, StandardCharsets.UTF_8);
          PrintStream err =
              new PrintStream(
                  Files.newOutputStream(dir.resolve(i + ".err")), true, StandardCharsets.UTF_8)) {
        System.setOut(out);
        System.setErr(err);
        try {
          code = Cli.run(commands.get(i).split("\t", -1));
        } catch (Throwable t) {
          t.printStackTrace(new PrintWriter(err, true));
          code = -1;
        } finally {
          System.setOut(stdout);
          System.setErr(stderr);
        }
      }
      Files.writeString(dir.resolve(i + ".code"), String.valueOf(code));
    }
    System.exit(0);
  }
}
