package org.longattn.jobs.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.TokenTable;

/**
 * Error of the attend output against exact softmax attention on the coverage samples: per sampled
 * query and head, ‖out − exact‖₂ / ‖exact‖₂, where exact = Σ_j softmax(s)_j·v_j over every key of
 * the document (j ≤ i when causal), computed in double by {@link Coverage} in the same pass. For a
 * sparse pattern it measures what the pattern's restriction changes in the output; for an
 * approximating family (performer, linformer, …) it is the approximation error.
 */
final class OutputError {
  private OutputError() {}

  static Map<String, Object> compute(Dataset<Row> output, Coverage.Result cov, int heads, int dv) {
    List<String> keys = new ArrayList<>();
    cov.samples.forEach(
        (doc, s) -> {
          for (int p : s.pos) {
            keys.add(doc + "#" + p);
          }
        });
    boolean binary = output.schema().apply(TokenTable.OUT).dataType().equals(DataTypes.BinaryType);
    Map<String, float[]> outs = new HashMap<>();
    for (Row r :
        output
            .filter(
                concat(col(TokenTable.DOC_ID), lit("#"), col(TokenTable.POS)).isin(keys.toArray()))
            .select(col(TokenTable.DOC_ID), col(TokenTable.POS), col(TokenTable.OUT))
            .collectAsList()) {
      float[] o;
      if (binary) {
        o = FloatBytes.decodeFloats((byte[]) r.get(2));
      } else {
        List<Float> l = r.getList(2);
        o = new float[l.size()];
        for (int c = 0; c < o.length; c++) {
          o[c] = l.get(c);
        }
      }
      outs.put(r.getString(0) + "#" + r.getInt(1), o);
    }
    double[] sum = new double[heads];
    double[] max = new double[heads];
    double[] meanVSum = new double[heads];
    int queries = 0;
    for (Map.Entry<String, SampledQueries> e : new TreeMap<>(cov.samples).entrySet()) {
      double[] exact = cov.exact.get(e.getKey());
      double[] meanV = cov.meanV.get(e.getKey());
      int[] pos = e.getValue().pos;
      for (int i = 0; i < pos.length; i++) {
        float[] o = outs.get(e.getKey() + "#" + pos[i]);
        if (o == null || o.length != heads * dv) {
          throw new IllegalStateException(
              "output has no row of " + heads * dv + " values for " + e.getKey() + "#" + pos[i]);
        }
        queries++;
        for (int h = 0; h < heads; h++) {
          double diff = 0;
          double norm = 0;
          double diffMeanV = 0;
          for (int c = 0; c < dv; c++) {
            double x = exact[(i * heads + h) * dv + c];
            diff += (o[h * dv + c] - x) * (o[h * dv + c] - x);
            double u = meanV[(i * heads + h) * dv + c] - x;
            diffMeanV += u * u;
            norm += x * x;
          }
          double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), Double.MIN_NORMAL);
          meanVSum[h] += Math.sqrt(diffMeanV) / Math.max(Math.sqrt(norm), Double.MIN_NORMAL);
          sum[h] += rel;
          max[h] = Math.max(max[h], rel);
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(
        "definition",
        "||out - exact||_2 / ||exact||_2 per sampled query and head; exact = softmax attention"
            + " over every key of the document (j <= i when causal), in double");
    out.put("queries", queries);
    out.put(
        "baselines",
        "zero_output_error: the error of an all-zero output, 1 by definition; mean_v_error: the"
            + " error of uniform attention over every key the query may read (the mean of their v"
            + " rows). An error near them means the output keeps little of exact attention");
    List<Map<String, Object>> perHead = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("head", h);
      m.put("mean", queries == 0 ? 0 : sum[h] / queries);
      m.put("max", max[h]);
      m.put("zero_output_error", 1.0);
      m.put("mean_v_error", queries == 0 ? 0 : meanVSum[h] / queries);
      perHead.add(m);
    }
    out.put("per_head", perHead);
    return out;
  }
}
