package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.kernels.TestData;
import org.longattn.kernels.Tolerance;

/**
 * Cross-attention ({@code attend --queries FILE --cross same-doc|all}) through the real CLI against
 * a double-precision oracle with an explicit mask; bitwise identical for 1, 3 and 8 partitions; bad
 * input and bad flags.
 */
class CrossAttentionEndToEndTest {
  static final int HEADS = 2;
  static final int D = 16;
  static final int DV = 8;
  static final int BLOCK = 16;

  @TempDir static Path tmp;
  static List<TokenTables.Doc> keyDocs;
  static String keys;

  /** Queries of one query document: m rows of H·d values. */
  record QueryDoc(String id, int m, float[] q) {}

  static final StructType QUERY_SCHEMA =
      new StructType()
          .add("doc_id", DataTypes.StringType)
          .add("pos", DataTypes.IntegerType)
          .add("q", DataTypes.createArrayType(DataTypes.FloatType));

  @BeforeAll
  static void keyTable() {
    keyDocs =
        List.of(
            TokenTables.random("a", 517, HEADS * D, HEADS * DV, 3, 41),
            TokenTables.random("b", 200, HEADS * D, HEADS * DV, 0, 42),
            TokenTables.random("c", 1, HEADS * D, HEADS * DV, 1, 43));
    keys = tmp.resolve("keys").toString();
    TokenTables.write(TokenTables.rows(keyDocs, 9), keys, 3);
  }

  static QueryDoc queries(String id, int m, long seed) {
    return new QueryDoc(id, m, TestData.gaussian(new SplittableRandom(seed), m, HEADS * D, 1.0));
  }

  static String writeQueries(String name, List<QueryDoc> docs, int width) {
    List<Row> rows = new ArrayList<>();
    for (QueryDoc d : docs) {
      for (int i = 0; i < d.m(); i++) {
        rows.add(RowFactory.create(d.id(), i, TokenTables.boxed(d.q(), i * width, width)));
      }
    }
    java.util.Collections.shuffle(rows, new java.util.Random(3));
    String path = tmp.resolve(name).toString();
    SparkTestSession.get()
        .createDataFrame(rows, QUERY_SCHEMA)
        .repartition(2)
        .write()
        .mode("overwrite")
        .parquet(path);
    return path;
  }

  static CliRunner.Result attend(String queries, String out, String... extra) {
    AttendRun run =
        AttendRun.of(keys, out)
            .heads(HEADS)
            .pattern("dense")
            .blockSize(BLOCK)
            .spanTokens(64)
            .stats();
    if (queries != null) {
      run.flag("--queries", queries);
    }
    return run.flags(List.of(extra)).run();
  }

  /** doc#pos(#target) → row. */
  static Map<String, Row> read(String out, boolean withTarget) {
    Map<String, Row> rows = new HashMap<>();
    for (Row r : SparkTestSession.get().read().parquet(out).collectAsList()) {
      rows.put(r.getString(0) + "#" + r.getInt(1) + (withTarget ? "#" + r.getString(2) : ""), r);
    }
    return rows;
  }

  @Test
  void sameDocMatchesOracle() {
    List<QueryDoc> qs = List.of(queries("a", 7, 1), queries("b", 130, 2), queries("c", 1, 3));
    String out = tmp.resolve("same-out").toString();
    CliRunner.Result r = attend(writeQueries("same-q", qs, HEADS * D), out, "--cross", "same-doc");
    assertEquals(0, r.code(), r.err());
    Map<String, Row> rows = read(out, false);
    assertEquals(7 + 130 + 1, rows.size(), "one row per query row");
    assertEquals(7, rows.values().iterator().next().size(), "doc_id, pos, out, 4 stats");
    for (QueryDoc q : qs) {
      TokenTables.Doc k = keyDocs.stream().filter(d -> d.id().equals(q.id())).findFirst().get();
      check(q, k, rows, "", 2);
    }
  }

  @Test
  void allTargetsEveryDocumentAndIsBitwiseStable() {
    List<QueryDoc> qs = List.of(queries("x", 3, 4), queries("a", 65, 5));
    String queries = writeQueries("all-q", qs, HEADS * D);
    Map<String, Row> first = null;
    for (int parts : new int[] {1, 3, 8}) {
      String out = tmp.resolve("all-out-" + parts).toString();
      CliRunner.Result r = attend(queries, out, "--cross", "all", "--partitions", "" + parts);
      assertEquals(0, r.code(), r.err());
      Map<String, Row> rows = read(out, true);
      assertEquals((3 + 65) * keyDocs.size(), rows.size(), "one row per query row and document");
      assertEquals(8, rows.values().iterator().next().size(), "doc_id, pos, target, out, stats");
      if (first == null) {
        first = rows;
        for (QueryDoc q : qs) {
          for (TokenTables.Doc k : keyDocs) {
            check(q, k, rows, "#" + k.id(), 3);
          }
        }
        continue;
      }
      for (Map.Entry<String, Row> e : first.entrySet()) {
        Row a = e.getValue();
        Row b = rows.get(e.getKey());
        for (int c = 3; c < a.size(); c++) {
          assertArrayEquals(
              floats(a.getList(c)), floats(b.getList(c)), e.getKey() + " with " + parts);
        }
      }
    }
  }

