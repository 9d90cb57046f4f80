package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.datasets.SparkTestSession;

/**
 * Exact dense attention of multi-span documents (the tiled path: query span × key chunk tiles,
 * partial states folded over chunk ids) through the real CLI, against the double-precision oracle;
 * bitwise identical for 1, 3 and 8 partitions.
 */
class ExactDenseEndToEndTest {
  @TempDir static Path tmp;

  /** Small spans (4 blocks) force many tiles; awkward lengths; 1–3 heads; d = 16, dv = 8. */
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(200, false, 517, 65, 1, 16),
        Arguments.of(201, true, 517, 65, 2, 16),
        Arguments.of(202, false, 700, 7, 3, 32),
        Arguments.of(203, true, 1, 300, 2, 16),
        Arguments.of(204, true, 777, 129, 1, 64),
        Arguments.of(205, false, 65, 63, 2, 16),
        Arguments.of(207, false, 129, 1, 1, 1));
  }

  @ParameterizedTest(name = "#{0} causal={1} n={2},{3} heads={4} block={5}")
  @MethodSource("cases")
  void tiledDenseMatchesOracle(int id, boolean causal, int n1, int n2, int heads, int block)
      throws IOException {
    String out =
        new OracleCase(id, "dense", causal, n1, n2, heads, block).runAndCheck(tmp, id * 17L);
    JsonNode info = new ObjectMapper().readTree(Path.of(out, "_longattn.json").toFile());
    assertEquals("tiles", info.path("exact_path").asText(), "multi-span dense uses the tiles");
    // Key/value bytes travel once per tile that reads them: chunk j is read by S query spans,
    // by the S − j spans at or below the diagonal when causal.
    double shipped = shippedTokens(n1, 4 * block, causal) + shippedTokens(n2, 4 * block, causal);
    assertEquals(
        shipped / (n1 + n2),
        info.path("shuffle").path("duplication_factor").asDouble(),
        1e-9,
        "key/value duplication factor");
  }

  private static double shippedTokens(int n, int span, boolean causal) {
    int spans = (n + span - 1) / span;
    double total = 0;
    for (int j = 0; j < spans; j++) {
      int size = Math.min(n, (j + 1) * span) - j * span;
      total += (double) size * (causal ? spans - j : spans);
    }
    return total;
  }

  /** A document of one span keeps the span path (same oracle, checked by AttendEndToEndTest). */
  @Test
  void singleSpanDocumentsKeepTheSpanPath() throws IOException {
    String out = new OracleCase(206, "dense", true, 100, 30, 1, 32).runAndCheck(tmp, 3);
    JsonNode info = new ObjectMapper().readTree(Path.of(out, "_longattn.json").toFile());
    assertFalse(info.has("exact_path"), "one span per document: no tiles");
  }

  /**
   * Same input in 1, 3 and 8 files and partitions (1 and 8 when causal): bitwise identical out and
   * stats.
   */
  @Test
  void bitwiseIdenticalFor1And3And8Partitions() {
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("long", 900, 32, 16, 4, 11),
            TokenTables.random("short", 77, 32, 16, 1, 12));
    for (boolean causal : new boolean[] {false, true}) {
      Map<String, float[]> first = null;
      for (int parts : causal ? new int[] {1, 8} : new int[] {1, 3, 8}) {
        String in = tmp.resolve("det-in-" + causal + parts).toString();
        String out = tmp.resolve("det-out-" + causal + parts).toString();
        TokenTables.write(TokenTables.rows(docs, parts), in, parts);
        AttendRun run =
            AttendRun.of(in, out)
                .pattern("dense")
                .heads(2)
                .blockSize(32)
                .spanTokens(256)
                .partitions(parts)
                .stats();
        if (causal) {
          run.causal();
        }
        CliRunner.Result r = run.run();
        assertEquals(0, r.code(), r.err());
        Map<String, float[]> got = readFlat(out);
        assertEquals(900 + 77, got.size());
        if (first == null) {
          first = got;
          continue;
        }
        for (Map.Entry<String, float[]> e : first.entrySet()) {
          assertArrayEquals(
              e.getValue(),
              got.get(e.getKey()),
              e.getKey() + " differs with " + parts + " partitions (causal " + causal + ")");
        }
      }
    }
  }

  /** doc#pos → out and the stats, flattened. */
  static Map<String, float[]> readFlat(String out) {
    Map<String, float[]> got = new HashMap<>();
    for (Row row : SparkTestSession.get().read().parquet(out).collectAsList()) {
      List<Float> all = new ArrayList<>();
      for (int c = 2; c < row.size(); c++) {
        all.addAll(row.<Float>getList(c));
      }
      float[] a = new float[all.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = all.get(i);
      }
      got.put(row.getString(0) + "#" + row.getInt(1), a);
    }
    return got;
  }
}
