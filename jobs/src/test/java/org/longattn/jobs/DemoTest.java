package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo} end to end on small documents: generate → attend → advise → report, and the report
 * opens with advise's own recommendation (the candidate named in {@code advice.json}) and the
 * baselines beside the run's numbers.
 */
class DemoTest {
  @TempDir Path tmp;

  @Test
  void theReportOpensWithAdvisesRecommendationAndBaselines() throws Exception {
    Path dir = tmp.resolve("demo");
    CliRunner.Result r =
        CliRunner.run("demo", "--dir", dir.toString(), "--docs", "2", "--tokens", "3000");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("demo: advice"), r.out());

    JsonNode advice = new ObjectMapper().readTree(dir.resolve("advice/advice.json").toFile());
    JsonNode overall = advice.path("recommendation").path("overall");
    assertEquals(4, advice.path("candidates").size(), "the demo weighs four candidates");
    String recommended = overall.path("candidate").asText(null);
    assertNotNull(recommended, advice.toString());

    Document html = Jsoup.parse(dir.resolve("report/index.html").toFile(), "UTF-8");
    Element verdict = html.getElementById("verdict");
    assertNotNull(verdict, "the report opens with a verdict");
    Element firstChart = html.body().selectFirst("svg");
    assertNotNull(firstChart, "the report has charts");
    assertTrue(
        verdict.siblingIndex() < firstChart.siblingIndex()
            || html.body().getAllElements().indexOf(verdict)
                < html.body().getAllElements().indexOf(firstChart),
        "the verdict comes before the charts");
    Element rec = html.getElementById("recommendation");
    assertNotNull(rec, "the recommendation from advise is on the first screen");
    assertTrue(rec.text().contains(recommended), rec.text() + " names " + recommended);
    assertTrue(
        html.getElementById("verdict-coverage").text().toLowerCase().contains("uniform"),
        "coverage beside the uniform keys/n baseline");
    assertTrue(
        html.getElementById("verdict-error").text().toLowerCase().contains("zero"),
        "error beside the zero output's error");
    assertTrue(Files.exists(dir.resolve("advice/index.html")));
  }
}
