package org.longattn.datasets.tensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.SparkTestSession;

/**
 * Documents cut into runs of a few rows (several tasks per document, runs starting mid-file) and
 * blocks: every row arrives once, in (document, pos) order, with the file's values, in either
 * encoding.
 */
class ArrayTokensTest {
  @TempDir Path tmp;

  @Test
  void runsAndBlocksReassembleEveryRowInOrder() {
    double[][] q = new double[2][];
    double[][] v = new double[2][];
    int[] n = {11, 6};
    for (int d = 0; d < 2; d++) {
      q[d] = TestArrays.values(n[d] * 4, 10 + d);
      v[d] = TestArrays.values(n[d] * 2, 20 + d);
      String doc = "d" + d;
      TestArrays.npy(tmp.resolve(doc + ".q.npy"), "<f4", d == 1, new int[] {n[d], 2, 2}, q[d]);
      TestArrays.npy(tmp.resolve(doc + ".k.npy"), ">f8", false, new int[] {n[d], 4}, q[d]);
      TestArrays.npy(tmp.resolve(doc + ".v.npy"), "<f2", false, new int[] {n[d], 2}, v[d]);
    }
    SparkSession spark = SparkTestSession.get();
    ArrayDocuments.Plan plan =
        ArrayDocuments.plan(spark.sparkContext().hadoopConfiguration(), List.of(tmp.toString()), 2);
    assertEquals(17, plan.rows());
    assertEquals(List.of(2, 2, 1), List.of(plan.heads(), plan.headDim(), plan.valueDim()));
    for (boolean binary : new boolean[] {false, true}) {
      List<Row> rows = ArrayTokens.read(spark, plan, binary, 4).collectAsList();
      assertEquals(17, rows.size());
      int i = 0;
      for (int d = 0; d < 2; d++) {
        for (int p = 0; p < n[d]; p++, i++) {
          Row r = rows.get(i);
          assertEquals("d" + d, r.getString(0));
          assertEquals(p, r.getInt(1));
          float[] want = floats(Arrays.copyOfRange(q[d], 4 * p, 4 * p + 4));
          assertArrayEquals(want, vector(r, 2, binary), "q " + d + "/" + p);
          assertArrayEquals(want, vector(r, 3, binary), "k " + d + "/" + p);
          assertArrayEquals(
              floats(Arrays.copyOfRange(v[d], 2 * p, 2 * p + 2)), vector(r, 4, binary));
        }
      }
    }
  }

  private static float[] floats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  private static float[] vector(Row r, int i, boolean binary) {
    if (binary) {
      return FloatBytes.decodeFloats((byte[]) r.get(i));
    }
    List<Float> l = r.getList(i);
    float[] f = new float[l.size()];
    for (int x = 0; x < f.length; x++) {
      f[x] = l.get(x);
    }
    return f;
  }
}
