package org.longattn.jobs.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.InputException;

/**
 * An {@code advise} output ({@code DIR/advice.json}) for the report's first screen: its
 * recommendation, baselines and, per candidate, name, cost, mean coverage and error (the per-head
 * lists and the samples stay in advice.json).
 */
final class Advice {
  private Advice() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> read(SparkSession spark, String dir) {
    Path p = new Path(dir, "advice.json");
    Map<String, Object> a;
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(new Path(dir))) {
        throw new InputException("--advice '" + dir + "' does not exist");
      }
      if (!fs.exists(p)) {
        throw new InputException("--advice '" + dir + "' has no advice.json: not an advise output");
      }
      try (InputStream in = fs.open(p)) {
        a = new ObjectMapper().readValue(in, Map.class);
      }
    } catch (IOException e) {
      throw new InputException(
          "--advice '"
              + dir
              + "': cannot read advice.json: "
              + InputException.oneLine(e.getMessage()));
    }
    if (!(a.get("recommendation") instanceof Map) || !(a.get("candidates") instanceof List)) {
      throw new InputException(
          "--advice '" + dir + "': advice.json has no recommendation or candidates");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("path", dir);
    for (String k : new String[] {"target_coverage", "max_error", "recommendation"}) {
      if (a.containsKey(k)) {
        out.put(k, a.get(k));
      }
    }
    if (a.get("baselines") instanceof Map<?, ?> b) {
      Map<String, Object> base = new LinkedHashMap<>();
      b.forEach(
          (k, v) -> {
            if (!"heads".equals(k)) {
              base.put(String.valueOf(k), v);
            }
          });
      out.put("baselines", base);
    }
    List<Map<String, Object>> cands = new ArrayList<>();
    for (Object o : (List<?>) a.get("candidates")) {
      if (o instanceof Map<?, ?> c) {
        Map<String, Object> m = new LinkedHashMap<>();
        c.forEach(
            (k, v) -> {
              if (!"heads".equals(k) && !"layers".equals(k)) {
                m.put(String.valueOf(k), v);
              }
            });
        cands.add(m);
      }
    }
    out.put("candidates", cands);
    return out;
  }
}
