package org.longattn.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
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
import org.longattn.jobs.report.ExactAttention;
import org.longattn.kernels.DenseOracle;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;

/** {@code report} on a real attend output: numbers match the output, charts are present. */
class ReportTest {
  @TempDir static Path tmp;
  static String tokens;
  static String attention;
  static String generated;

  @BeforeAll
  static void attend() {
    tokens = tmp.resolve("tok").toString();
    attention = tmp.resolve("att").toString();
    generated = tmp.resolve("tok-generated").toString();
    assertEquals(
        0,
        CliRunner.run(
                "generate",
                "--output",
                generated,
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
    // an optional `token` column (as embed writes): attend ignores it, the report shows it
    SparkTestSession.get()
        .read()
        .parquet(generated)
        .withColumn("token", concat(lit("w"), col("pos")))
        .write()
        .parquet(tokens);
    CliRunner.Result r =
        AttendRun.of(tokens, attention)
            .heads(2)
            .pattern("longformer")
            .flag("--window", 16)
            .blockSize(16)
            .stats()
            .run();
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
      String[] names = {"entropy", "mean_distance", "max_weight", "global_mass"};
      for (int st = 0; st < names.length; st++) {
        // min and max are the data's own (not a chart axis): oracle = a scan of the rows
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Row row : rows) {
          double x = row.<Float>getList(3 + st).get(h);
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
        JsonNode stat = head.get(names[st]);
        assertEquals(lo, stat.get("min").asDouble(), 1e-6 * Math.max(1, hi), names[st] + " min");
        assertEquals(hi, stat.get("max").asDouble(), 1e-6 * Math.max(1, hi), names[st] + " max");
      }
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
    assertEquals(
        14,
        html.split("<svg ", -1).length - 1,
        "4 charts per head + coverage per head + 2 default heatmap windows per head");
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
    AttentionPattern p =
        PatternSpec.of("longformer", 16, 0, false, false, Map.of(Param.WINDOW, 16)).build();
    Map<String, List<Row>> byDoc = new TreeMap<>();
    for (Row row : SparkTestSession.get().read().parquet(tokens).collectAsList()) {
      byDoc.computeIfAbsent(row.getString(0), d -> new ArrayList<>()).add(row);
    }
    Map<String, List<Float>> outs = new TreeMap<>();
    for (Row row : SparkTestSession.get().read().parquet(attention).collectAsList()) {
      outs.put(row.getString(0) + "#" + row.getInt(1), row.getList(2));
    }
    JsonNode err =
        new ObjectMapper().readTree(Path.of(out, "summary.json").toFile()).get("output_error");
    for (int h = 0; h < 2; h++) {
      double sum = 0;
      int count = 0;
      double errSum = 0;
      double errMax = 0;
      double uniformSum = 0;
      double meanVErrSum = 0;
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
          double[] exact = new double[8];
          double[] meanV = new double[8];
          int read = 0;
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
            read += mask[i][j] ? 1 : 0;
            List<Float> v = rows.get(j).getList(4);
            for (int c = 0; c < 8; c++) {
              exact[c] += e * v.get(h * 8 + c);
              meanV[c] += v.get(h * 8 + c) / (double) n;
            }
          }
          sum += kept / all;
          count++;
          // the attend output against exact softmax over every key
          List<Float> o = outs.get(doc + "#" + i);
          double diff = 0;
          double norm = 0;
          double diffMeanV = 0;
          for (int c = 0; c < 8; c++) {
            double x = exact[c] / all;
            diff += (o.get(h * 8 + c) - x) * (o.get(h * 8 + c) - x);
            diffMeanV += (meanV[c] - x) * (meanV[c] - x);
            norm += x * x;
          }
          uniformSum += (double) read / n;
          meanVErrSum += Math.sqrt(diffMeanV / norm);
          errSum += Math.sqrt(diff / norm);
          errMax = Math.max(errMax, Math.sqrt(diff / norm));
        }
      }
      JsonNode head = cov.get("per_head").get(h);
      assertEquals(count, head.get("queries").asInt());
      assertEquals(sum / count, head.get("mean").asDouble(), 1e-9, "mean coverage head " + h);
      assertTrue(head.get("mean").asDouble() < 1, "a window keeps less than everything");
      JsonNode e = err.get("per_head").get(h);
      assertEquals(errSum / count, e.get("mean").asDouble(), 1e-9, "mean output error head " + h);
      assertEquals(errMax, e.get("max").asDouble(), 1e-9, "max output error head " + h);
      assertTrue(errMax > 1e-3, "a window changes the output: " + errMax);
      // the baselines: uniform attention's coverage (keys read / n) and the mean-of-v output
      assertEquals(uniformSum / count, head.get("uniform").asDouble(), 1e-12, "keys/n head " + h);
      assertEquals(meanVErrSum / count, e.get("mean_v_error").asDouble(), 1e-9, "mean-v head " + h);
      assertEquals(1.0, e.get("zero_output_error").asDouble());
    }
    assertEquals(20, err.get("queries").asInt());
    String html = Files.readString(Path.of(out, "index.html"));
    int verdict = html.indexOf("id=\"verdict\"");
    assertTrue(verdict > 0 && verdict < html.indexOf("id=\"run\""), "the verdict comes first");
    for (String words :
        new String[] {"id=\"verdict-coverage\"", "keys/n", "id=\"verdict-error\"", "error 1"}) {
      assertTrue(html.contains(words), words);
    }
  }

  /** The token rows of every document, sorted by position. */
  private static Map<String, List<Row>> documents() {
    Map<String, List<Row>> byDoc = new TreeMap<>();
    for (Row row : SparkTestSession.get().read().parquet(tokens).collectAsList()) {
      byDoc.computeIfAbsent(row.getString(0), d -> new ArrayList<>()).add(row);
    }
    byDoc.values().forEach(rows -> rows.sort(Comparator.comparingInt(x -> x.getInt(1))));
    return byDoc;
  }

  /**
   * The pattern's softmax weights p[i][j] of head h for the queries [q0, q1] of a document (zero
   * where the explicit mask forbids), in double.
   */
  private static double[][] weights(List<Row> rows, String doc, int h, int q0, int q1) {
    return weights(rows, doc, h, q0, q1, PATTERN);
  }

  /** {@link #weights(List, String, int, int, int)} under {@code pattern}. */
  private static double[][] weights(
      List<Row> rows, String doc, int h, int q0, int q1, PatternSpec pattern) {
    int n = rows.size();
    int[] globals = rows.stream().filter(x -> x.getBoolean(5)).mapToInt(x -> x.getInt(1)).toArray();
    boolean[][] mask = DenseOracle.mask(pattern.build(), n, Seeds.docHash(doc), h, globals);
    double[][] p = new double[q1 - q0 + 1][n];
    for (int i = q0; i <= q1; i++) {
      List<Float> q = rows.get(i).getList(2);
      double max = Double.NEGATIVE_INFINITY;
      double[] s = new double[n];
      for (int j = 0; j < n; j++) {
        List<Float> k = rows.get(j).getList(3);
        double dot = 0;
        for (int c = 0; c < 8; c++) {
          dot += (double) q.get(h * 8 + c) * k.get(h * 8 + c);
        }
        s[j] = dot / Math.sqrt(8);
        max = mask[i][j] ? Math.max(max, s[j]) : max;
      }
      double sum = 0;
      for (int j = 0; j < n; j++) {
        sum += mask[i][j] ? Math.exp(s[j] - max) : 0;
      }
      for (int j = 0; j < n; j++) {
        p[i - q0][j] = mask[i][j] ? Math.exp(s[j] - max) / sum : 0;
      }
    }
    return p;
  }

  private static final PatternSpec PATTERN =
      PatternSpec.of("longformer", 16, 0, false, false, Map.of(Param.WINDOW, 16));

  /**
   * Heatmaps against the oracle: the key range is exactly the span of keys the window reads, and
   * every cell is the mean over its queries of the mass on its keys (rows of 100 queries pool
   * unevenly into 64 cells).
   */
  @Test
  void heatmapsMatchPooledOracleWeights() throws Exception {
    String out = tmp.resolve("report-heat").toString();
    CliRunner.Result r =
        CliRunner.run(
            "report",
            "--input",
            attention,
            "--output",
            out,
            "--coverage-samples",
            "0",
            "--coverage-docs",
            "2",
            "--heatmaps",
            "3",
            "--heatmap-queries",
            "100");
    assertEquals(0, r.code(), r.err());
    JsonNode maps =
        new ObjectMapper().readTree(Path.of(out, "summary.json").toFile()).get("heatmaps");
    assertEquals(3 * 2, maps.size(), "3 windows × 2 heads");
    Map<String, List<Row>> byDoc = documents();
    List<String> ids = new ArrayList<>(byDoc.keySet());
    for (int m = 0; m < maps.size(); m++) {
      JsonNode map = maps.get(m);
      String doc = map.get("doc_id").asText();
      assertEquals(ids.get((m / 2) % 2), doc, "window w in document w mod 2");
      int h = map.get("head").asInt();
      int q0 = map.get("query_start").asInt();
      int q1 = map.get("query_end").asInt();
      assertEquals(Math.min(100, byDoc.get(doc).size()), q1 - q0 + 1);
      double[][] p = weights(byDoc.get(doc), doc, h, q0, q1);
      int lo = Integer.MAX_VALUE;
      int hi = -1;
      for (double[] row : p) {
        for (int j = 0; j < row.length; j++) {
          if (row[j] > 0) {
            lo = Math.min(lo, j);
            hi = Math.max(hi, j);
          }
        }
      }
      // the range is the union over both heads; this head's keys lie inside it
      int k0 = map.get("key_start").asInt();
      int k1 = map.get("key_end").asInt();
      assertTrue(k0 <= lo && hi <= k1, "keys " + lo + ".." + hi + " inside " + k0 + ".." + k1);
      JsonNode cells = map.get("cells");
      int rowsOut = cells.size();
      int cols = cells.get(0).size();
      assertEquals(Math.min(64, q1 - q0 + 1), rowsOut);
      assertEquals(Math.min(64, k1 - k0 + 1), cols);
      double[][] want = new double[rowsOut][cols];
      int[] count = new int[rowsOut];
      for (int i = 0; i < p.length; i++) {
        int rr = (int) ((long) i * rowsOut / p.length);
        count[rr]++;
        for (int j = k0; j <= k1; j++) {
          want[rr][(int) ((long) (j - k0) * cols / (k1 - k0 + 1))] += p[i][j];
        }
      }
      for (int rr = 0; rr < rowsOut; rr++) {
        double rowSum = 0;
        for (int c = 0; c < cols; c++) {
          double w = want[rr][c] / count[rr];
          // float storage: relative 1e-6 of the row's unit mass
          assertEquals(w, cells.get(rr).get(c).asDouble(), 2e-6, doc + " cell " + rr + "," + c);
          rowSum += cells.get(rr).get(c).asDouble();
        }
        assertEquals(1, rowSum, 1e-5, "a row of cells holds all of its queries' mass");
      }
    }
    String html = Files.readString(Path.of(out, "index.html"));
    assertEquals(6, html.split("class=\"chart heatmap\"", -1).length - 1);
    assertTrue(html.contains("id=\"heatmaps\""));
  }

  /** Hub tokens and the sampled global mass against the oracle's weights of the same samples. */
  /**
   * {@link ExactAttention} without an attend run: its window is the diagonal block of the exact
   * (dense) softmax weights, normalised over every key of the document, labelled with the tokens.
   */
  @Test
  void exactAttentionWindowIsTheDenseOracleBlock() {
    Map<String, Object> exact =
        ExactAttention.compute(SparkTestSession.get(), tokens, 2, 12, 3, 150, 20);
    Map<String, List<Row>> byDoc = documents();
    String doc = byDoc.keySet().iterator().next();
    List<Row> rows = byDoc.get(doc);
    assertEquals(doc, exact.get("doc_id"), "the first document by id");
    assertEquals(rows.size(), exact.get("tokens"));
    PatternSpec dense = PatternSpec.of("dense", 64, 0, false, false, Map.of());
    List<?> window = (List<?>) exact.get("window");
    assertEquals(2, window.size(), "one map per head");
    for (int h = 0; h < 2; h++) {
      Map<?, ?> map = (Map<?, ?>) window.get(h);
      int q0 = (Integer) map.get("query_start");
      assertEquals(Math.min(150, rows.size() - 20), q0, "the start, moved left to fit");
      assertEquals(q0, map.get("key_start"), "keys: the window's own positions");
      assertEquals(q0 + 19, map.get("key_end"));
      double[][] p = weights(rows, doc, h, q0, q0 + 19, dense);
      float[][] cells = (float[][]) map.get("cells");
      assertEquals(20, cells.length);
      for (int r = 0; r < 20; r++) {
        assertEquals(20, cells[r].length);
        double inside = 0;
        for (int c = 0; c < 20; c++) {
          // float storage: relative 1e-6 of a unit mass
          assertEquals(p[r][q0 + c], cells[r][c], 2e-6, "head " + h + " cell " + r + "," + c);
          inside += cells[r][c];
        }
        assertTrue(inside < 1, "the rest of the row's mass lies outside the window: " + inside);
      }
      assertEquals("w" + (q0 + 3), ((List<?>) map.get("query_tokens")).get(3));
      assertEquals("w" + (q0 + 5), ((List<?>) map.get("key_tokens")).get(5));
    }
    Map<?, ?> hubs = (Map<?, ?>) exact.get("hubs");
    assertEquals(12, hubs.get("sampled_queries"));
    Map<?, ?> head0 = (Map<?, ?>) ((List<?>) hubs.get("per_head")).get(0);
    assertEquals(3, ((List<?>) head0.get("top_tokens")).size());
  }

  @Test
  void hubTokensMatchOracleWeights() throws Exception {
    String out = tmp.resolve("report-hubs").toString();
    CliRunner.Result r =
        CliRunner.run(
            "report",
            "--input",
            attention,
            "--output",
            out,
            "--coverage-samples",
            "12",
            "--coverage-docs",
            "2",
            "--heatmaps",
            "1",
            "--heatmap-queries",
            "20",
            "--hubs",
            "7");
    assertEquals(0, r.code(), r.err());
    JsonNode hubs = new ObjectMapper().readTree(Path.of(out, "summary.json").toFile()).get("hubs");
    assertTrue(hubs.get("token_column").asBoolean());
    Map<String, List<Row>> byDoc = documents();
    for (int h = 0; h < 2; h++) {
      List<double[]> all = new ArrayList<>(); // {doc index, pos, mass}
      Map<String, Double> byToken = new TreeMap<>(); // token "w<pos>" → Σ weights over docs
      double global = 0;
      int queries = 0;
      List<String> ids = new ArrayList<>(byDoc.keySet()).subList(0, 2);
      for (int di = 0; di < ids.size(); di++) {
        List<Row> rows = byDoc.get(ids.get(di));
        int n = rows.size();
        int[] samples = Coverage.samplePositions(n, 12, Seeds.docHash(ids.get(di)));
        int[] globals =
            PATTERN
                .build()
                .globalPositions(
                    n,
                    rows.stream()
                        .filter(x -> x.getBoolean(5))
                        .mapToInt(x -> x.getInt(1))
                        .toArray());
        double[] mass = new double[n];
        for (int i : samples) {
          double[] p = weights(rows, ids.get(di), h, i, i)[0];
          for (int j = 0; j < n; j++) {
            mass[j] += p[j] / samples.length;
            if (p[j] > 0) {
              byToken.merge("w" + j, p[j], Double::sum);
            }
          }
          for (int g : globals) {
            global += p[g];
          }
          queries++;
        }
        for (int j = 0; j < n; j++) {
          if (mass[j] > 0) {
            all.add(new double[] {di, j, mass[j]});
          }
        }
      }
      all.sort(Comparator.comparingDouble((double[] x) -> -x[2]));
      JsonNode head = hubs.get("per_head").get(h);
      assertEquals(global / queries, head.get("global_mass").asDouble(), 1e-9);
      JsonNode top = head.get("top");
      assertEquals(7, top.size());
      for (int t = 0; t < 7; t++) {
        double[] want = all.get(t);
        JsonNode got = top.get(t);
        assertEquals(ids.get((int) want[0]), got.get("doc_id").asText(), "hub " + t);
        assertEquals((int) want[1], got.get("pos").asInt(), "hub " + t);
        assertEquals(want[2], got.get("mass").asDouble(), 1e-9, "hub " + t);
        assertEquals("w" + (int) want[1], got.get("token").asText(), "token column");
      }
      // top tokens by string: the same weights summed over every key holding the string
      List<Map.Entry<String, Double>> tokenOrder = new ArrayList<>(byToken.entrySet());
      tokenOrder.sort(
          Comparator.<Map.Entry<String, Double>>comparingDouble(e -> -e.getValue())
              .thenComparing(Map.Entry::getKey));
      JsonNode topTokens = head.get("top_tokens");
      assertEquals(7, topTokens.size());
      double massSum = byToken.values().stream().mapToDouble(Double::doubleValue).sum();
      assertEquals(1.0, massSum / queries, 1e-9, "all strings hold all of the attention");
      for (int t = 0; t < 7; t++) {
        assertEquals(tokenOrder.get(t).getKey(), topTokens.get(t).get("token").asText());
        assertEquals(
            tokenOrder.get(t).getValue() / queries,
            topTokens.get(t).get("mass").asDouble(),
            1e-9,
            "token mass " + t);
      }
    }
    assertNeedlesMatchTheMask(
        new ObjectMapper().readTree(Path.of(out, "summary.json").toFile()).get("needles"));
    String html = Files.readString(Path.of(out, "index.html"));
    assertTrue(html.contains("id=\"hubs\"") && html.contains("id=\"needles\""));
    assertTrue(html.contains("id=\"top-tokens\""));
    // a short window: one query per row, labelled with its token
    JsonNode map =
        new ObjectMapper().readTree(Path.of(out, "summary.json").toFile()).get("heatmaps").get(0);
    int q0 = map.get("query_start").asInt();
    JsonNode labels = map.get("query_tokens");
    assertEquals(20, labels.size());
    for (int i = 0; i < 20; i++) {
      assertEquals("w" + (q0 + i), labels.get(i).asText());
    }
    assertTrue(html.contains("class=\"ylab token\""), "token labels drawn");
  }

  /**
   * Needle recall against the oracle's explicit mask: pair (a, b) of the {@code needle} column is
   * routed for head h iff mask[a][b].
   */
  private static void assertNeedlesMatchTheMask(JsonNode needles) {
    Map<String, List<Row>> byDoc = documents();
    List<int[]> pairs = new ArrayList<>(); // {doc index, a, b}
    List<String> ids = new ArrayList<>(byDoc.keySet());
    for (int di = 0; di < ids.size(); di++) {
      for (Row row :
          SparkTestSession.get()
              .read()
              .parquet(tokens)
              .filter(col("doc_id").equalTo(ids.get(di)).and(col("needle").isNotNull()))
              .collectAsList()) {
        pairs.add(new int[] {di, row.getInt(1), row.<Integer>getAs("needle")});
      }
    }
    assertTrue(pairs.size() >= 3, "the generator planted needles: " + pairs.size());
    assertEquals(pairs.size(), needles.get("pairs").asInt());
    for (int h = 0; h < 2; h++) {
      int routed = 0;
      for (int[] pr : pairs) {
        List<Row> rows = byDoc.get(ids.get(pr[0]));
        int[] globals =
            rows.stream().filter(x -> x.getBoolean(5)).mapToInt(x -> x.getInt(1)).toArray();
        boolean[][] mask =
            DenseOracle.mask(
                PATTERN.build(), rows.size(), Seeds.docHash(ids.get(pr[0])), h, globals);
        routed += mask[pr[1]][pr[2]] ? 1 : 0;
      }
      JsonNode head = needles.get("per_head").get(h);
      assertEquals(routed, head.get("routed").asInt(), "needles routed, head " + h);
      assertEquals((double) routed / pairs.size(), head.get("recall").asDouble(), 1e-12);
    }
  }

  /**
   * A run of a state-based family (causal linear attention): the report measures its output error
   * against exact causal softmax attention on the sampled queries (oracle: dense softmax in double
   * over j ≤ i) and leaves out the sections that need attention weights.
   */
  @Test
  void linearFamilyOutputErrorAgainstExactSoftmax() throws Exception {
    String linear = tmp.resolve("att-linear").toString();
    CliRunner.Result a =
        AttendRun.of(tokens, linear).heads(2).pattern("linear").causal().blockSize(16).run();
    assertEquals(0, a.code(), a.err());
    String out = tmp.resolve("report-linear").toString();
    CliRunner.Result r =
        CliRunner.run(
            "report",
            "--input",
            linear,
            "--output",
            out,
            "--coverage-samples",
            "6",
            "--coverage-docs",
            "2");
    assertEquals(0, r.code(), r.err());
    JsonNode s = new ObjectMapper().readTree(Path.of(out, "summary.json").toFile());
    assertTrue(s.get("sampled_note").asText().contains("linear"), s.toString());
    assertFalse(s.has("coverage") || s.has("hubs") || s.has("heatmaps"));
    JsonNode err = s.get("output_error");
    assertEquals(12, err.get("queries").asInt());
    Map<String, float[]> outs = new java.util.HashMap<>();
    for (Row row : SparkTestSession.get().read().parquet(linear).collectAsList()) {
      float[] o = new float[16];
      for (int c = 0; c < 16; c++) {
        o[c] = row.<Float>getList(2).get(c);
      }
      outs.put(row.getString(0) + "#" + row.getInt(1), o);
    }
    Map<String, List<Row>> byDoc = documents();
    for (int h = 0; h < 2; h++) {
      double sum = 0;
      double max = 0;
      for (String doc : new ArrayList<>(byDoc.keySet()).subList(0, 2)) {
        List<Row> rows = byDoc.get(doc);
        for (int i : Coverage.samplePositions(rows.size(), 6, Seeds.docHash(doc))) {
          double[] exact = causalSoftmax(rows, h, i);
          float[] o = outs.get(doc + "#" + i);
          double diff = 0;
          double norm = 0;
          for (int c = 0; c < 8; c++) {
            diff += (o[h * 8 + c] - exact[c]) * (o[h * 8 + c] - exact[c]);
            norm += exact[c] * exact[c];
          }
          double rel = Math.sqrt(diff) / Math.sqrt(norm);
          sum += rel;
          max = Math.max(max, rel);
        }
      }
      JsonNode head = err.get("per_head").get(h);
      assertEquals(sum / 12, head.get("mean").asDouble(), 1e-6, "mean error, head " + h);
      assertEquals(max, head.get("max").asDouble(), 1e-6, "max error, head " + h);
      assertTrue(max > 1e-3, "linear attention is not softmax: the error is not zero");
    }
    String html = Files.readString(Path.of(out, "index.html"));
    assertTrue(html.contains("id=\"error\"") && html.contains("id=\"sampled\""));
  }

  /** Exact causal softmax attention of query i, head h (d = dv = 8), in double. */
  private static double[] causalSoftmax(List<Row> rows, int h, int i) {
    List<Float> q = rows.get(i).getList(2);
    double[] s = new double[i + 1];
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j <= i; j++) {
      List<Float> k = rows.get(j).getList(3);
      double dot = 0;
      for (int c = 0; c < 8; c++) {
        dot += (double) q.get(h * 8 + c) * k.get(h * 8 + c);
      }
      s[j] = dot / Math.sqrt(8);
      max = Math.max(max, s[j]);
    }
    double l = 0;
    double[] o = new double[8];
    for (int j = 0; j <= i; j++) {
      double p = Math.exp(s[j] - max);
      l += p;
      List<Float> v = rows.get(j).getList(4);
      for (int c = 0; c < 8; c++) {
        o[c] += p * v.get(h * 8 + c);
      }
    }
    for (int c = 0; c < 8; c++) {
      o[c] /= l;
    }
    return o;
  }

  @Test
  void refusesWhatIsNotAnAttendOutput() {
    CliRunner.Result r =
        CliRunner.run("report", "--input", generated, "--output", tmp.resolve("bad").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("not attend"), r.err());
    assertFalse(Files.exists(tmp.resolve("bad")));
  }
}
