package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.datasets.SparkTestSession;
import org.longattn.kernels.DenseOracle;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;

/**
 * The real CLI ({@code attend}) on Parquet the test wrote, against the double-precision oracle:
 * every pattern, causal on and off, random lengths 1..5000, two documents per case, rows shuffled.
 */
class AttendEndToEndTest {
  @TempDir static Path tmp;

  static Stream<Arguments> cases() {
    SplittableRandom rng = new SplittableRandom(2024);
    List<Arguments> cases = new ArrayList<>();
    int i = 0;
    // strided and fixed: FormsEndToEndTest (small strides, every direction, padding)
    for (String pattern : List.of("dense", "blocked", "longformer", "bigbird")) {
      for (boolean causal : new boolean[] {false, true}) {
        for (int rep = 0; rep < 3; rep++) {
          int n1 = 1 + rng.nextInt(rep == 0 ? 5000 : 1500);
          int n2 = 1 + rng.nextInt(300);
          int heads = 1 + rng.nextInt(3);
          int block = new int[] {16, 32, 64}[rng.nextInt(3)];
          cases.add(Arguments.of(i++, pattern, causal, n1, n2, heads, block));
        }
      }
    }
    return cases.stream(); // 4 patterns × 2 × 3 = 24 cases
  }

  @ParameterizedTest(name = "#{0} {1} causal={2} n={3},{4} heads={5} block={6}")
  @MethodSource("cases")
  void attendMatchesOracle(
      int id, String pattern, boolean causal, int n1, int n2, int heads, int block) {
    String out =
        new OracleCase(id, pattern, causal, n1, n2, heads, block).runAndCheck(tmp, id * 31L);
    assertTrue(Files.exists(Path.of(out, "_longattn.json")), "run record written");
  }

  /** Many small documents: several spans share a partition; every row still matches. */
  @Test
  void manySmallDocumentsSharePartitions() {
    SplittableRandom rng = new SplittableRandom(77);
    List<TokenTables.Doc> docs = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      docs.add(TokenTables.random("small-" + i, 1 + rng.nextInt(90), 16, 8, i % 3, 100 + i));
    }
    String in = tmp.resolve("many-in").toString();
    String out = tmp.resolve("many-out").toString();
    TokenTables.write(TokenTables.rows(docs, 5), in, 4);
    CliRunner.Result r =
        AttendRun.of(in, out)
            .pattern("longformer")
            .flag("--window", 5)
            .blockSize(8)
            .spanTokens(16)
            .partitions(3)
            .heads(1)
            .causal()
            .run();
    assertEquals(0, r.code(), r.err());
    AttentionPattern p =
        PatternSpec.of(
                "longformer", 8, 0, true, false, Map.of(Param.WINDOW, 5, Param.RANDOM_BLOCKS, 0))
            .build();
    Map<String, Row> rows = new HashMap<>();
    for (Row row : SparkTestSession.get().read().parquet(out).collectAsList()) {
      rows.put(row.getString(0) + "#" + row.getInt(1), row);
    }
    int total = 0;
    for (TokenTables.Doc doc : docs) {
      total += doc.n();
      DenseOracle.Result ref =
          DenseOracle.attend(
              p,
              doc.q(),
              doc.k(),
              doc.v(),
              doc.n(),
              1,
              16,
              8,
              Seeds.docHash(doc.id()),
              doc.globals());
      for (int i = 0; i < doc.n(); i++) {
        List<Float> o = rows.get(doc.id() + "#" + i).getList(2);
        for (int x = 0; x < 8; x++) {
          Tolerance.assertClose(
              ref.out()[i][x], o.get(x), Tolerance.REL, doc.id() + " pos " + i + " out[" + x + "]");
        }
      }
    }
    assertEquals(total, rows.size(), "one row per token");
  }

  /**
   * Same input in 1, 3 and 8 files and shuffle partitions, and with other span sizes: bitwise
   * identical {@code out} and stats (association orders depend on block ids only).
   */
  @Test
  void bitwiseIdenticalAcrossPartitioningsAndSpanSizes() {
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("long", 3001, 32, 32, 4, 7),
            TokenTables.random("short", 77, 32, 32, 1, 8));
    Map<String, float[]> first = null;
    int[][] runs = {{1, 256}, {3, 256}, {8, 256}, {3, 64}, {2, 8192}};
    for (int[] run : runs) {
      int parts = run[0];
      String in = tmp.resolve("det-in-" + parts + "-" + run[1]).toString();
      String out = tmp.resolve("det-out-" + parts + "-" + run[1]).toString();
      TokenTables.write(TokenTables.rows(docs, parts), in, parts);
      CliRunner.Result r =
          AttendRun.of(in, out)
              .pattern("bigbird")
              .heads(2)
              .blockSize(32)
              .spanTokens(run[1])
              .partitions(parts)
              .stats()
              .run();
      assertEquals(0, r.code(), r.err());
      Map<String, float[]> got = new HashMap<>();
      for (Row row : SparkTestSession.get().read().parquet(out).collectAsList()) {
        float[] a = new float[2 * 16 + 4 * 2];
        int k = 0;
        for (int c = 2; c <= 6; c++) {
          for (Object x : row.getList(c)) {
            a[k++] = (Float) x;
          }
        }
        got.put(row.getString(0) + "#" + row.getInt(1), a);
      }
      assertEquals(3001 + 77, got.size());
      if (first == null) {
        first = got;
      } else {
        for (Map.Entry<String, float[]> e : first.entrySet()) {
          assertArrayEquals(
              e.getValue(),
              got.get(e.getKey()),
              "out/stats of "
                  + e.getKey()
                  + " differ with "
                  + parts
                  + " partitions, span "
                  + run[1]);
        }
      }
    }
  }
}
