package org.longattn.jobs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.longattn.datasets.SparkTestSession;
import org.longattn.kernels.TestData;

/** Token tables written by the tests themselves (independent of the generator). */
public final class TokenTables {
  /** One document in memory: token rows head-major, as the table stores them. */
  public record Doc(String id, int n, float[] q, float[] k, float[] v, int[] globals) {}

  private TokenTables() {}

  public static final StructType SCHEMA =
      new StructType()
          .add("doc_id", DataTypes.StringType)
          .add("pos", DataTypes.IntegerType)
          .add("q", DataTypes.createArrayType(DataTypes.FloatType))
          .add("k", DataTypes.createArrayType(DataTypes.FloatType))
          .add("v", DataTypes.createArrayType(DataTypes.FloatType))
          .add("global", DataTypes.BooleanType);

  public static Doc random(String id, int n, int qkWidth, int vWidth, int globals, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] g = new int[Math.min(globals, n)];
    for (int i = 0; i < g.length; i++) {
      g[i] = (int) ((long) (i + 1) * 7919 % n);
    }
    g = Arrays.stream(g).distinct().sorted().toArray();
    return new Doc(
        id,
        n,
        TestData.gaussian(rng, n, qkWidth, 1.0),
        TestData.gaussian(rng, n, qkWidth, 1.0),
        TestData.gaussian(rng, n, vWidth, 1.0),
        g);
  }

  /** {@link #SCHEMA} with a nullable boolean {@code mask} column. */
  public static final StructType SCHEMA_WITH_MASK = SCHEMA.add("mask", DataTypes.BooleanType);

  /**
   * {@link #rows} with a {@code mask} column: false where {@code padded(doc, i)}, else true or —
   * every third row — null (read as true).
   */
  public static List<Row> rowsWithMask(
      List<Doc> docs, java.util.Map<String, boolean[]> padded, long shuffleSeed) {
    List<Row> out = new ArrayList<>();
    for (Row r : rows(docs, shuffleSeed)) {
      boolean[] pad = padded.get(r.getString(0));
      int i = r.getInt(1);
      Boolean mask = pad != null && pad[i] ? Boolean.FALSE : (i % 3 == 0 ? null : Boolean.TRUE);
      Object[] values = new Object[r.length() + 1];
      for (int c = 0; c < r.length(); c++) {
        values[c] = r.get(c);
      }
      values[r.length()] = mask;
      out.add(RowFactory.create(values));
    }
    return out;
  }

  /** Rows of the docs in a shuffled (seeded) order: the job must not rely on input order. */
  public static List<Row> rows(List<Doc> docs, long shuffleSeed) {
    List<Row> rows = new ArrayList<>();
    for (Doc d : docs) {
      int qk = d.q().length / d.n();
      int vw = d.v().length / d.n();
      for (int i = 0; i < d.n(); i++) {
        rows.add(
            RowFactory.create(
                d.id(),
                i,
                boxed(d.q(), i * qk, qk),
                boxed(d.k(), i * qk, qk),
                boxed(d.v(), i * vw, vw),
                Arrays.binarySearch(d.globals(), i) >= 0));
      }
    }
    if (shuffleSeed != 0) {
      java.util.Collections.shuffle(rows, new java.util.Random(shuffleSeed));
    }
    return rows;
  }

  public static List<Float> boxed(float[] a, int off, int len) {
    List<Float> l = new ArrayList<>(len);
    for (int i = 0; i < len; i++) {
      l.add(a[off + i]);
    }
    return l;
  }

  /** Writes rows as a Parquet token table in {@code files} files. */
  public static void write(List<Row> rows, String path, int files) {
    write(rows, SCHEMA, path, files);
  }

  /** Writes rows of the given schema as a Parquet token table in {@code files} files. */
  public static void write(List<Row> rows, StructType schema, String path, int files) {
    SparkTestSession.get()
        .createDataFrame(rows, schema)
        .repartition(files)
        .write()
        .mode("overwrite")
        .parquet(path);
  }
}
