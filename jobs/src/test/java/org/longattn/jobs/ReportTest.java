package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.jobs.report.Coverage;
import org.longattn.kernels.DenseOracle;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;

/** {@code report} on a real attend output: numbers match the output, charts are present. */
class ReportTest {
  @TempDir static Path tmp;
  static String tokens;
  static String attention;

  @BeforeAll
  static void attend() {
    tokens = tmp.resolve("tok").toString();
    attention = tmp.resolve("att").toString();
    assertEquals(
        0,
        CliRunner.run(
                "generate",
                "--output",
                tokens,
                "--docs",
                "3",
                "--min-tokens",
                "200",
                "--max-tokens",
                "700",
                "--heads",
                "2",
                "--head-dim",
                "8",
                "--seed",
                "4",
                "--global-fraction",
                "0.02")
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
            "16",
            "--block-size",
            "16",
            "--stats");
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void summaryMatchesTheOutputAndTheHtmlHasItsCharts() throws Exception {
    String out = tmp.resolve("report").toString();
    CliRunner.Result r =
        CliRunner.run("report", "--input", attention, "--output", out, "--bins", "25");
    assertEquals(0, r.code(), r.err());
    JsonNode s = new ObjectMapper().readTree(Path.of(out, "summary.json").toFile());
    List<Row> rows = SparkTestSession.get().read().parquet(attention).collectAsList();
    assertEquals(rows.size(), s.get("rows").asLong());
    assertEquals(3, s.get("documents").asInt());
    for (int h = 0; h < 2; h++) {
      double sum = 0;
      double gsum = 0;
      for (Row row : rows) {
        sum += row.<Float>getList(3).get(h);
        gsum += row.<Float>getList(6).get(h);
      }
      JsonNode head = s.get("per_head").get(h);
      assertEquals(sum / rows.size(), head.get("entropy").get("mean").asDouble(), 1e-6);
      assertEquals(gsum / rows.size(), head.get("global_mass").get("mean").asDouble(), 1e-6);
      for (String stat : new String[] {"entropy", "mean_distance", "max_weight", "global_mass"}) {
        JsonNode counts = head.get(stat).get("histogram").get("counts");
        assertEquals(25, counts.size());
        long total = 0;
        for (JsonNode c : counts) {
          total += c.asLong();
        }
        assertEquals(rows.size(), total, stat + " histogram holds every row");
      }
    }
    String html = Files.readString(Path.of(out, "index.html"));
    assertEquals(10, html.split("<svg ", -1).length - 1, "4 charts per head + coverage per head");
    for (String section :
        new String[] {
          "id=\"run\"",
          "id=\"timings\"",
          "id=\"heads\"",
          "id=\"documents\"",
          "entropy (nats)",
          "longformer"
        }) {
      assertTrue(html.contains(section), section);
    }
    assertFalse(html.contains("<script"), "no scripts");
    assertFalse(
        html.contains("http://")
            && html.replace("http://www.w3.org/2000/svg", "").contains("http://"),
        "no network references");
  }

  /** Coverage against a direct computation with the oracle's explicit mask. */
  @Test
  void coverageMatchesADirectComputation() throws Exception {
    String out = tmp.resolve("report-cov").toString();
    CliRunner.Result r =
        CliRunner.run(
            "report",
            "--input",
            attention,
            "--output",
            out,
            "--coverage-samples",
            "10",
            "--coverage-docs",
            "2");
    assertEquals(0, r.code(), r.err());
    JsonNode cov =
        new ObjectMapper().readTree(Path.of(out, "summary.json").toFile()).get("coverage");
    assertEquals(2, cov.get("documents").asInt());
    AttentionPattern p = new PatternSpec("longformer", 16, 16, 1, 3, 0, false).build();
    Map<String, List<Row>> byDoc = new TreeMap<>();
    for (Row row : SparkTestSession.get().read().parquet(tokens).collectAsList()) {
      byDoc.computeIfAbsent(row.getString(0), d -> new ArrayList<>()).add(row);
    }
    for (int h = 0; h < 2; h++) {
      double sum = 0;
      int count = 0;
      for (String doc : new ArrayList<>(byDoc.keySet()).subList(0, 2)) {
        List<Row> rows = byDoc.get(doc);
        rows.sort(Comparator.comparingInt(x -> x.getInt(1)));
        int n = rows.size();
        int[] globals =
            rows.stream().filter(x -> x.getBoolean(5)).mapToInt(x -> x.getInt(1)).toArray();
        boolean[][] mask = DenseOracle.mask(p, n, Seeds.docHash(doc), h, globals);
        for (int i : Coverage.samplePositions(n, 10, Seeds.docHash(doc))) {
          double all = 0;
          double kept = 0;
          List<Float> q = rows.get(i).getList(2);
          for (int j = 0; j < n; j++) {
            List<Float> k = rows.get(j).getList(3);
            double dot = 0;
            for (int c = 0; c < 8; c++) {
              dot += (double) q.get(h * 8 + c) * k.get(h * 8 + c);
            }
            double e = Math.exp(dot / Math.sqrt(8));
            all += e;
            kept += mask[i][j] ? e : 0;
          }
          sum += kept / all;
          count++;
        }
      }
      JsonNode head = cov.get("per_head").get(h);
      assertEquals(count, head.get("queries").asInt());
      assertEquals(sum / count, head.get("mean").asDouble(), 1e-9, "mean coverage head " + h);
      assertTrue(head.get("mean").asDouble() < 1, "a window keeps less than everything");
    }
  }

  @Test
  void refusesWhatIsNotAnAttendOutput() {
    CliRunner.Result r =
        CliRunner.run("report", "--input", tokens, "--output", tmp.resolve("bad").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("not attend"), r.err());
    assertFalse(Files.exists(tmp.resolve("bad")));
  }
}
