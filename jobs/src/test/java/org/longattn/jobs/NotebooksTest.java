package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.model.OnnxRuntimeReference;

/**
 * Executes the Java notebooks of {@code notebooks/} headless, as a user would: {@code jupyter
 * nbconvert --to html --execute} with the project's kernel spec ({@code notebooks/jupyter}, the
 * rapaio kernel jar the build copied to {@code jobs/target/notebook-kernel/}), on inputs made with
 * the real CLI: a small attend output, and a real model's q/k/v on real text ({@code encode
 * --dump-qkv}). nbconvert fails on any cell error; the test then fails with its output. A kernel
 * start can fail before the notebook runs: the kernel never answers its first request ("Kernel
 * didn't respond", a start-up race in the kernel), or dies before answering ("Kernel died before
 * replying", e.g. a ZMQ port that jupyter_client picked and released was taken in between). Only
 * those start failures are retried, up to 4 starts; a cell error never is.
 *
 * <p>CI ({@code CI=true}) installs jupyter-nbconvert and requires it, so there the test can never
 * be skipped; elsewhere it is skipped without jupyter.
 */
class NotebooksTest {
  @TempDir static Path tmp;
  static String attention;
  static String qkv;

  private static final int STARTS = 4;

  private static Path home() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    return Files.isDirectory(dir.resolve("notebooks")) ? dir : dir.getParent();
  }

  private static String nbconvert() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "jupyter-nbconvert"))) {
        return Path.of(dir, "jupyter").toString();
      }
    }
    if ("true".equals(System.getenv("CI"))) {
      fail("CI requires jupyter-nbconvert (apt-get install jupyter-nbconvert), and none was found");
    }
    Assumptions.abort("no jupyter-nbconvert on this machine (CI installs it)");
    return null;
  }

  @BeforeAll
  static void inputs() throws Exception {
    String tokens = tmp.resolve("tok").toString();
    attention = tmp.resolve("att").toString();
    assertEquals(
        0,
        CliRunner.run(
                "generate",
                "--output",
                tokens,
                "--docs",
                "2",
                "--tokens",
                "1500",
                "--heads",
                "2",
                "--head-dim",
                "8",
                "--seed",
                "5",
                "--global-fraction",
                "0.01")
            .code());
    CliRunner.Result r =
        CliRunner.run(
            "attend",
            "--input",
            tokens,
            "--output",
            attention,
            "--heads",
            "2",
            "--pattern",
            "longformer",
            "--window",
            "32",
            "--block-size",
            "16",
            "--stats");
    assertEquals(0, r.code(), r.err());

    // real text (2,262 word pieces, past the model's 512 positions), layer 1 of all-MiniLM-L6-v2
    Path text = Files.createDirectories(tmp.resolve("text"));
    String prose = OnnxRuntimeReference.prose();
    Files.writeString(
        text.resolve("prose.txt"), String.join("\n\n", Collections.nCopies(4, prose)));
    qkv = tmp.resolve("qkv").toString();
    CliRunner.Result e =
        CliRunner.run(
            "encode",
            "--input",
            text.toString(),
            "--model",
            "all-minilm-l6-v2",
            "--pattern",
            "longformer",
            "--window",
            "256",
            "--dump-qkv",
            "1",
            "--dump-output",
            qkv);
    assertEquals(0, e.code(), e.err());
  }

  @Test
  void attentionStatisticsNotebookRuns() throws Exception {
    String html = execute("attention-statistics");
    assertTrue(html.contains("entropy_nats"), "the per-head table was printed");
    assertTrue(html.contains("mean_distance_tokens"), "the per-head table was printed");
    assertEquals(2, count(html, "<svg"), "one entropy chart per head");
    assertTrue(count(html, "class=\"bar\"") > 20, "the charts have bars");
  }

  @Test
  void patternCoverageNotebookRuns() throws Exception {
    String html = execute("pattern-coverage");
    assertTrue(html.contains("block pairs read"), "the pattern's block map");
    assertTrue(html.contains("image/png"), "the block map image");
    assertTrue(html.contains("mean coverage"), "coverage per head");
    assertTrue(html.contains("chart heatmap"), "the heatmap");
    assertEquals(3, count(html, "<svg"), "coverage per head + one heatmap");
  }

  @Test
  void advisorNotebookRuns() throws Exception {
    String html = execute("advisor");
    // printed output, not the cells' source (which nbconvert shows too)
    assertTrue(
        html.contains("is the cheapest candidate reaching the target")
            || html.contains("no candidate reaches the target"),
        "advise's verdict was printed");
    assertTrue(
        found(html, "longformer:w=64 +\\d\\.\\d{4} +\\d\\.\\d{4}"),
        "the candidates' coverage and baseline");
    assertEquals(1 + 12, count(html, "class=\"frontier\""), "the frontier overall + per head");
    assertTrue(found(html, "head \\d+ \\(coverage \\d\\.\\d{4} under"), "the head picked");
    assertTrue(html.contains("chart heatmap"), "the head's heatmap");
    assertEquals(2 * 48, count(html, "class=\"ylab token\""), "48 queries × 48 keys, labelled");
  }

  /** Whether nbconvert failed while starting the kernel, before any cell ran. */
  static boolean kernelStartFailed(String log) {
    return log.contains("Kernel didn't respond") || log.contains("Kernel died before replying");
  }

  private static boolean found(String s, String regex) {
    return java.util.regex.Pattern.compile(regex).matcher(s).find();
  }

  private static int count(String s, String what) {
    return s.split(java.util.regex.Pattern.quote(what), -1).length - 1;
  }

  /** Runs one notebook to HTML and returns the HTML. */
  private static String execute(String name) throws Exception {
    String jupyter = nbconvert();
    Path home = home();
    Path kernelJar = home.resolve("jobs/target/notebook-kernel/rapaio-jupyter-kernel.jar");
    assertTrue(Files.exists(kernelJar), kernelJar + " (the Maven build copies it)");
    Path outDir = tmp.resolve("html");
    String last = "";
    for (int start = 1; start <= STARTS; start++) {
      Path log = tmp.resolve(name + "-" + start + ".log");
      ProcessBuilder pb =
          new ProcessBuilder(
                  jupyter,
                  "nbconvert",
                  "--to",
                  "html",
                  "--execute",
                  "--ExecutePreprocessor.startup_timeout=60",
                  "--ExecutePreprocessor.timeout=600",
                  "--output-dir",
                  outDir.toString(),
                  "--output",
                  name,
                  home.resolve("notebooks").resolve(name + ".ipynb").toString())
              .directory(home.resolve("notebooks").toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      pb.environment().put("JUPYTER_PATH", home.resolve("notebooks/jupyter").toString());
      pb.environment().put("LONGATTN_ATTENTION", attention);
      pb.environment().put("LONGATTN_QKV", qkv);
      pb.environment().put("LONGATTN_NOTEBOOK_MEMORY", "1g");
      Process p = pb.start();
      if (!p.waitFor(15, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        fail(name + ": nbconvert did not finish in 15 minutes");
      }
      last = Files.readString(log, StandardCharsets.UTF_8);
      if (p.exitValue() == 0) {
        String html = Files.readString(outDir.resolve(name + ".html"), StandardCharsets.UTF_8);
        // the class of an error output (a plain "output_error" may be text: zero_output_error)
        assertFalse(
            found(html, "class=\"[^\"]*(?<![\\w-])output_error(?![\\w-])"),
            name + " has an error output");
        return html;
      }
      if (!kernelStartFailed(last)) {
        break; // a real failure (a cell raised): no retry
      }
    }
    List<String> lines =
        last.lines()
            .filter(l -> !l.startsWith("Add ") && !l.startsWith("Parsing classpath"))
            .toList();
    // the kernel's own lines (its JVM's errors) come first, nbconvert's traceback last: show both
    List<String> shown =
        lines.size() <= 100
            ? lines
            : java.util.stream.Stream.concat(
                    lines.subList(0, 40).stream(),
                    java.util.stream.Stream.concat(
                        java.util.stream.Stream.of("..."),
                        lines.subList(lines.size() - 60, lines.size()).stream()))
                .toList();
    fail(name + ": jupyter nbconvert --execute failed:\n" + String.join("\n", shown));
    return null;
  }
}
