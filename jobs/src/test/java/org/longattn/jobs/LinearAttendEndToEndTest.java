package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.longattn.datasets.SparkTestSession;
import org.longattn.kernels.TestData;

/**
 * {@code attend --pattern linear|gated-linear|performer|linformer} through the real CLI on Parquet
 * the test wrote (3 documents of awkward lengths 517, 65 and 1, rows shuffled, 2 heads, d = 16, dv
 * = 8, blocks of 16, spans of 2 blocks: 17 spans, so the distributed scan takes two rounds of 16
 * and every scan crosses spans), every output row against {@link LinearOracle} in double precision.
 *
 * <p>Tolerance: |out − oracle| ≤ 1e-5·(1 + scale), scale = the magnitude of the output's terms (Σ
 * w|v|/Σ w, or the GLA recurrence on |k v|·|q|): fp32 sums of up to 517 terms round at ≈ 1e-6 of
 * that scale. Linformer: 1e-4, since its projected keys are sums over the whole document whose
 * terms carry both signs (score errors grow with √n).
 */
class LinearAttendEndToEndTest {
  @TempDir static Path tmp;

  static final int HEADS = 2;
  static final int D = 16;
  static final int DV = 8;
  static final long SEED = 11;

  /** One document: rows head-major; gate null when the table has no gate column. */
  record Doc(String id, int n, float[] q, float[] k, float[] v, float[] gate) {}

  static List<Doc> docs(boolean withGates, long seed) {
    List<Doc> docs = new ArrayList<>();
    int[] lengths = {517, 65, 1};
    for (int i = 0; i < lengths.length; i++) {
      SplittableRandom rng = new SplittableRandom(seed + i);
      int n = lengths[i];
      float[] gate = null;
      if (withGates) {
        gate = TestData.gaussian(rng, n, HEADS * D, 0.2);
        for (int x = 0; x < gate.length; x++) {
          gate[x] = -Math.abs(gate[x]);
        }
        gate[gate.length / 3] = 0f; // a gate that keeps everything
        gate[gate.length / 2] = Float.NEGATIVE_INFINITY; // one that forgets everything
      }
      docs.add(
          new Doc(
              "doc-" + i,
              n,
              TestData.gaussian(rng, n, HEADS * D, 0.5),
              TestData.gaussian(rng, n, HEADS * D, 0.5),
              TestData.gaussian(rng, n, HEADS * DV, 1.0),
              gate));
    }
    return docs;
  }

  static String write(List<Doc> docs, String name) {
    return write(docs, tmp.resolve(name));
  }

  /** Writes the documents as a token table (rows shuffled, 3 files) at {@code path}. */
  static String write(List<Doc> docs, Path path) {
    boolean gates = docs.get(0).gate() != null;
    StructType schema = TokenTables.SCHEMA;
    if (gates) {
      schema = schema.add("gate", DataTypes.createArrayType(DataTypes.FloatType));
    }
    List<Row> rows = new ArrayList<>();
    for (Doc d : docs) {
      for (int i = 0; i < d.n(); i++) {
        List<Object> r =
            new ArrayList<>(
                List.of(
                    d.id(),
                    i,
                    TokenTables.boxed(d.q(), i * HEADS * D, HEADS * D),
                    TokenTables.boxed(d.k(), i * HEADS * D, HEADS * D),
                    TokenTables.boxed(d.v(), i * HEADS * DV, HEADS * DV),
                    i % 5 == 0)); // global marks are ignored by the linear families
        if (gates) {
          r.add(TokenTables.boxed(d.gate(), i * HEADS * D, HEADS * D));
        }
        rows.add(RowFactory.create(r.toArray()));
      }
    }
    java.util.Collections.shuffle(rows, new java.util.Random(3));
    String in = path.toString();
    SparkTestSession.get()
        .createDataFrame(rows, schema)
        .repartition(3)
        .write()
        .mode("overwrite")
        .parquet(in);
    return in;
  }

