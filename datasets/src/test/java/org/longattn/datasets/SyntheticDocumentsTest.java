package org.longattn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class SyntheticDocumentsTest {
  private final SparkSession spark = SparkTestSession.get();

  private static Map<String, Row> byKey(List<Row> rows) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : rows) {
      m.put(r.getString(0) + "#" + r.getInt(1), r);
    }
    return m;
  }

  private static float[] floats(Row r, int i) {
    Object o = r.get(i);
    if (o instanceof byte[] b) {
      return FloatBytes.decodeFloats(b);
    }
    List<Float> l = r.getList(i);
    float[] a = new float[l.size()];
    for (int x = 0; x < a.length; x++) {
      a[x] = l.get(x);
    }
    return a;
  }

  @Test
  void deterministicForASeedAndIndependentOfPartitioning() {
    GeneratorSpec g = new GeneratorSpec(3, 50, 900, 2, 8, 4, 11, 3, 0.05, false);
    Map<String, Row> a = byKey(SyntheticDocuments.generate(spark, g).collectAsList());
    Map<String, Row> b =
        byKey(SyntheticDocuments.generate(spark, g).repartition(5).collectAsList());
    assertEquals(a.keySet(), b.keySet());
    int[] lengths = SyntheticDocuments.lengths(g);
    assertEquals(java.util.Arrays.stream(lengths).sum(), a.size());
    for (String k : a.keySet()) {
      for (int c = 2; c <= 4; c++) {
        assertArrayEquals(floats(a.get(k), c), floats(b.get(k), c), k);
      }
      assertEquals(a.get(k).getBoolean(5), b.get(k).getBoolean(5));
    }
    for (int d = 0; d < lengths.length; d++) {
      assertTrue(lengths[d] >= 50 && lengths[d] <= 900);
      assertTrue(a.get(SyntheticDocuments.docId(d) + "#0").getBoolean(5), "position 0 is global");
    }
    GeneratorSpec other = new GeneratorSpec(3, 50, 900, 2, 8, 4, 12, 3, 0.05, false);
    Map<String, Row> c = byKey(SyntheticDocuments.generate(spark, other).collectAsList());
    Row r0 = a.get("doc-00000#1");
    Row c0 = c.get("doc-00000#1");
    assertFalse(
        c0 != null && java.util.Arrays.equals(floats(r0, 2), floats(c0, 2)),
        "another seed gives other vectors");
  }

  @Test
  void binaryAndArrayEncodingsCarryTheSameFloats() {
    GeneratorSpec arr = new GeneratorSpec(1, 300, 300, 3, 8, 5, 3, 2, 0.0, false);
    GeneratorSpec bin = new GeneratorSpec(1, 300, 300, 3, 8, 5, 3, 2, 0.0, true);
    Map<String, Row> a = byKey(SyntheticDocuments.generate(spark, arr).collectAsList());
    Map<String, Row> b = byKey(SyntheticDocuments.generate(spark, bin).collectAsList());
    for (String k : a.keySet()) {
      for (int c = 2; c <= 4; c++) {
        assertArrayEquals(floats(a.get(k), c), floats(b.get(k), c), k);
      }
    }
    assertEquals(24, floats(a.get("doc-00000#0"), 2).length);
    assertEquals(15, floats(a.get("doc-00000#0"), 4).length);
  }

  /** The planted key gets the top dot-product score of its query over the whole document. */
  @Test
  void needlesAreTheTopMatchOfTheirQueryAndFarAway() {
    GeneratorSpec g = new GeneratorSpec(2, 2000, 3000, 2, 16, 16, 5, 4, 0.0, false);
    Map<String, Row> rows = byKey(SyntheticDocuments.generate(spark, g).collectAsList());
    int[] lengths = SyntheticDocuments.lengths(g);
    List<int[]> needles = SyntheticDocuments.allNeedles(g);
    assertEquals(8, needles.size());
    for (int[] nd : needles) {
      String doc = SyntheticDocuments.docId(nd[0]);
      int a = nd[1];
      int b = nd[2];
      int n = lengths[nd[0]];
      assertTrue(Math.abs(a - b) > n / 4, "needle far away: " + a + " -> " + b);
      assertEquals(b, rows.get(doc + "#" + a).getInt(6), "needle column names the key");
      float[] q = floats(rows.get(doc + "#" + a), 2);
      for (int h = 0; h < 2; h++) {
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          float[] k = floats(rows.get(doc + "#" + j), 3);
          double s = 0;
          for (int c = 0; c < 16; c++) {
            s += q[h * 16 + c] * k[h * 16 + c];
          }
          if (s > bestScore) {
            bestScore = s;
            best = j;
          }
        }
        assertEquals(b, best, doc + " query " + a + " head " + h);
        assertEquals(SyntheticDocuments.NEEDLE_SCORE, bestScore / Math.sqrt(16), 1e-3);
      }
    }
  }
}
