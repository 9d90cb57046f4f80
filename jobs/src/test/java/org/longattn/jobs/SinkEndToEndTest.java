package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * {@code attend --pattern sink} through the real CLI: exact against the dense oracle, bitwise the
 * same for 1, 3 and 8 partitions (and with the no-op {@code --causal}); {@code --anticausal} and
 * {@code --sinks} on another pattern refused; {@code --dry-run} and {@code pattern} print it.
 */
class SinkEndToEndTest {
  @TempDir static Path tmp;

  private static final int HEADS = 2;

  private static Map<String, float[]> rows(String out) {
    Map<String, float[]> got = new HashMap<>();
    for (Row row : SparkTestSession.get().read().parquet(out).collectAsList()) {
      float[] a = new float[HEADS * OracleCase.DV + 4 * HEADS];
      int k = 0;
      for (int c = 2; c <= 6; c++) {
        for (Object x : row.getList(c)) {
          a[k++] = (Float) x;
        }
      }
      got.put(row.getString(0) + "#" + row.getInt(1), a);
    }
    return got;
  }

  private static List<String> attend(String in, String out, String... extra) {
    return new ArrayList<>(
        List.of(
            AttendRun.of(in, out)
                .pattern("sink")
                .heads(HEADS)
                .flag("--sinks", 5)
                .flag("--window", 40)
                .blockSize(16)
                .spanTokens(32)
                .stats()
                .flags(List.of(extra))
                .args()));
  }

  @Test
  void exactAndBitwiseEqualFor1And3And8Partitions() throws Exception {
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("long", 1201, HEADS * OracleCase.D, HEADS * OracleCase.DV, 3, 11),
            TokenTables.random("short", 9, HEADS * OracleCase.D, HEADS * OracleCase.DV, 1, 12));
    AttentionPattern p =
        PatternSpec.of(
                "sink", 16, 0, false, false, Map.of(Param.WINDOW, 40, Param.RANDOM_BLOCKS, 0))
            .withSinks(5)
            .build();
    Map<String, float[]> first = null;
    String[][] runs = {{"1"}, {"3"}, {"8"}, {"3", "--causal"}};
    for (String[] run : runs) {
      int parts = Integer.parseInt(run[0]);
      String name = String.join("", run).replace("-", "");
      String in = tmp.resolve("in-" + name).toString();
      String out = tmp.resolve("out-" + name).toString();
      TokenTables.write(TokenTables.rows(docs, parts), in, parts);
      List<String> args = attend(in, out, "--partitions", run[0]);
      if (run.length > 1) {
        args.add(run[1]);
      }
      CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
      assertEquals(0, r.code(), r.err());
      Map<String, float[]> got = rows(out);
      assertEquals(1201 + 9, got.size());
      if (first == null) {
        OracleCase.checkOutput(docs, out, p, HEADS, Map.of());
        first = got;
        // report reads the sink parameters back and computes its softmax sections for it
        String rep = tmp.resolve("report-" + name).toString();
        r =
            CliRunner.run(
                "report",
                "--input",
                out,
                "--output",
                rep,
                "--coverage-samples",
                "10",
                "--coverage-docs",
                "2");
        assertEquals(0, r.code(), r.err());
        JsonNode summary = new ObjectMapper().readTree(Path.of(rep, "summary.json").toFile());
        assertEquals(null, summary.get("sampled_note"), summary.toString());
        assertEquals(2, summary.get("coverage").get("documents").asInt(), summary.toString());
      } else {
        for (Map.Entry<String, float[]> e : first.entrySet()) {
          assertArrayEquals(
              e.getValue(),
              got.get(e.getKey()),
              e.getKey() + " differs with " + String.join(" ", run) + " partitions");
        }
      }
    }
  }

  @Test
  void anticausalAndMisplacedFlagsAreRefusedInOneLine() {
    List<TokenTables.Doc> docs =
        List.of(TokenTables.random("d", 20, HEADS * OracleCase.D, HEADS * OracleCase.DV, 0, 3));
    String in = tmp.resolve("refused-in").toString();
    TokenTables.write(TokenTables.rows(docs, 1), in, 1);
    String out = tmp.resolve("refused-out").toString();
    CliRunner.Result r = CliRunner.run(attend(in, out, "--anticausal").toArray(String[]::new));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--anticausal"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(Files.exists(Path.of(out)), "nothing written");
    r = AttendRun.of(in, out).pattern("longformer").heads(2).flag("--sinks", 3).run();
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--sinks"), r.err());
    r = CliRunner.run(attend(in, out, "--dry-run").toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("sink"), r.out());
    assertFalse(Files.exists(Path.of(out)), "dry run writes nothing");
  }

  @Test
  void patternCommandPrintsTheSinkBlocks() throws Exception {
    CliRunner.Result r =
        CliRunner.run(
            "pattern",
            "--pattern",
            "sink",
            "--sinks",
            "20",
            "--window",
            "10",
            "--tokens",
            "100",
            "--block-size",
            "8",
            "--heads",
            "1");
    assertEquals(0, r.code(), r.err());
    JsonNode json = new ObjectMapper().readTree(r.out());
    JsonNode params = json.get("pattern");
    assertEquals("sink", params.get("name").asText());
    assertEquals(20, params.get("sinks").asInt());
    assertEquals(10, params.get("window").asInt());
    assertTrue(params.get("causal").asBoolean());
    assertEquals(9, params.get("band").get("left").asInt());
    assertEquals(0, params.get("band").get("right").asInt());
    assertEquals(-10, params.get("columns").get("bands").get(0).get("right").asInt());
    JsonNode blocks = json.get("heads").get(0).get("query_blocks");
    assertEquals(13, blocks.size());
    // query block 10 (80..87): sink blocks 0..2 (positions < 20), window 71..87 = blocks 8..10
    JsonNode kb = blocks.get(10).get("key_blocks");
    int[] got = new int[kb.size()];
    for (int x = 0; x < got.length; x++) {
      got[x] = kb.get(x).asInt();
    }
    assertArrayEquals(new int[] {0, 1, 2, 8, 9, 10}, got);
    // query block 1 (8..15): the sink blocks up to itself and its window, 0..1
    JsonNode kb1 = blocks.get(1).get("key_blocks");
    assertEquals(2, kb1.size());
    assertEquals(0, kb1.get(0).asInt());
    assertEquals(1, kb1.get(1).asInt());
  }
}
