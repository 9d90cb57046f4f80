package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser: headless Chromium loads it from disk (no network), the test fails
 * on any console error, and checks that the charts were painted (bar-coloured pixels in the
 * screenshot, SVG bars in the rendered DOM). CI ({@code CI=true}) installs Debian's chromium and
 * requires it, so there the test can never be skipped; elsewhere it is skipped without chromium.
 */
class ReportBrowserTest {
  @TempDir Path tmp;

  /** The verdict box's background, #f5f7fb. */
  private static final int VERDICT_RGB = 0xf5f7fb;

  /** The report's bar colour, #4a78b8. */
  private static final int BAR_RGB = 0x4a78b8;

  /** The heatmaps' colour scale (viridis stops, linear between them). */
  private static final int[] SCALE = {0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725};

  /** Whether a colour lies on the heatmap scale (within a few levels per channel). */
  private static boolean onScale(int rgb) {
    for (int i = 0; i + 1 < SCALE.length; i++) {
      for (int t = 0; t <= 64; t++) {
        int c = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
          int a = (SCALE[i] >> shift) & 0xff;
          int b = (SCALE[i + 1] >> shift) & 0xff;
          c |= (a + (b - a) * t / 64) << shift;
        }
        if (near(rgb, c, 3)) {
          return true;
        }
      }
    }
    return false;
  }

  private static Path chromium() {
    for (String c :
        new String[] {
          System.getenv("LONGATTN_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"
        }) {
      if (c != null && Files.isExecutable(Path.of(c))) {
        return Path.of(c);
      }
    }
    if (Boolean.getBoolean("longattn.requireBrowser") || "true".equals(System.getenv("CI"))) {
      fail("CI (or -Dlongattn.requireBrowser=true) requires chromium, and none was found");
    }
    Assumptions.abort("no chromium on this machine (CI installs it)");
    return null;
  }

  private record Run(int code, String out, String err) {}

  private Run browser(Path chromium, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
                "--user-data-dir=" + Files.createTempDirectory(tmp, "profile")));
    cmd.addAll(List.of(args));
    Path out = tmp.resolve("stdout-" + System.nanoTime());
    Path err = tmp.resolve("stderr-" + System.nanoTime());
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium did not finish in 90 s");
    }
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void reportRendersInChromiumWithoutErrors() throws Exception {
    Path chromium = chromium();
    String tokens = tmp.resolve("tok").toString();
    String attention = tmp.resolve("att").toString();
    Path report = tmp.resolve("report");
    assertEquals(
        0,
        CliRunner.run(
                "generate",
                "--output",
                tokens,
                "--docs",
                "2",
                "--tokens",
                "500",
                "--heads",
                "2",
                "--head-dim",
                "8",
                "--seed",
                "2")
            .code());
    assertEquals(
        0,
        AttendRun.of(tokens, attention)
            .heads(2)
            .pattern("bigbird")
            .blockSize(16)
            .stats()
            .run()
            .code());
    // an advise output as the demo passes it (the fields the first screen reads)
    Path advice = tmp.resolve("advice");
    Files.createDirectories(advice);
    Files.writeString(
        advice.resolve("advice.json"),
        "{\"target_coverage\":0.95,\"candidates\":[{\"name\":\"bigbird:b=16:r=3\","
            + "\"cost\":{\"keys_per_query\":112},\"coverage\":0.3,\"error\":0.8},"
            + "{\"name\":\"dense\",\"cost\":{\"keys_per_query\":500},\"coverage\":1.0,"
            + "\"error\":0.0}],\"baselines\":{\"zero_output_error\":1.0,\"mean_v_error\":0.9},"
            + "\"recommendation\":{\"rule\":\"fewest FLOPs with coverage >= 0.95\","
            + "\"overall\":{\"reaches_target\":true,\"candidate\":\"dense\",\"coverage\":1.0,"
            + "\"error\":0.0},\"per_layer\":[]}}");
    CliRunner.Result r =
        CliRunner.run(
            "report",
            "--input",
            attention,
            "--output",
            report.toString(),
            "--coverage-samples",
            "8",
            "--advice",
            advice.toString());
    assertEquals(0, r.code(), r.err());
    String url = report.resolve("index.html").toUri().toString();

    Path png = tmp.resolve("report.png");
    Run shot = browser(chromium, "--window-size=1300,4400", "--screenshot=" + png, url);
    assertEquals(0, shot.code(), shot.err());
    assertNoConsoleErrors(shot.err());
    BufferedImage img = ImageIO.read(png.toFile());
    assertTrue(img.getWidth() >= 1000 && img.getHeight() >= 2000, "screenshot size");
    long barPixels = 0;
    long verdictPixels = 0;
    Set<Integer> scaleColours = new HashSet<>();
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        if (!colours.contains(rgb) && onScale(rgb)) {
          scaleColours.add(rgb);
        }
        colours.add(rgb);
        barPixels += near(rgb, BAR_RGB) ? 1 : 0;
        verdictPixels += y < 900 && near(rgb, VERDICT_RGB, 1) ? 1 : 0;
      }
    }
    assertTrue(colours.size() > 20, "the page is not blank: " + colours.size() + " colours");
    assertTrue(barPixels > 500, "chart bars were painted: " + barPixels + " bar pixels");
    assertTrue(verdictPixels > 20_000, "the verdict box is on the first screen: " + verdictPixels);
    // the legends hold 9 colours of the scale; heatmap cells are painted in many more shades
    assertTrue(
        scaleColours.size() > 40,
        "heatmap cells painted: " + scaleColours.size() + " colours of the scale");

    Run dom = browser(chromium, "--dump-dom", url);
    assertEquals(0, dom.code(), dom.err());
    assertNoConsoleErrors(dom.err());
    String html = dom.out();
    assertEquals(
        14, html.split("<svg", -1).length - 1, "4 statistics + coverage + 2 heatmaps per head");
    assertTrue(html.split("class=\"bar\"", -1).length - 1 > 50, "bars in the rendered DOM");
    assertEquals(4, html.split("class=\"chart heatmap\"", -1).length - 1, "heatmaps");
    assertEquals(
        2, html.split("class=\"chart quantiles\"", -1).length - 1, "distance on quantile axes");
    // the first screen: what ran, the recommendation, each number beside its baseline, needles
    int verdict = html.indexOf("id=\"verdict\"");
    int run = html.indexOf("id=\"run\"");
    assertTrue(verdict > 0 && verdict < run, "the verdict comes before the run table");
    String first = html.substring(verdict, run);
    for (String words :
        new String[] {
          "id=\"ran\"",
          "bigbird",
          "id=\"recommendation\"",
          "<span class=\"good\">dense</span>",
          "id=\"verdict-coverage\"",
          "keys/n",
          "id=\"verdict-error\"",
          "all-zero output has error 1",
          "id=\"verdict-needles\"",
          "Planted needles:"
        }) {
      assertTrue(first.contains(words), "first screen has " + words + ": " + first);
    }
    // the run table is a table, not a printed map
    String runTable = html.substring(run, html.indexOf("id=\"timings\""));
    assertTrue(runTable.contains("class=\"kv\""), "nested key-value tables");
    assertFalse(runTable.contains("={") || runTable.contains("{name="), "no Map.toString");
    assertTrue(html.split("class=\"cell\"", -1).length - 1 > 200, "heatmap cells in the DOM");
    for (String section :
        new String[] {
          "id=\"run\"",
          "id=\"timings\"",
          "id=\"heads\"",
          "id=\"coverage\"",
          "id=\"documents\"",
          "id=\"error\"",
          "id=\"hubs\"",
          "id=\"heatmaps\"",
          "id=\"needles\"",
          "hub mass"
        }) {
      assertTrue(html.contains(section), "rendered page has " + section);
    }
  }

  private static boolean near(int rgb, int target) {
    return near(rgb, target, 12);
  }

  private static boolean near(int rgb, int target, int tolerance) {
    for (int shift = 0; shift <= 16; shift += 8) {
      if (Math.abs(((rgb >> shift) & 0xff) - ((target >> shift) & 0xff)) > tolerance) {
        return false;
      }
    }
    return true;
  }

  private static void assertNoConsoleErrors(String stderr) throws IOException {
    for (String line : stderr.split("\n")) {
      boolean console = line.contains("CONSOLE") || line.contains("Uncaught");
      if (console
          && (line.contains("ERROR") || line.contains("Uncaught") || line.contains("error"))) {
        fail("console error in the report: " + line);
      }
    }
  }
}
