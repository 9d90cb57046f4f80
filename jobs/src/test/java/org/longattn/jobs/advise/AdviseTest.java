package org.longattn.jobs.advise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.jobs.CliRunner;
import org.longattn.jobs.TokenTables;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;

/**
 * {@code advise} against a brute-force double-precision oracle: per sampled query and head, the
 * full softmax over every non-padding key and an explicit key mask per candidate built from the
 * pattern's reference semantics ({@link AttentionPattern#localAllows}, globals, direction,
 * padding).
 */
class AdviseTest {
  @TempDir static Path tmp;

  static final int HEADS = 2;
  static final int D = 4;
  static final int DV = 3;
  static final String HOSTILE = "<b>doc \"&' </b>\n<script>x</script>";

  static final String CANDIDATES =
      "longformer:w=12:b=8,bigbird:b=8:r=2,sink:s=3:w=20:b=8,strided:l=8:b=8,dense:b=8";

  /** The same candidates, built here from PatternSpec, not from advise's parser. */
  static final List<PatternSpec> SPECS =
      List.of(
          PatternSpec.of("longformer", 8, 0, false, false, Map.of(Param.WINDOW, 12)),
          PatternSpec.of("bigbird", 8, 0, false, false, Map.of(Param.RANDOM_BLOCKS, 2)),
          PatternSpec.of("sink", 8, 0, true, false, Map.of(Param.WINDOW, 20)).withSinks(3),
          PatternSpec.of("strided", 8, 0, false, false, Map.of(Param.STRIDE, 8)),
          PatternSpec.of("dense", 8, 0, false, false, Map.of()));

  static List<TokenTables.Doc> docs;
  static Map<String, boolean[]> padded;
  static String table;
  static String advice1;
  static String advice3;

  @BeforeAll
  static void run() throws Exception {
    docs =
        List.of(
            TokenTables.random("a", 150, HEADS * D, HEADS * DV, 3, 1),
            TokenTables.random(HOSTILE, 97, HEADS * D, HEADS * DV, 2, 2),
            TokenTables.random("c", 61, HEADS * D, HEADS * DV, 0, 3));
    padded = new HashMap<>();
    for (TokenTables.Doc d : docs) {
      boolean[] p = new boolean[d.n()];
      for (int i = 0; i < d.n(); i++) {
        p[i] = i % 13 == 5 || i >= d.n() - 4; // scattered and trailing padding
      }
      padded.put(d.id(), p);
    }
    table = tmp.resolve("tok").toString();
    List<Row> rows = TokenTables.rowsWithMask(docs, padded, 11);
    TokenTables.write(rows, TokenTables.SCHEMA_WITH_MASK, table, 1);
    advice1 = advise(table, "adv1", "1");
    TokenTables.write(rows, TokenTables.SCHEMA_WITH_MASK, table, 3); // same path, 3 files
    advice3 = advise(table, "adv3", "3");
  }

  static String advise(String input, String out, String partitions) throws Exception {
    CliRunner.Result r =
        CliRunner.run(
            "advise",
            "--input",
            input,
            "--output",
            tmp.resolve(out).toString(),
            "--heads",
            "" + HEADS,
            "--candidates",
            CANDIDATES,
            "--samples",
            "20",
            "--seed",
            "7",
            "--partitions",
            partitions,
            "--span-tokens",
            "64"); // 64-token key spans: 2 or 3 per document, folded in span order
    assertEquals(0, r.code(), r.err());
    return Files.readString(tmp.resolve(out).resolve("advice.json"));
  }

  @Test
  void coverageAndErrorEqualTheBruteForceOracle() throws Exception {
    JsonNode a = new ObjectMapper().readTree(advice1);
    assertEquals(3, a.get("samples").size());
    List<double[][]> expected = oracle(a.get("samples"), docs, null); // [candidate][head]{cov, err}
    JsonNode cands = a.get("candidates");
    assertEquals(SPECS.size(), cands.size());
    for (int c = 0; c < SPECS.size(); c++) {
      JsonNode cand = cands.get(c);
      assertEquals(CANDIDATES.split(",")[c], cand.get("name").asText());
      assertEquals(HEADS, cand.get("heads").size());
      for (int h = 0; h < HEADS; h++) {
        JsonNode e = cand.get("heads").get(h);
        assertEquals(h, e.get("head").asInt());
        assertFalse(e.has("layer"));
        assertEquals(expected.get(c)[h][0], e.get("coverage").asDouble(), 1e-12, cand + " h" + h);
        assertEquals(expected.get(c)[h][1], e.get("error").asDouble(), 1e-9, cand + " h" + h);
        assertEquals(expected.get(c)[h][2], e.get("uniform_coverage").asDouble(), 1e-12);
      }
    }
    // dense keeps everything; the sparse ones keep less than all on random q, k
    assertEquals(1.0, cands.get(4).get("coverage").asDouble(), 1e-12);
    assertEquals(0.0, cands.get(4).get("error").asDouble(), 1e-12);
    assertTrue(cands.get(0).get("coverage").asDouble() < 0.9);
  }