  static Map<String, float[]> run(String in, String out, String... flags) {
    CliRunner.Result r =
        AttendRun.of(in, out)
            .heads(HEADS)
            .blockSize(16)
            .spanTokens(32)
            .seed(SEED)
            .flags(List.of(flags))
            .run();
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.exists(Path.of(out, "_longattn.json")), "run record written");
    Map<String, float[]> rows = new HashMap<>();
    for (Row row : SparkTestSession.get().read().parquet(out).collectAsList()) {
      List<Float> o = row.getList(2);
      float[] a = new float[o.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = o.get(i);
      }
      assertFalse(rows.containsKey(row.getString(0) + "#" + row.getInt(1)), "duplicate row");
      rows.put(row.getString(0) + "#" + row.getInt(1), a);
    }
    return rows;
  }

  static void check(Map<String, float[]> rows, Doc d, double[][] ref, double rel, String what) {
    for (int i = 0; i < d.n(); i++) {
      float[] o = rows.get(d.id() + "#" + i);
      if (o == null) {
        fail(what + ": no row for " + d.id() + " pos " + i);
      }
      assertEquals(HEADS * DV, o.length);
      for (int x = 0; x < HEADS * DV; x++) {
        double e = ref[i][x];
        double scale = ref[i][HEADS * DV + x];
        if (!(Math.abs(e - o[x]) <= rel * (1 + scale))) {
          fail(
              what
                  + " "
                  + d.id()
                  + " pos "
                  + i
                  + " out["
                  + x
                  + "]: expected "
                  + e
                  + " got "
                  + o[x]
                  + " (scale "
                  + scale
                  + ")");
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} causal={1}")
  @CsvSource({
    "linear,false,0",
    "linear,true,0",
    "performer,false,32",
    "performer,true,32",
    "linformer,false,12"
  })
  void matchesOracle(String family, boolean causal, int param) {
    List<Doc> docs = docs(false, 100 + param + (causal ? 1 : 0));
    String in = write(docs, "in-" + family + causal);
    List<String> flags = new ArrayList<>(List.of("--pattern", family));
    if (causal) {
      flags.add("--causal");
    }
    if (family.equals("performer")) {
      flags.addAll(List.of("--features", String.valueOf(param)));
    }
    if (family.equals("linformer")) {
      flags.addAll(List.of("--rank", String.valueOf(param)));
    }
    Map<String, float[]> rows =
        run(in, tmp.resolve("out-" + family + causal).toString(), flags.toArray(String[]::new));
    assertEquals(517 + 65 + 1, rows.size(), "one row per token");
    for (Doc d : docs) {
      double[][] ref =
          family.equals("linformer")
              ? LinearOracle.linformer(d.q(), d.k(), d.v(), d.n(), HEADS, D, DV, param, SEED)
              : LinearOracle.linear(d.q(), d.k(), d.v(), d.n(), HEADS, D, DV, causal, param, SEED);
      check(rows, d, ref, family.equals("linformer") ? 1e-4 : 1e-5, family);
    }
  }

  @ParameterizedTest(name = "gate column {0}")
  @CsvSource({"true", "false"})
  void gatedLinearMatchesTheRecurrence(boolean gateColumn) {
    List<Doc> docs = docs(gateColumn, 300);
    String in = write(docs, "in-gla-" + gateColumn);
    Map<String, float[]> rows =
        run(
            in,
            tmp.resolve("out-gla-" + gateColumn).toString(),
            "--pattern",
            "gated-linear",
            "--causal");
    assertEquals(517 + 65 + 1, rows.size(), "one row per token");
    for (Doc d : docs) {
      double[][] ref = LinearOracle.gla(d.q(), d.k(), d.v(), d.gate(), d.n(), HEADS, D, DV, SEED);
      check(rows, d, ref, 1e-5, "gated-linear");
    }
  }

  /** The output does not depend on the partitioning: bitwise equal for 1, 3 and 8 partitions. */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"linear,--causal", "gated-linear,--causal", "performer,--overwrite"})
  void bitwiseEqualForAnyPartitioning(String family, String flag) {
    String in = write(docs(family.equals("gated-linear"), 900), "in-part-" + family);
    Map<String, float[]> first = null;
    for (int parts : new int[] {1, 3, 8}) {
      Map<String, float[]> rows =
          run(
              in,
              tmp.resolve("out-part-" + family + parts).toString(),
              "--pattern",
              family,
              flag,
              "--partitions",
              String.valueOf(parts));
      if (first == null) {
        first = rows;
        continue;
      }
      assertEquals(first.keySet(), rows.keySet());
      for (Map.Entry<String, float[]> e : first.entrySet()) {
        float[] a = e.getValue();
        float[] b = rows.get(e.getKey());
        for (int x = 0; x < a.length; x++) {
          assertEquals(
              Float.floatToRawIntBits(a[x]),
              Float.floatToRawIntBits(b[x]),
              family + " " + e.getKey() + "[" + x + "] with " + parts + " partitions");
        }
      }
    }
  }

  @Test
  void badGatesAndFlagsAreRejected() {
    List<Doc> docs = docs(true, 7);
    docs.get(1).gate()[(12 * HEADS + 1) * D + 3] = 0.25f; // doc-1 pos 12, head 1
    String in = write(docs, "in-bad-gate");
    expectRejected(in, "doc 'doc-1' pos 12 column 'gate'", "--pattern", "gated-linear");
    docs.get(1).gate()[(12 * HEADS + 1) * D + 3] = Float.NaN;
    in = write(docs, "in-nan-gate");
    expectRejected(in, "doc 'doc-1' pos 12 column 'gate'", "--pattern", "gated-linear");
    expectRejected(in, "--causal", "--pattern", "linformer", "--causal");
    expectRejected(in, "--features", "--pattern", "linear", "--features", "8");
    expectRejected(in, "--rank", "--pattern", "performer", "--rank", "8");
    expectRejected(in, "--stats", "--pattern", "linear", "--stats");
    expectRejected(in, "--features", "--pattern", "performer", "--features", "0");
    expectRejected(in, "--backend opencl", "--pattern", "gated-linear", "--backend", "opencl");
  }

  private void expectRejected(String in, String message, String... flags) {
    Path out = tmp.resolve("out-rejected");
    CliRunner.Result r = AttendRun.of(in, out.toString()).heads(HEADS).flags(List.of(flags)).run();
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(message), r.err());
    assertFalse(Files.exists(out), "no output");
  }
}
