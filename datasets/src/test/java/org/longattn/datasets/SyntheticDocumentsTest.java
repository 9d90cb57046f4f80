package org.longattn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDocumentsTest {
  private final SparkSession spark = SparkTestSession.get();
  @TempDir Path dir;

  private static GeneratorSpec spec(boolean binary) {
    return new GeneratorSpec(5, 60, 400, 2, 16, 8, 42, 3, 0.05, binary);
  }

  /** A generated row decoded (the needle column read separately). */
  private record Token(TokenRecord t, Integer needle) {}

  private static List<Token> decode(Dataset<Row> df, GeneratorSpec g) {
    TokenRowDecoder decoder = TokenRowDecoder.forSchema(df.schema(), g.heads());
    int needle = df.schema().fieldIndex(SyntheticDocuments.NEEDLE);
    List<Token> out = new ArrayList<>();
    for (Row r : df.collectAsList()) {
      out.add(new Token(decoder.decode(r), r.isNullAt(needle) ? null : r.getInt(needle)));
    }
    return out;
  }

  private static void assertSameTokens(List<Token> a, List<Token> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      TokenRecord x = a.get(i).t();
      TokenRecord y = b.get(i).t();
      String at = "row " + i + " " + x.docId() + "/" + x.pos();
      assertEquals(x.docId(), y.docId(), at);
      assertEquals(x.pos(), y.pos(), at);
      assertArrayEquals(x.q(), y.q(), at);
      assertArrayEquals(x.k(), y.k(), at);
      assertArrayEquals(x.v(), y.v(), at);
      assertEquals(x.global(), y.global(), at);
      assertEquals(a.get(i).needle(), b.get(i).needle(), at);
    }
  }

  @Test
  void sameRowsForAnyRunSize() {
    GeneratorSpec g = spec(false);
    Dataset<Row> small = SyntheticDocuments.generate(spark, g, 37);
    Dataset<Row> large = SyntheticDocuments.generate(spark, g);
    assertTrue(small.rdd().getNumPartitions() > 10);
    assertEquals(1, large.rdd().getNumPartitions());
    List<Token> a = decode(small, g);
    assertSameTokens(a, decode(large, g));
    assertSameTokens(a, decode(SyntheticDocuments.generate(spark, g, 250), g));
    assertEquals(SyntheticDocuments.totalTokens(g), a.size());

    GeneratorSpec other = new GeneratorSpec(5, 60, 400, 2, 16, 8, 43, 3, 0.05, false);
    assertNotEquals(
        Arrays.toString(SyntheticDocuments.lengths(g)),
        Arrays.toString(SyntheticDocuments.lengths(other)));
  }

  @Test
  void binaryHoldsTheSameFloatsAsArrays() {
    List<Token> arrays = decode(SyntheticDocuments.generate(spark, spec(false), 100), spec(false));
    List<Token> binary = decode(SyntheticDocuments.generate(spark, spec(true), 64), spec(true));
    assertSameTokens(arrays, binary);
  }

  @Test
  void documentsPositionsGlobalsAndNeedlePlacement() {
    GeneratorSpec g = spec(false);
    int[] lengths = SyntheticDocuments.lengths(g);
    Map<String, List<Token>> docs = byDoc(decode(SyntheticDocuments.generate(spark, g, 100), g));
    assertEquals(
        List.of("doc-00000", "doc-00001", "doc-00002", "doc-00003", "doc-00004"),
        new ArrayList<>(docs.keySet()));
    int globals = 0;
    int tokens = 0;
    for (int d = 0; d < g.docs(); d++) {
      List<Token> doc = docs.get(SyntheticDocuments.docId(d));
      int n = lengths[d];
      assertTrue(n >= g.minTokens() && n <= g.maxTokens(), "length " + n);
      assertEquals(n, doc.size());
      int needles = 0;
      for (int p = 0; p < n; p++) {
        TokenRecord t = doc.get(p).t();
        assertEquals(p, t.pos());
        assertEquals(32, t.q().length);
        assertEquals(16, t.v().length);
        if (p == 0) {
          assertTrue(t.global(), "position 0 is global");
        } else if (t.global()) {
          globals++;
        }
        Integer b = doc.get(p).needle();
        if (b != null) {
          needles++;
          assertTrue(Math.abs(b - p) > n / 4, "needle " + p + " -> " + b + " in " + n);
          assertNull(doc.get(b).needle(), "a key position is not also a query");
        }
      }
      tokens += n - 1;
      assertEquals(3, needles);
    }
    // ~5 % of the other tokens are global.
    assertTrue(globals > 0.02 * tokens && globals < 0.09 * tokens, globals + " of " + tokens);
  }

  /** Dense check: the planted key has the top score for its query, in every head. */
  @Test
  void needleKeyGetsTheTopScoreAndMostOfTheWeight() {
    GeneratorSpec g = new GeneratorSpec(3, 500, 900, 4, 32, 8, 7, 4, 0.0, true);
    Map<String, List<Token>> docs = byDoc(decode(SyntheticDocuments.generate(spark, g, 333), g));
    int d = g.headDim();
    double scale = 1 / Math.sqrt(d);
    double sum = 0;
    double sum2 = 0;
    long count = 0;
    int checked = 0;
    for (List<Token> doc : docs.values()) {
      for (Token query : doc) {
        if (query.needle() == null) {
          continue;
        }
        checked++;
        int b = query.needle();
        float[] q = query.t().q();
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (Token key : doc) {
          double s = dot(q, key.t().k(), 0, q.length);
          if (s > bestScore) {
            bestScore = s;
            best = key.t().pos();
          }
        }
        assertEquals(b, best, query.t().docId() + " pos " + query.t().pos());
        for (int h = 0; h < g.heads(); h++) {
          double[] scores = new double[doc.size()];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < scores.length; j++) {
            scores[j] = scale * dot(q, doc.get(j).t().k(), h * d, d);
            max = Math.max(max, scores[j]);
            if (j != b) {
              sum += scores[j];
              sum2 += scores[j] * scores[j];
              count++;
            }
          }
          assertEquals(SyntheticDocuments.NEEDLE_SCORE, scores[b], 1e-3, "head " + h);
          assertEquals(max, scores[b]);
          double z = 0;
          for (double s : scores) {
            z += Math.exp(s - max);
          }
          assertTrue(1 / z > 0.9, "softmax weight on the needle key " + 1 / z);
        }
      }
    }
    assertEquals(12, checked);
    // The other scores are ≈ N(0, 1): neither uniform attention nor one-hot.
    double mean = sum / count;
    double std = Math.sqrt(sum2 / count - mean * mean);
    assertEquals(0, mean, 0.1);
    assertTrue(std > 0.8 && std < 1.5, "score std " + std);
  }

  @Test
  void readsBackAsATokenTable() {
    GeneratorSpec g = spec(true);
    String path = dir.resolve("gen").toString();
    SyntheticDocuments.generate(spark, g, 500).write().parquet(path);
    Dataset<Row> df = TokenTable.read(spark, path);
    assertFalse(Arrays.asList(df.columns()).contains(SyntheticDocuments.NEEDLE));
    int[] len = TokenTable.probeLengths(df);
    assertArrayEquals(new int[] {32, 16}, len);
    TokenRowDecoder decoder = TokenRowDecoder.forSchema(df.schema(), g.heads(), len[0], len[1]);
    long rows = df.queryExecution().toRdd().toJavaRDD().map(decoder::decode).count();
    assertEquals(SyntheticDocuments.totalTokens(g), rows);
  }

  @Test
  void needlesInShortDocuments() {
    GeneratorSpec g = new GeneratorSpec(1, 5, 5, 1, 4, 4, 1, 10, 0, false);
    int[][] pairs = SyntheticDocuments.needles(g, 0, 5);
    assertEquals(2, pairs.length);
    assertEquals(0, SyntheticDocuments.needles(g, 0, 1).length);
    boolean[] used = new boolean[5];
    for (int[] p : pairs) {
      for (int x : p) {
        assertFalse(used[x], "distinct positions");
        used[x] = true;
      }
    }
    int[][] many = SyntheticDocuments.needles(g, 0, 20);
    assertEquals(10, many.length); // every position used exactly once
  }

  @Test
  void runsCoverEveryTokenOnce() {
    int[] lengths = {5, 1, 12, 3};
    List<int[]> runs = SyntheticDocuments.runs(lengths, 4);
    int[] seen = new int[4];
    for (int[] run : runs) {
      int size = 0;
      for (int i = 0; i < run.length; i += 3) {
        assertEquals(seen[run[i]], run[i + 1], "contiguous");
        seen[run[i]] = run[i + 2];
        size += run[i + 2] - run[i + 1];
      }
      assertTrue(size <= 4);
    }
    assertArrayEquals(lengths, seen);
    assertEquals(6, runs.size());
  }

  @Test
  void standardNormal() {
    assertEquals(1.959963985, StandardNormal.inverseCdf(0.975), 1e-8);
    assertEquals(-2.326347874, StandardNormal.inverseCdf(0.01), 1e-8);
    SyntheticDocuments.Bits bits = new SyntheticDocuments.Bits(3);
    float[] x = bits.normals(1_000_001);
    double s = 0;
    double s2 = 0;
    double s4 = 0;
    for (float v : x) {
      s += v;
      s2 += v * v;
      s4 += (double) v * v * v * v;
    }
    double n = x.length;
    assertEquals(0, s / n, 0.005);
    assertEquals(1, s2 / n, 0.01);
    assertEquals(3, s4 / n, 0.1); // Gaussian kurtosis
  }

  @Test
  void specValidationNamesTheFlag() {
    InputException e =
        assertThrows(
            InputException.class, () -> new GeneratorSpec(1, 10, 5, 1, 4, 4, 1, 1, 0, false));
    assertEquals("--max-tokens (5) must be >= --min-tokens (10)", e.getMessage());
    e =
        assertThrows(
            InputException.class, () -> new GeneratorSpec(1, 1, 5, 1, 4, 4, 1, 1, 1.5, false));
    assertEquals("--global-fraction must be in [0, 1], got 1.5", e.getMessage());
    e =
        assertThrows(
            InputException.class, () -> new GeneratorSpec(0, 1, 5, 1, 4, 4, 1, 1, 0, false));
    assertEquals("--docs must be >= 1, got 0", e.getMessage());
  }

  private static Map<String, List<Token>> byDoc(List<Token> tokens) {
    Map<String, List<Token>> docs = new LinkedHashMap<>();
    for (Token t : tokens) {
      docs.computeIfAbsent(t.t().docId(), x -> new ArrayList<>()).add(t);
    }
    return docs;
  }

  private static double dot(float[] a, float[] b, int off, int len) {
    double s = 0;
    for (int i = off; i < off + len; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }
}
