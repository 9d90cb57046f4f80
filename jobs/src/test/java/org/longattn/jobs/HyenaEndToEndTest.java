package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.SparkTestSession;
import org.longattn.kernels.hyena.HyenaFilter;
import org.longattn.kernels.hyena.HyenaOperator;
import org.longattn.kernels.hyena.HyenaOracle;

/**
 * {@code attend --pattern hyena} through the real CLI on Parquet the test wrote: against the direct
 * O(n²) double oracle (normwise 1e-5 per channel, {@link HyenaOracle#REL}), bitwise equal to the
 * in-memory operator, bitwise identical for 1, 3 and 8 partitions; bad flags rejected.
 */
class HyenaEndToEndTest {
  private static final int HEADS = 2;
  private static final int D = 3;
  private static final int[] LENGTHS = {1, 7, 65, 517, 5000};

  @TempDir static Path tmp;
  static List<TokenTables.Doc> docs = new ArrayList<>();
  static String input;

  @BeforeAll
  static void writeTable() {
    for (int i = 0; i < LENGTHS.length; i++) {
      docs.add(TokenTables.random("doc-" + i, LENGTHS[i], HEADS * D, HEADS * D, 2, 300 + i));
    }
    input = tmp.resolve("tokens").toString();
    TokenTables.write(TokenTables.rows(docs, 11), input, 3);
  }

  private static String[] attend(String out, int spanTokens, String... extra) {
    return AttendRun.of(input, out)
        .pattern("hyena")
        .heads(HEADS)
        .blockSize(16)
        .spanTokens(spanTokens)
        .seed(5)
        .flags(List.of(extra))
        .args();
  }

  /** doc#pos → out values. */
  private static Map<String, float[]> read(String out) {
    Map<String, float[]> rows = new HashMap<>();
    for (Row r : SparkTestSession.get().read().parquet(out).collectAsList()) {
      Object o = r.get(2);
      float[] values;
      if (o instanceof byte[] b) {
        values = FloatBytes.decodeFloats(b);
      } else {
        List<Float> l = r.getList(2);
        values = new float[l.size()];
        for (int i = 0; i < values.length; i++) {
          values[i] = l.get(i);
        }
      }
      rows.put(r.getString(0) + "#" + r.getInt(1), values);
    }
    return rows;
  }

  private static float[] docRows(Map<String, float[]> rows, TokenTables.Doc doc) {
    int w = HEADS * D;
    float[] a = new float[doc.n() * w];
    for (int t = 0; t < doc.n(); t++) {
      float[] r = rows.get(doc.id() + "#" + t);
      assertEquals(w, r.length, doc.id() + " pos " + t);
      System.arraycopy(r, 0, a, t * w, w);
    }
    return a;
  }

  @Test
  void order2MatchesOracleAndIsPartitionIndependent() throws Exception {
    Map<String, float[]> first = null;
    for (int partitions : new int[] {1, 3, 8}) {
      String out = tmp.resolve("o2-p" + partitions).toString();
      CliRunner.Result r =
          CliRunner.run(
              attend(out, 256, "--order", "2", "--partitions", String.valueOf(partitions)));
      assertEquals(0, r.code(), r.err());
      Map<String, float[]> rows = read(out);
      assertEquals(docs.stream().mapToInt(TokenTables.Doc::n).sum(), rows.size(), "one row each");
      if (first == null) {
        first = rows;
        String json = Files.readString(Path.of(out, "_longattn.json"));
        assertTrue(json.contains("\"hyena\""), json);
        assertTrue(json.contains("\"order\" : 2"), json);
        assertTrue(json.contains("\"spectra_bytes\""), json);
      } else {
        for (Map.Entry<String, float[]> e : first.entrySet()) {
          assertArrayEquals(
              e.getValue(), rows.get(e.getKey()), e.getKey() + " with " + partitions + " parts");
        }
      }
    }
    for (TokenTables.Doc doc : docs) {
      HyenaFilter filter = new HyenaFilter(5, 2, HEADS, D, doc.n());
      float[] got = docRows(first, doc);
      HyenaOracle.assertClose(HyenaOracle.apply(filter, doc.q(), doc.k(), doc.v()), got, doc.id());
      assertArrayEquals(
          HyenaOperator.apply(filter, 256, doc.q(), doc.k(), doc.v()),
          got,
          doc.id() + ": the job computes exactly what the in-memory operator does");
    }
  }

  /**
   * Order 3 (gates q, k, q), binary output, spans of 16 tokens: 517 tokens make 33 spans but only
   * 16 frequency chunks (M/2 bins), so gate rows ride through chunk (span mod chunks).
   */
  @Test
  void order3BinaryOutput() {
    String out = tmp.resolve("o3").toString();
    CliRunner.Result r =
        CliRunner.run(
            attend(out, 16, "--order", "3", "--output-encoding", "binary", "--partitions", "4"));
    assertEquals(0, r.code(), r.err());
    Map<String, float[]> rows = read(out);
    for (TokenTables.Doc doc : docs.subList(0, 4)) {
      HyenaFilter filter = new HyenaFilter(5, 3, HEADS, D, doc.n());
      HyenaOracle.assertClose(
          HyenaOracle.apply(filter, doc.q(), doc.k(), doc.v()), docRows(rows, doc), doc.id());
    }
  }

  @Test
  void rejectsWhatDoesNotApply() {
    String[][] bad = {
      attend(tmp.resolve("bad-stats").toString(), 256, "--stats"),
      attend(tmp.resolve("bad-order0").toString(), 256, "--order", "0"),
      attend(tmp.resolve("bad-order9").toString(), 256, "--order", "9"),
      attend(tmp.resolve("bad-opencl").toString(), 256, "--backend", "opencl"),
    };
    String[] expected = {"--stats", "--order", "--order", "--backend"};
    for (int i = 0; i < bad.length; i++) {
      CliRunner.Result r = CliRunner.run(bad[i]);
      assertEquals(2, r.code(), r.err());
      assertTrue(r.err().contains(expected[i]), r.err());
      assertFalse(Files.exists(Path.of(bad[i][4])), "no output after a failed run");
    }
    CliRunner.Result r =
        AttendRun.of(input, tmp.resolve("bad-p").toString())
            .pattern("bigbird")
            .flag("--order", 2)
            .run();
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--order only applies to --pattern hyena"), r.err());
  }

  @Test
  void rejectsValueWidthDifferentFromQuery() {
    String in = tmp.resolve("narrow-v").toString();
    TokenTables.write(TokenTables.rows(List.of(TokenTables.random("x", 20, 4, 2, 0, 1)), 0), in, 1);
    String out = tmp.resolve("narrow-v-out").toString();
    CliRunner.Result r = AttendRun.of(in, out).pattern("hyena").heads(1).run();
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("column 'v'"), r.err());
    assertFalse(Files.exists(Path.of(out)));
  }
}
