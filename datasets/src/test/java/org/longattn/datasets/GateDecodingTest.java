package org.longattn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code gate} column (gated linear attention's log-gates) through {@link
 * TokenRowDecoder#withGateInValues()}: array and binary encodings give the same values appended
 * after v; a positive or NaN log-gate is rejected naming document, position and column.
 */
class GateDecodingTest {
  @TempDir Path dir;

  private static float[] gate(int pos) {
    float[] g = new float[8];
    for (int i = 0; i < 8; i++) {
      g[i] = -(pos + i) / 8f;
    }
    g[0] = pos == 3 ? Float.NEGATIVE_INFINITY : g[0];
    return g;
  }

  /** (pos, decoded v) of every row: records themselves cannot travel through Kryo. */
  private List<scala.Tuple2<Integer, float[]>> decode(boolean binary, float badValue) {
    StructType schema =
        Tables.schema(binary ? DataTypes.BinaryType : Tables.FLOATS)
            .add(TokenTable.GATE, binary ? DataTypes.BinaryType : Tables.FLOATS);
    List<Row> rows = new ArrayList<>();
    for (Row r : Tables.rows(1, 6, 8, 4)) {
      int pos = r.getInt(1);
      float[] g = gate(pos);
      if (pos == 4) {
        g[5] = badValue;
      }
      List<Object> values = new ArrayList<>();
      for (int c = 0; c < 6; c++) {
        Object x = r.get(c);
        values.add(binary && c >= 2 && c <= 4 ? FloatBytes.encode(floats(x)) : x);
      }
      values.add(binary ? FloatBytes.encode(g) : Tables.list(g));
      rows.add(RowFactory.create(values.toArray()));
    }
    String path = Tables.write(dir, "gates-" + binary + "-" + badValue, rows, schema);
    Dataset<Row> df = TokenTable.read(SparkTestSession.get(), path);
    TokenRowDecoder decoder = TokenRowDecoder.forSchema(df.schema(), 2, 8, 4);
    assertTrue(decoder.hasGate());
    TokenRowDecoder withGates = decoder.withGateInValues();
    List<scala.Tuple2<Integer, float[]>> out =
        new ArrayList<>(
            df.queryExecution()
                .toRdd()
                .toJavaRDD()
                .map(r -> withGates.decode(r))
                .map(t -> new scala.Tuple2<>(t.pos(), t.v()))
                .collect());
    out.sort(Comparator.comparingInt(scala.Tuple2::_1));
    return out;
  }

  private static float[] floats(Object list) {
    List<?> l = (List<?>) list;
    float[] a = new float[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = (Float) l.get(i);
    }
    return a;
  }

  @Test
  void arrayAndBinaryGatesFollowTheValues() {
    for (boolean binary : new boolean[] {false, true}) {
      List<scala.Tuple2<Integer, float[]>> recs = decode(binary, -0.5f);
      assertEquals(6, recs.size());
      for (scala.Tuple2<Integer, float[]> t : recs) {
        int pos = t._1();
        float[] v = t._2();
        assertEquals(12, v.length, "v then gate");
        float[] g = gate(pos);
        if (pos == 4) {
          g[5] = -0.5f;
        }
        assertArrayEquals(Tables.values(0, pos, 2, 4), java.util.Arrays.copyOf(v, 4));
        assertArrayEquals(g, java.util.Arrays.copyOfRange(v, 4, 12), "binary=" + binary);
      }
    }
  }

  @Test
  void positiveOrNanLogGatesAreRejected() {
    for (float bad : new float[] {0.25f, Float.NaN, Float.POSITIVE_INFINITY}) {
      SparkException e = assertThrows(SparkException.class, () -> decode(false, bad));
      Throwable t = e;
      while (t != null && !(t instanceof InputException)) {
        t = t.getCause();
      }
      String msg = t != null ? t.getMessage() : String.valueOf(e.getMessage());
      assertTrue(
          msg.contains("doc 'd0' pos 4 column 'gate': log-gate " + bad + " at index 5"), msg);
    }
    assertFalse(TokenRowDecoder.forSchema(Tables.schema(Tables.FLOATS), 2).hasGate());
  }
}
