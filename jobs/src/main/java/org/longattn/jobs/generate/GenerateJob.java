package org.longattn.jobs.generate;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.AtomicOutput;
import org.longattn.datasets.GeneratorSpec;
import org.longattn.datasets.SyntheticDocuments;
import org.longattn.jobs.Progress;
import org.longattn.jobs.RunInfo;
import org.longattn.jobs.TableLayout;

/** {@code generate}: synthetic token table, written atomically with its {@code _longattn.json}. */
public final class GenerateJob {
  private GenerateJob() {}

  public static Map<String, Object> run(
      SparkSession spark, GeneratorSpec g, String output, boolean overwrite) {
    Progress progress = new Progress("generate");
    Dataset<Row> tokens = SyntheticDocuments.generate(spark, g);
    Map<String, Object> info = RunInfo.header(spark, "generate");
    AtomicOutput.write(
        spark,
        output,
        overwrite,
        tmp -> {
          tokens.write().parquet(tmp);
          long rows = java.util.Arrays.stream(SyntheticDocuments.lengths(g)).asLongStream().sum();
          progress.stage("write", g.docs() + " documents, " + rows + " tokens");
          Map<String, Object> params = new LinkedHashMap<>();
          params.put("docs", g.docs());
          params.put("min_tokens", g.minTokens());
          params.put("max_tokens", g.maxTokens());
          params.put("heads", g.heads());
          params.put("head_dim", g.headDim());
          params.put("value_dim", g.valueDim());
          params.put("needles", g.needles());
          params.put("global_fraction", g.globalFraction());
          params.put("encoding", g.binary() ? "binary" : "array");
          info.put("parameters", params);
          info.put(TableLayout.SECTION, TableLayout.section(g.heads(), g.headDim(), g.valueDim()));
          info.put("seed", g.seed());
          info.put("rows", rows);
          info.put("timings_s", progress.timings());
          AtomicOutput.writeText(spark, tmp, "_longattn.json", RunInfo.toJson(info));
        });
    progress.done("token table in " + output);
    return info;
  }
}
