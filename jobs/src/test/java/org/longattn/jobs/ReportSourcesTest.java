package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;

/**
 * The report's other inputs: a token table that moved since the run ({@code --tokens}, and the
 * check before any work), and an {@code advise} output shown on the first screen ({@code
 * --advice}).
 */
class ReportSourcesTest {
  @TempDir static Path tmp;
  static Path moved;
  static String attention;

  @BeforeAll
  static void attendThenMoveTheTable() throws Exception {
    Path tokens = tmp.resolve("tok");
    attention = tmp.resolve("att").toString();
    assertEquals(
        0,
        CliRunner.run(
                "generate",
                "--output",
                tokens.toString(),
                "--docs",
                "1",
                "--tokens",
                "300",
                "--heads",
                "2",
                "--head-dim",
                "8",
                "--seed",
                "3")
            .code());
    CliRunner.Result r =
        AttendRun.of(tokens.toString(), attention)
            .heads(2)
            .pattern("longformer")
            .flag("--window", 16)
            .blockSize(16)
            .run();
    assertEquals(0, r.code(), r.err());
    moved = tmp.resolve("tok-moved");
    Files.move(tokens, moved);
  }

  @Test
  void aMovedTokenTableIsOneLineBeforeAnyWork() throws Exception {
    SparkContext sc = SparkTestSession.get().sparkContext();
    AtomicInteger jobs = new AtomicInteger();
    SparkListener count =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart e) {
            jobs.incrementAndGet();
          }
        };
    sc.addSparkListener(count);
    long t0 = System.nanoTime();
    Path out = tmp.resolve("report-missing");
    CliRunner.Result r = CliRunner.run("report", "--input", attention, "--output", out.toString());
    double seconds = (System.nanoTime() - t0) / 1e9;
    sc.listenerBus().waitUntilEmpty();
    sc.removeSparkListener(count);
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("--tokens") && r.err().contains("_longattn.json"), r.err());
    assertEquals(0, jobs.get(), "no Spark job ran before the refusal (" + seconds + " s)");
    assertFalse(Files.exists(out), "nothing written");

    CliRunner.Result wrong =
        CliRunner.run(
            "report",
            "--input",
            attention,
            "--output",
            out.toString(),
            "--tokens",
            tmp.resolve("nowhere").toString());
    assertEquals(2, wrong.code(), wrong.err());
    assertTrue(wrong.err().contains("--tokens") && wrong.err().contains("nowhere"), wrong.err());
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void tokensOverrideAndAdviceOnTheFirstScreen() throws Exception {
    Path advice = tmp.resolve("advice");
    Files.createDirectories(advice);
    // the fields of an advise output the first screen reads
    Files.writeString(
        advice.resolve("advice.json"),
        "{\"target_coverage\":0.95,\"candidates\":[{\"name\":\"longformer:w=64\","
            + "\"cost\":{\"keys_per_query\":192,\"flops\":1000},\"coverage\":0.97,\"error\":0.05,"
            + "\"heads\":[]},{\"name\":\"dense\",\"cost\":{\"keys_per_query\":300},"
            + "\"coverage\":1.0,\"error\":0.0,\"heads\":[]}],"
            + "\"baselines\":{\"zero_output_error\":1.0,\"mean_v_error\":0.9,"
            + "\"uniform_coverage\":{\"longformer:w=64\":0.64,\"dense\":1.0}},"
            + "\"recommendation\":{\"rule\":\"fewest FLOPs with coverage >= 0.95\","
            + "\"overall\":{\"reaches_target\":true,\"candidate\":\"longformer:w=64\","
            + "\"coverage\":0.97,\"error\":0.05},\"per_layer\":[]}}");
    Path out = tmp.resolve("report-moved");
    CliRunner.Result r =
        CliRunner.run(
            "report",
            "--input",
            attention,
            "--output",
            out.toString(),
            "--tokens",
            moved.toString(),
            "--advice",
            advice.toString(),
            "--coverage-samples",
            "4",
            "--heatmaps",
            "1");
    assertEquals(0, r.code(), r.err());
    JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals(moved.toString(), s.get("tokens").asText());
    assertEquals(2, s.get("coverage").get("per_head").size());
    assertEquals(
        "longformer:w=64",
        s.get("advice").get("recommendation").get("overall").get("candidate").asText());
    String html = Files.readString(out.resolve("index.html"));
    int rec = html.indexOf("id=\"recommendation\"");
    assertTrue(rec > 0 && rec < html.indexOf("id=\"run\""), "recommendation on the first screen");
    assertTrue(
        html.substring(rec)
            .startsWith(
                "id=\"recommendation\"><b>Recommendation:</b> "
                    + "<span class=\"good\">longformer:w=64</span>"),
        html.substring(rec, rec + 200));

    CliRunner.Result bad =
        CliRunner.run(
            "report",
            "--input",
            attention,
            "--output",
            tmp.resolve("report-bad-advice").toString(),
            "--tokens",
            moved.toString(),
            "--advice",
            moved.toString());
    assertEquals(2, bad.code(), bad.err());
    assertTrue(bad.err().contains("advice.json"), bad.err());
    assertFalse(Files.exists(tmp.resolve("report-bad-advice")));
  }
}
