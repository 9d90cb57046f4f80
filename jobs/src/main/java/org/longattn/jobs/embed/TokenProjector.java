package org.longattn.jobs.embed;

import java.util.Iterator;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.TokenTable;

/**
 * Rows {@code (doc_id, pos, token)} → token-table rows {@code (doc_id, pos, q, k, v, token)}: the
 * word vector of the token (zeros when the word is not in the vocabulary) plus its sinusoidal
 * position, projected per head by {@link Projection}.
 */
final class TokenProjector implements FlatMapFunction<Iterator<Row>, Row> {
  private static final long serialVersionUID = 1L;

  /** The extra column: the token's word (lower-cased). */
  static final String TOKEN = "token";

  private final Broadcast<Map<String, float[]>> vectors;
  private final Broadcast<Projection> projection;
  private final boolean binary;

  TokenProjector(
      Broadcast<Map<String, float[]>> vectors, Broadcast<Projection> projection, boolean binary) {
    this.vectors = vectors;
    this.projection = projection;
    this.binary = binary;
  }

  /** doc_id, pos, q, k, v (array&lt;float&gt; or binary), token. */
  static StructType schema(boolean binary) {
    return TokenTable.vectorSchema(binary).add(TOKEN, DataTypes.StringType, false);
  }

  @Override
  public Iterator<Row> call(Iterator<Row> in) {
    Map<String, float[]> words = vectors.value();
    Projection proj = projection.value();
    double[] x = new double[proj.width()];
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return in.hasNext();
      }

      @Override
      public Row next() {
        Row r = in.next();
        String doc = r.getString(0);
        int pos = r.getInt(1);
        String token = r.getString(2);
        proj.input(words.get(token), pos, x);
        return RowFactory.create(
            doc, pos, encode(proj.query(x)), encode(proj.key(x)), encode(proj.value(x)), token);
      }
    };
  }

  private Object encode(float[] v) {
    return binary ? FloatBytes.encode(v) : v;
  }
}