  @Test
  void samplesAreSeededDistinctNonPaddingPositions() throws Exception {
    JsonNode s = new ObjectMapper().readTree(advice1).get("samples");
    for (TokenTables.Doc d : docs) {
      JsonNode pos = s.get(d.id());
      int real = 0;
      for (boolean p : padded.get(d.id())) {
        real += p ? 0 : 1;
      }
      assertEquals(Math.min(20, real), pos.size(), d.id());
      for (int i = 0; i < pos.size(); i++) {
        assertFalse(padded.get(d.id())[pos.get(i).asInt()]);
        assertTrue(i == 0 || pos.get(i).asInt() > pos.get(i - 1).asInt());
      }
    }
  }

  @Test
  void adviceIsBitwiseTheSameForOneAndThreePartitions() {
    assertEquals(advice1, advice3);
  }

  @Test
  void layerColumnGivesOneEntryPerLayerAndHead() throws Exception {
    // layer 0: the docs above; layer 1: other vectors, same positions and padding
    List<TokenTables.Doc> other = new ArrayList<>();
    for (TokenTables.Doc d : docs) {
      TokenTables.Doc r = TokenTables.random(d.id(), d.n(), HEADS * D, HEADS * DV, 0, 99);
      other.add(new TokenTables.Doc(d.id(), d.n(), r.q(), r.k(), r.v(), d.globals()));
    }
    StructType schema = TokenTables.SCHEMA_WITH_MASK.add("layer", DataTypes.IntegerType);
    List<Row> rows = new ArrayList<>();
    for (int layer = 0; layer < 2; layer++) {
      for (Row r : TokenTables.rowsWithMask(layer == 0 ? docs : other, padded, 5)) {
        Object[] v = new Object[r.length() + 1];
        for (int c = 0; c < r.length(); c++) {
          v[c] = r.get(c);
        }
        v[r.length()] = layer * 3 + 2; // layers 2 and 5
        rows.add(RowFactory.create(v));
      }
    }
    String layered = tmp.resolve("tok-layers").toString();
    TokenTables.write(rows, schema, layered, 2);
    JsonNode a = new ObjectMapper().readTree(advise(layered, "adv-layers", "0"));
    assertEquals("[2,5]", a.get("layers").toString());
    List<double[][]> l2 = oracle(a.get("samples"), docs, null);
    List<double[][]> l5 = oracle(a.get("samples"), other, null);
    for (int c = 0; c < SPECS.size(); c++) {
      JsonNode heads = a.get("candidates").get(c).get("heads");
      assertEquals(2 * HEADS, heads.size());
      for (int e = 0; e < heads.size(); e++) {
        JsonNode h = heads.get(e);
        double[] want = (e < HEADS ? l2 : l5).get(c)[h.get("head").asInt()];
        assertEquals(e < HEADS ? 2 : 5, h.get("layer").asInt());
        assertEquals(want[0], h.get("coverage").asDouble(), 1e-12);
        assertEquals(want[1], h.get("error").asDouble(), 1e-9);
      }
      assertEquals(2, a.get("candidates").get(c).get("layers").size());
    }
    assertEquals(2, a.get("recommendation").get("per_layer").size());
  }

  @Test
  void recommendationIsTheCheapestPassingCandidate() throws Exception {
    JsonNode a = new ObjectMapper().readTree(advice1);
    // recomputed here from the candidates' own numbers
    String cheapest = null;
    double flops = Double.POSITIVE_INFINITY;
    for (JsonNode c : a.get("candidates")) {
      double f = c.get("cost").get("flops").asDouble();
      if (c.get("coverage").asDouble() >= 0.95 && f < flops) {
        flops = f;
        cheapest = c.get("name").asText();
      }
    }
    assertEquals(cheapest, a.get("recommendation").get("overall").get("candidate").asText());
    // and on crafted numbers: the cheaper of two passing ones; none when nothing passes
    List<Map<String, Object>> cands = new ArrayList<>();
    double[][] costs = {{1e6, 10}, {5e6, 40}, {3e6, 30}, {9e6, 90}};
    for (int c = 0; c < costs.length; c++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", "c" + c);
      m.put("cost", Map.of("flops", costs[c][0], "keys_per_query", costs[c][1]));
      cands.add(m);
    }
    double[] cov = {0.5, 0.97, 0.96, 0.99};
    double[] err = {0.9, 0.1, 0.3, 0.01};
    AdviseParams p = params(0.95, null);
    assertEquals("c2", Verdict.pick(p, cands, cov, err).get("candidate"));
    assertEquals("c1", Verdict.pick(params(0.95, 0.2), cands, cov, err).get("candidate"));
    Map<String, Object> none = Verdict.pick(params(0.999, null), cands, cov, err);
    assertNull(none.get("candidate"));
    assertEquals(false, none.get("reaches_target"));
    assertEquals("c3", none.get("best"));
  }

