package org.longattn.jobs;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The CLI in a child JVM, launched as {@code bin/longattn} launches it ({@code java
 * @conf/jvm.flags -cp … org.longattn.jobs.Main …}, {@code LONGATTN_HOME} set) but without a
 * logging configuration file: what reaches its stderr is what the code decides, in every launch
 * mode. The classpath is the test JVM's minus test classes and test jars.
 */
public final class ChildCli {
  /** Exit code, stdout, stderr. */
  public record Result(int code, String out, String err) {}

  private ChildCli() {}

  /** The repository root (the directory holding conf/jvm.flags). */
  public static Path home() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("conf/jvm.flags"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException(
          "conf/jvm.flags not found above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  /** The test JVM's classpath without test classes and test jars (their log4j2-test config). */
  static String classpath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.endsWith("test-classes") && !e.endsWith("-tests.jar"))
        .filter(e -> !e.contains("surefire"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** Runs {@code Main args} in a fresh JVM; fails after {@code timeoutSeconds}. */
  public static Result run(long timeoutSeconds, String... args) throws IOException {
    return run(timeoutSeconds, List.of(), args);
  }

  /**
   * Runs {@code Main args} in a fresh JVM started with the project's flags plus {@code jvmFlags}
   * (e.g. a system property chosen once per JVM); fails after {@code timeoutSeconds}.
   */
  public static Result run(long timeoutSeconds, List<String> jvmFlags, String... args)
      throws IOException {
    return launch(timeoutSeconds, jvmFlags, classpath(), "org.longattn.jobs.Main", args);
  }

  /**
   * Runs each of {@code commands} as {@code Main} would, one after another in one fresh JVM ({@link
   * ChildBatch}: one JVM and Spark start for all), started as {@link #run(long, List, String...)}
   * starts one; one result per command. Fails when the JVM fails or runs over {@code
   * timeoutSeconds}.
   */
  public static List<Result> runAll(
      long timeoutSeconds, List<String> jvmFlags, List<String[]> commands) throws IOException {
    Path dir = Files.createTempDirectory("longattn-batch");
    List<String> lines = new ArrayList<>();
    for (String[] c : commands) {
      for (String a : c) {
        if (a.contains("\t") || a.contains("\n")) {
          throw new IllegalArgumentException("argument with a tab or newline: " + a);
        }
      }
      lines.add(String.join("\t", c));
    }
    Files.write(dir.resolve("commands"), lines, StandardCharsets.UTF_8);
    String testClasses;
    try {
      testClasses =
          Path.of(ChildBatch.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .toString();
    } catch (java.net.URISyntaxException e) {
      throw new IOException(e);
    }
    Result jvm =
        launch(
            timeoutSeconds,
            jvmFlags,
            classpath() + File.pathSeparator + testClasses,
            ChildBatch.class.getName(),
            dir.toString());
    if (jvm.code() != 0) {
      throw new AssertionError("the batch JVM exited " + jvm.code() + ":\n" + jvm.err());
    }
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < commands.size(); i++) {
      Path code = dir.resolve(i + ".code");
      results.add(
          new Result(
              Files.exists(code) ? Integer.parseInt(Files.readString(code).trim()) : -1,
              readAndDelete(dir.resolve(i + ".out")),
              readAndDelete(dir.resolve(i + ".err"))));
      Files.deleteIfExists(code);
    }
    Files.delete(dir.resolve("commands"));
    Files.delete(dir);
    return results;
  }

  private static String readAndDelete(Path p) throws IOException {
    if (!Files.exists(p)) {
      return "";
    }
    String s = Files.readString(p, StandardCharsets.UTF_8);
    Files.delete(p);
    return s;
  }

  private static Result launch(
      long timeoutSeconds, List<String> jvmFlags, String cp, String main, String... args)
      throws IOException {
    Path home = home();
    Path dir = Files.createTempDirectory("longattn-child");
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("@" + home.resolve("conf/jvm.flags"));
    cmd.add("-Xmx1g");
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(cp);
    cmd.add(main);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
    pb.environment().put("LONGATTN_HOME", home.toString());
    Path jsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
    if (Files.isRegularFile(jsig)) {
      // as bin/longattn: with libjsig preloaded, --backend auto probes OpenCL (Aparapi)
      pb.environment().put("LD_PRELOAD", jsig.toString());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(
            "longattn "
                + String.join(" ", args)
                + " ran over "
                + timeoutSeconds
                + " s:\n"
                + Files.readString(err, StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    Result r =
        new Result(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    Files.delete(dir);
    return r;
  }
}
