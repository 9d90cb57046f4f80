package org.longattn.jobs.arrays;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.AtomicOutput;
import org.longattn.datasets.tensors.ArrayDocuments;
import org.longattn.datasets.tensors.ArrayTokens;
import org.longattn.jobs.Progress;
import org.longattn.jobs.RunInfo;
import org.longattn.jobs.TableLayout;

/**
 * {@code import}: {@code .npy} / {@code .safetensors} arrays → token table, written atomically with
 * its {@code _longattn.json} (stating the heads, so {@code attend} needs no {@code --heads}). Every
 * header is read and checked on the driver before anything is written; the rows are streamed from
 * the files by Spark tasks ({@link ArrayTokens}).
 */
public final class ImportJob {
  private ImportJob() {}

  /**
   * Runs the import.
   *
   * @param heads {@code --heads}, or null when every array is n × H × d
   */
  public static Map<String, Object> run(
      SparkSession spark,
      List<String> inputs,
      String output,
      Integer heads,
      boolean binary,
      boolean overwrite) {
    Progress progress = new Progress("import");
    AtomicOutput.checkTarget(spark, output, overwrite);
    ArrayDocuments.Plan plan =
        ArrayDocuments.plan(spark.sparkContext().hadoopConfiguration(), inputs, heads);
    long rows = plan.rows();
    progress.stage(
        "plan",
        plan.documents().size()
            + " documents, "
            + rows
            + " tokens, "
            + plan.heads()
            + " heads × "
            + plan.headDim()
            + " (v "
            + plan.valueDim()
            + ")");
    Dataset<Row> tokens = ArrayTokens.read(spark, plan, binary, ArrayTokens.taskRows(plan));
    Map<String, Object> info = RunInfo.header(spark, "import");
    AtomicOutput.write(
        spark,
        output,
        overwrite,
        tmp -> {
          tokens.write().parquet(tmp);
          progress.stage("read+write", rows + " rows written");
          Map<String, Object> params = new LinkedHashMap<>();
          params.put("inputs", inputs);
          params.put("output", output);
          params.put("heads", plan.heads());
          params.put("head_dim", plan.headDim());
          params.put("value_dim", plan.valueDim());
          params.put("output_encoding", binary ? "binary" : "array");
          info.put("parameters", params);
          info.put(
              TableLayout.SECTION,
              TableLayout.section(plan.heads(), plan.headDim(), plan.valueDim()));
          info.put("documents", plan.documents().size());
          info.put("rows", rows);
          info.put("timings_s", progress.timings());
          AtomicOutput.writeText(spark, tmp, "_longattn.json", RunInfo.toJson(info));
        });
    progress.done("token table in " + output);
    return info;
  }
}
