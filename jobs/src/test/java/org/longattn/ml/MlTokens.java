package org.longattn.ml;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.longattn.datasets.SparkTestSession;
import org.longattn.jobs.TokenTables;

/** A small token table for the Transformer's tests, and a bitwise view of output rows. */
final class MlTokens {
  static final int HEADS = 3;

  private MlTokens() {}

  /**
   * Two documents (700 and 301 tokens, 3 globals each), 3 heads × d 4 (v: 3 × 2), written as
   * Parquet at {@code dir}; returns the path.
   */
  static String write(Path dir) {
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("alpha", 700, 3 * 4, 3 * 2, 3, 5),
            TokenTables.random("beta", 301, 3 * 4, 3 * 2, 3, 6));
    String path = dir.resolve("tokens").toString();
    TokenTables.write(TokenTables.rows(docs, 9), path, 3);
    return path;
  }

  static Dataset<Row> read(String path) {
    return SparkTestSession.get().read().parquet(path);
  }

  /**
   * Every row of doc_id, pos, out (and any further columns) as text, floats by their bits, sorted.
   */
  static List<String> bits(Dataset<Row> df) {
    List<String> out = new ArrayList<>();
    for (Row r : df.collectAsList()) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < r.length(); i++) {
        sb.append(i == 0 ? "" : "|").append(cell(r.get(i)));
      }
      out.add(sb.toString());
    }
    out.sort(null);
    return out;
  }

  private static String cell(Object o) {
    if (o instanceof Float f) {
      return Integer.toHexString(Float.floatToRawIntBits(f));
    }
    if (o instanceof scala.collection.Seq<?> s) {
      StringBuilder sb = new StringBuilder("[");
      scala.collection.Iterator<?> it = s.iterator();
      while (it.hasNext()) {
        sb.append(cell(it.next())).append(',');
      }
      return sb.append(']').toString();
    }
    return String.valueOf(o);
  }
}
