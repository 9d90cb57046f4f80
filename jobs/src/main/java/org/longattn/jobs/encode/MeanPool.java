package org.longattn.jobs.encode;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.TokenTable;
import scala.Tuple2;

/**
 * The mean of each document's token vectors (all-MiniLM-L6-v2's sentence embedding: mean pooling
 * over every token, [CLS] and [SEP] included, no normalisation), summed in an order fixed by
 * positions alone so that the result is bitwise the same for any partitioning: per chunk of {@link
 * #CHUNK} positions the vectors in position order (double), then the chunks in chunk order.
 */
final class MeanPool {
  static final String EMBEDDING = "embedding";

  /** Positions per partial sum. */
  static final int CHUNK = 4096;

  static final StructType SCHEMA =
      new StructType()
          .add(TokenTable.DOC_ID, DataTypes.StringType, false)
          .add(EMBEDDING, DataTypes.createArrayType(DataTypes.FloatType, false), false);

  private MeanPool() {}

  /**
   * One row (doc_id, embedding) per document of {@code rows} (doc_id, pos, …, the vector as
   * little-endian float32 bytes in column {@code vector}).
   */
  static Dataset<Row> of(Dataset<Row> rows, String vector, int partitions) {
    JavaRDD<Row> pooled =
        rows.select(TokenTable.DOC_ID, TokenTable.POS, vector)
            .javaRDD()
            .mapToPair(
                r ->
                    new Tuple2<>(
                        new Tuple2<>(r.getString(0), r.getInt(1) / CHUNK),
                        new Tuple2<>(r.getInt(1), (byte[]) r.getAs(2))))
            .groupByKey(partitions)
            .mapToPair(
                g -> {
                  List<Tuple2<Integer, byte[]>> tokens = new ArrayList<>();
                  g._2().forEach(tokens::add);
                  tokens.sort((a, b) -> Integer.compare(a._1(), b._1()));
                  double[] sum = null;
                  float[] v = null;
                  for (Tuple2<Integer, byte[]> t : tokens) {
                    v = FloatBytes.decodeFloats(t._2());
                    if (sum == null) {
                      sum = new double[v.length];
                    }
                    for (int c = 0; c < v.length; c++) {
                      sum[c] += v[c];
                    }
                  }
                  return new Tuple2<>(g._1()._1(), new Partial(g._1()._2(), tokens.size(), sum));
                })
            .groupByKey(partitions)
            .map(
                g -> {
                  List<Partial> parts = new ArrayList<>();
                  g._2().forEach(parts::add);
                  parts.sort((a, b) -> Integer.compare(a.chunk, b.chunk));
                  double[] sum = new double[parts.get(0).sum.length];
                  long n = 0;
                  for (Partial p : parts) {
                    n += p.count;
                    for (int c = 0; c < sum.length; c++) {
                      sum[c] += p.sum[c];
                    }
                  }
                  float[] mean = new float[sum.length];
                  for (int c = 0; c < sum.length; c++) {
                    mean[c] = (float) (sum[c] / n);
                  }
                  return RowFactory.create(g._1(), mean);
                });
    return rows.sparkSession().createDataFrame(pooled, SCHEMA);
  }

  /** The sum of one chunk's vectors (a plain class: Kryo cannot build records). */
  static final class Partial implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    int chunk;
    long count;
    double[] sum;

    Partial() {}

    Partial(int chunk, long count, double[] sum) {
      this.chunk = chunk;
      this.count = count;
      this.sum = sum;
    }
  }
}
