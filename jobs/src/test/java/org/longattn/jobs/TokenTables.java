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
    SparkTestSession.get()
        .createDataFrame(rows, SCHEMA)
        .repartition(files)
        .write()
        .mode("overwrite")
        .parquet(path);
  }
}
