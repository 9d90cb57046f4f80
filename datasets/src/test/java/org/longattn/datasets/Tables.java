package org.longattn.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Small hand-made token tables written as Parquet for the tests. */
final class Tables {
  static final DataType FLOATS = DataTypes.createArrayType(DataTypes.FloatType, true);
  static final DataType DOUBLES = DataTypes.createArrayType(DataTypes.DoubleType, true);

  private Tables() {}

  /** doc_id, pos, q, k, v of the given vector type, global. */
  static StructType schema(DataType vec) {
    return new StructType()
        .add(TokenTable.DOC_ID, DataTypes.StringType)
        .add(TokenTable.POS, DataTypes.IntegerType)
        .add(TokenTable.Q, vec)
        .add(TokenTable.K, vec)
        .add(TokenTable.V, vec)
        .add(TokenTable.GLOBAL, DataTypes.BooleanType);
  }

  /** Deterministic finite values for (doc, pos, column). */
  static float[] values(int doc, int pos, int column, int len) {
    float[] a = new float[len];
    for (int i = 0; i < len; i++) {
      a[i] = (float) Math.sin(1.0 + doc * 7.3 + pos * 1.7 + column * 0.37 + i * 0.11) * 3;
    }
    return a;
  }

  /** A valid table: docs × n tokens, q/k of qLen values and v of vLen, as float lists. */
  static List<Row> rows(int docs, int n, int qLen, int vLen) {
    List<Row> rows = new ArrayList<>();
    for (int d = 0; d < docs; d++) {
      for (int p = 0; p < n; p++) {
        rows.add(
            RowFactory.create(
                "d" + d,
                p,
                list(values(d, p, 0, qLen)),
                list(values(d, p, 1, qLen)),
                list(values(d, p, 2, vLen)),
                p == 0));
      }
    }
    return rows;
  }

  static List<Float> list(float[] a) {
    Float[] boxed = new Float[a.length];
    for (int i = 0; i < a.length; i++) {
      boxed[i] = a[i];
    }
    return Arrays.asList(boxed);
  }

  static List<Double> doubles(float[] a) {
    Double[] boxed = new Double[a.length];
    for (int i = 0; i < a.length; i++) {
      boxed[i] = (double) a[i];
    }
    return Arrays.asList(boxed);
  }

  /** Replaces column {@code c} of row {@code r}. */
  static Row with(Row r, int c, Object value) {
    Object[] v = new Object[r.length()];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.get(i);
    }
    v[c] = value;
    return RowFactory.create(v);
  }

  /** Writes rows as Parquet (one file per partition) and returns the path. */
  static String write(Path dir, String name, List<Row> rows, StructType schema, int partitions) {
    String path = dir.resolve(name).toString();
    Dataset<Row> df = SparkTestSession.get().createDataFrame(rows, schema).repartition(partitions);
    df.write().parquet(path);
    return path;
  }

  static String write(Path dir, String name, List<Row> rows, StructType schema) {
    String path = dir.resolve(name).toString();
    SparkTestSession.get().createDataFrame(rows, schema).coalesce(1).write().parquet(path);
    return path;
  }
}
