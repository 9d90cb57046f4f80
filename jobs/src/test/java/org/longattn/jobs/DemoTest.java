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
import org.longattn.datasets.SparkTestSession;
import org.longattn.datasets.model.OnnxRuntimeReference;

/**
 * {@code demo} end to end on small inputs: real text → encode (a layer's q/k/v of all-MiniLM-L6-v2)
 * → attend → advise → report, and the synthetic route (generate instead of encode); the report
 * opens with advise's own recommendation (the candidate named in {@code advice.json}) and the
 * baselines beside the run's numbers.
 */
class DemoTest {
  @TempDir Path tmp;

  @Test
  void realTextThroughTheModelsLayerToTheReport() throws Exception {
    Path text = Files.createDirectories(tmp.resolve("text"));
    String prose = OnnxRuntimeReference.prose();
    Files.writeString(text.resolve("story.txt"), prose + "\n\n" + prose);
    Path dir = tmp.resolve("demo-real");
    CliRunner.Result r =
        CliRunner.run("demo", "--dir", dir.toString(), "--text", text.toString(), "--layer", "1");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("demo: layer 1 q/k/v"), r.out());
    JsonNode dump = new ObjectMapper().readTree(dir.resolve("qkv/_longattn.json").toFile());
    assertEquals(1, dump.path("layer").asInt(), dump.toString());
    assertEquals("all-minilm-l6-v2", dump.path("model").path("name").asText(), dump.toString());
    JsonNode attention =
        new ObjectMapper().readTree(dir.resolve("attention/_longattn.json").toFile());
    assertTrue(attention.toString().contains("\"heads\":12"), attention.toString());
    assertOpensWithTheRecommendation(dir);
    long rivers =
        SparkTestSession.get()
            .read()
            .parquet(dir.resolve("qkv").toString())
            .where("token = 'river'")
            .count();
    assertTrue(rivers >= 2, "the dump holds the text's word pieces: 'river' " + rivers + " times");
  }

  @Test
  void realTextAndSyntheticDoNotMix() {
    CliRunner.Result r =
        CliRunner.run("demo", "--dir", tmp.resolve("x").toString(), "--text", "t", "--synthetic");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--text is real text"), r.err());
  }

  @Test
  void theReportOpensWithAdvisesRecommendationAndBaselines() throws Exception {
    Path dir = tmp.resolve("demo");
    CliRunner.Result r =
        CliRunner.run("demo", "--dir", dir.toString(), "--docs", "2", "--tokens", "3000");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("demo: advice"), r.out());
    assertOpensWithTheRecommendation(dir);
  }

  private static void assertOpensWithTheRecommendation(Path dir) throws Exception {
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