  static AdviseParams params(double target, Double maxError) {
    return new AdviseParams("in", "out", false, 1, List.of(), target, maxError, 1, 0, false, 0, 64);
  }

  @Test
  void htmlParsesHasTheVerdictAndEscapesDocumentIds() throws Exception {
    String html = Files.readString(tmp.resolve("adv1").resolve("index.html"));
    Document doc = Jsoup.parse(html);
    assertTrue(doc.select("script").isEmpty(), "no scripts (the hostile id stays text)");
    assertTrue(doc.selectFirst("#verdict").text().startsWith("Recommendation: "));
    JsonNode a = new ObjectMapper().readTree(advice1);
    String rec = a.get("recommendation").get("overall").get("candidate").asText();
    assertTrue(doc.selectFirst("#verdict").text().contains(rec));
    assertTrue(doc.text().contains(HOSTILE.replace("\n", " ").replaceAll(" +", " ").trim()));
    assertEquals(SPECS.size() + 1, doc.select("#candidates tr").size());
    assertFalse(doc.select("svg circle").isEmpty());
    assertFalse(html.contains("http://") && html.contains("<link"));
    // the frontier stands alone too (a notebook shows it): the page's charts, with their style
    @SuppressWarnings("unchecked")
    Map<String, Object> advice = new ObjectMapper().readValue(advice1, Map.class);
    Document section = Jsoup.parse(AdviceHtml.frontierSection(advice));
    assertEquals(1 + HEADS, section.select("svg.frontier").size(), "all heads + one per head");
    assertEquals(
        doc.select("svg.frontier").outerHtml(), section.select("svg.frontier").outerHtml());
    assertTrue(section.selectFirst("style").data().contains(".frontier text"));
  }

  @Test
  void needlesGetARecallPerCandidate() throws Exception {
    String gen = tmp.resolve("gen").toString();
    assertEquals(
        0,
        CliRunner.run(
                "generate",
                "--output",
                gen,
                "--docs",
                "2",
                "--tokens",
                "300",
                "--heads",
                "2",
                "--head-dim",
                "4",
                "--needles",
                "6",
                "--seed",
                "3")
            .code());
    CliRunner.Result r =
        CliRunner.run(
            "advise",
            "--input",
            gen,
            "--output",
            tmp.resolve("adv-gen").toString(),
            "--candidates",
            "longformer:w=8:b=8,dense:b=8",
            "--samples",
            "4");
    assertEquals(0, r.code(), r.err());
    JsonNode n =
        new ObjectMapper()
            .readTree(Files.readString(tmp.resolve("adv-gen").resolve("advice.json")))
            .get("needles");
    assertEquals(12, n.get("needles").asInt());
    // expected: every needle is far (|a - b| > 8 with a window of 8 needs a global end to be read)
    List<Row> needles =
        SparkTestSession.get()
            .read()
            .parquet(gen)
            .filter("needle is not null")
            .select("doc_id", "pos", "needle", "global")
            .collectAsList();
    Map<String, int[]> globals = new HashMap<>();
    for (Row g :
        SparkTestSession.get()
            .read()
            .parquet(gen)
            .filter("global")
            .select("doc_id", "pos")
            .collectAsList()) {
      int[] old = globals.getOrDefault(g.getString(0), new int[0]);
      int[] now = Arrays.copyOf(old, old.length + 1);
      now[old.length] = g.getInt(1);
      Arrays.sort(now);
      globals.put(g.getString(0), now);
    }
    AttentionPattern lf =
        PatternSpec.of("longformer", 8, 0, false, false, Map.of(Param.WINDOW, 8)).build();
    long found = 0;
    for (Row row : needles) {
      int[] g = globals.getOrDefault(row.getString(0), new int[0]);
      int a = row.getInt(1);
      int b = row.getInt(2);
      boolean in =
          Arrays.binarySearch(g, a) >= 0
              || Arrays.binarySearch(g, b) >= 0
              || lf.localAllows(300, Seeds.docHash(row.getString(0)), 0, a, b);
      found += in ? 2 : 0; // longformer: same key set in both heads
    }
    JsonNode lfOut = n.get("candidates").get(0);
    assertEquals(found, lfOut.get("found").asLong());
    assertEquals(24, lfOut.get("pairs").asInt());
    assertEquals(1.0, n.get("candidates").get(1).get("recall").asDouble());
    assertTrue(lfOut.get("recall").asDouble() < 1.0);
    String html = Files.readString(tmp.resolve("adv-gen").resolve("index.html"));
    assertFalse(Jsoup.parse(html).select("#needles").isEmpty());
  }