  private static float[] floats(List<Float> l) {
    float[] a = new float[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }

  /** Compares every row of query doc q against key doc k with the oracle (out at column col). */
  private static void check(
      QueryDoc q, TokenTables.Doc k, Map<String, Row> rows, String suffix, int col) {
    double[][][] ref = oracle(q, k);
    String[] names = {"out", "entropy", "mean_distance", "max_weight", "global_mass"};
    for (int i = 0; i < q.m(); i++) {
      Row row = rows.get(q.id() + "#" + i + suffix);
      for (int s = 0; s < 5; s++) {
        List<Float> got = row.getList(col + s);
        assertEquals(ref[s][i].length, got.size());
        for (int x = 0; x < got.size(); x++) {
          Tolerance.assertClose(
              ref[s][i][x],
              got.get(x),
              Tolerance.REL,
              q.id() + " pos " + i + " -> " + k.id() + " " + names[s] + "[" + x + "]");
        }
      }
    }
  }

  /**
   * Double-precision cross-attention with an explicit mask (every key of the target document):
   * {out, entropy, mean distance |i − j| (query pos i), max weight, global mass}[row][...].
   */
  static double[][][] oracle(QueryDoc q, TokenTables.Doc k) {
    int m = q.m();
    int n = k.n();
    boolean[][] mask = new boolean[m][n];
    for (boolean[] row : mask) {
      Arrays.fill(row, true);
    }
    double[][][] r = {
      new double[m][HEADS * DV],
      new double[m][HEADS],
      new double[m][HEADS],
      new double[m][HEADS],
      new double[m][HEADS]
    };
    for (int h = 0; h < HEADS; h++) {
      for (int i = 0; i < m; i++) {
        double[] s = new double[n];
        double mx = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          double dot = 0;
          for (int c = 0; c < D; c++) {
            dot += (double) q.q()[(i * HEADS + h) * D + c] * k.k()[(j * HEADS + h) * D + c];
          }
          s[j] = mask[i][j] ? dot / Math.sqrt(D) : Double.NEGATIVE_INFINITY;
          mx = Math.max(mx, s[j]);
        }
        double z = 0;
        for (int j = 0; j < n; j++) {
          z += Math.exp(s[j] - mx);
        }
        for (int j = 0; j < n; j++) {
          double p = Math.exp(s[j] - mx) / z;
          for (int c = 0; c < DV; c++) {
            r[0][i][h * DV + c] += p * k.v()[(j * HEADS + h) * DV + c];
          }
          r[1][i][h] -= p > 0 ? p * Math.log(p) : 0;
          r[2][i][h] += p * Math.abs(i - j);
          r[3][i][h] = Math.max(r[3][i][h], p);
          r[4][i][h] += Arrays.binarySearch(k.globals(), j) >= 0 ? p : 0;
        }
      }
    }
    return r;
  }

  @Test
  void badInputAndFlags() {
    String good = writeQueries("bad-good", List.of(queries("a", 2, 6)), HEADS * D);
    String narrow =
        writeQueries(
            "bad-narrow",
            List.of(new QueryDoc("a", 2, TestData.gaussian(new SplittableRandom(7), 2, 24, 1))),
            24);
    String orphan = writeQueries("bad-orphan", List.of(queries("zzz", 2, 8)), HEADS * D);
    Object[][] cases = {
      {tmp.resolve("no-such-queries").toString(), new String[0], "no-such-queries"},
      {narrow, new String[0], "column 'q': length 24 differs"},
      {good, new String[] {"--cross", "both"}, "--cross must be one of"},
      {null, new String[] {"--cross", "all"}, "--cross only applies with --queries"},
      {orphan, new String[] {"--cross", "same-doc"}, "no document 'zzz' in --input"},
      {good, new String[] {"--causal"}, "--pattern dense without --causal"},
    };
    int i = 0;
    for (Object[] c : cases) {
      Path out = tmp.resolve("bad-out-" + i++);
      CliRunner.Result r = attend((String) c[0], out.toString(), (String[]) c[1]);
      assertEquals(2, r.code(), "exit 2 for " + c[2] + ": " + r.err());
      assertTrue(r.err().contains((String) c[2]), "message names the problem: " + r.err());
      assertFalse(Files.exists(out), "no output after a failed run");
    }
  }
}