  @Test
  void badInputIsOneLineExitTwoAndWritesNothing() {
    String[][] cases = {
      {"--candidates", "nosuch:w=3"},
      {"--candidates", "longformer:r=3"},
      {"--candidates", "longformer:w=x"},
      {"--candidates", "longformer:w=4,longformer:w=4"},
      {"--candidates", "dense,"},
      {"--candidates", "dense", "--target-coverage", "1.5"},
      {"--candidates", "dense", "--heads", "3"},
    };
    int k = 0;
    for (String[] extra : cases) {
      Path out = tmp.resolve("bad" + k++);
      List<String> args =
          new ArrayList<>(List.of("advise", "--input", table, "--output", out.toString()));
      args.addAll(Arrays.asList(extra));
      if (!args.contains("--heads")) {
        args.addAll(List.of("--heads", "" + HEADS));
      }
      CliRunner.Result r = CliRunner.run(args.toArray(new String[0]));
      assertEquals(2, r.code(), String.join(" ", extra) + ": " + r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().startsWith("longattn: error: "), r.err());
      assertFalse(Files.exists(out));
    }
  }

  /**
   * Per candidate and head: {mean coverage, mean error, mean |K|/keys} over the sampled queries of
   * all documents, by brute force in double with an explicit mask.
   */
  static List<double[][]> oracle(JsonNode samples, List<TokenTables.Doc> ds, Object unused) {
    double[][][] sum = new double[SPECS.size()][HEADS][3];
    int queries = 0;
    for (TokenTables.Doc d : ds) {
      boolean[] pad = padded.get(d.id());
      JsonNode pos = samples.get(d.id());
      long hash = Seeds.docHash(d.id());
      for (JsonNode pn : pos) {
        int i = pn.asInt();
        queries++;
        for (int h = 0; h < HEADS; h++) {
          double[] s = new double[d.n()];
          double mx = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < d.n(); j++) {
            if (pad[j]) {
              continue;
            }
            double dot = 0;
            for (int x = 0; x < D; x++) {
              dot += (double) d.q()[i * HEADS * D + h * D + x] * d.k()[j * HEADS * D + h * D + x];
            }
            s[j] = dot / Math.sqrt(D);
            mx = Math.max(mx, s[j]);
          }
          double z = 0;
          double[] o = new double[DV];
          int keys = 0;
          for (int j = 0; j < d.n(); j++) {
            if (!pad[j]) {
              double e = Math.exp(s[j] - mx);
              z += e;
              keys++;
              for (int x = 0; x < DV; x++) {
                o[x] += e * d.v()[j * HEADS * DV + h * DV + x];
              }
            }
          }
          for (int x = 0; x < DV; x++) {
            o[x] /= z;
          }
          for (int c = 0; c < SPECS.size(); c++) {
            AttentionPattern p = SPECS.get(c).build();
            int[] g =
                Arrays.stream(p.globalPositions(d.n(), d.globals())).filter(x -> !pad[x]).toArray();
            boolean gi = Arrays.binarySearch(g, i) >= 0;
            double zc = 0;
            double[] oc = new double[DV];
            int kc = 0;
            for (int j = 0; j < d.n(); j++) {
              boolean mask =
                  !pad[j]
                      && p.directionAllows(i, j)
                      && (gi
                          || Arrays.binarySearch(g, j) >= 0
                          || p.localAllows(d.n(), hash, h, i, j));
              if (mask) {
                double e = Math.exp(s[j] - mx);
                zc += e;
                kc++;
                for (int x = 0; x < DV; x++) {
                  oc[x] += e * d.v()[j * HEADS * DV + h * DV + x];
                }
              }
            }
            double diff = 0;
            double norm = 0;
            for (int x = 0; x < DV; x++) {
              double ocx = zc == 0 ? 0 : oc[x] / zc;
              diff += (ocx - o[x]) * (ocx - o[x]);
              norm += o[x] * o[x];
            }
            sum[c][h][0] += zc / z;
            sum[c][h][1] += Math.sqrt(diff) / Math.sqrt(norm);
            sum[c][h][2] += kc / (double) keys;
          }
        }
      }
    }
    List<double[][]> out = new ArrayList<>();
    for (int c = 0; c < SPECS.size(); c++) {
      double[][] m = new double[HEADS][3];
      for (int h = 0; h < HEADS; h++) {
        for (int k = 0; k < 3; k++) {
          m[h][k] = sum[c][h][k] / queries;
        }
      }
      out.add(m);
    }
    return out;
  }
}
