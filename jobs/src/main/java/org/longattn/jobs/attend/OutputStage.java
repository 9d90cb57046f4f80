package org.longattn.jobs.attend;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.AtomicOutput;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.Progress;
import org.longattn.jobs.RunInfo;

/**
 * The output stage of {@code attend}: the engine's rows written as Parquet with {@code
 * _longattn.json}, atomically (a hidden temporary sibling renamed into place), and the CLI's whole
 * path: read → {@link AttendEngine} → write.
 */
public final class OutputStage {
  private OutputStage() {}

  /** {@code attend}: reads the token table, runs the engine, writes; returns the run record. */
  public static Map<String, Object> attend(SparkSession spark, AttendParams p) {
    Progress progress = new Progress("attend");
    AttendEngine.checkParameters(p);
    AtomicOutput.checkTarget(spark, p.output(), p.overwrite());
    AttendResult r = AttendEngine.run(TokenTable.read(spark, p.input()), p, progress);
    return write(spark, r, p.output(), p.overwrite());
  }

  /** {@code attend --queries}: as {@link #attend}, for cross-attention. */
  public static Map<String, Object> cross(SparkSession spark, CrossParams c) {
    Progress progress = new Progress("attend");
    AttendParams p = c.base();
    AtomicOutput.checkTarget(spark, p.output(), p.overwrite());
    AttendResult r = AttendEngine.cross(TokenTable.read(spark, p.input()), c, progress);
    return write(spark, r, p.output(), p.overwrite());
  }

  /**
   * Writes the rows and {@code _longattn.json} (the result's facts + stage timings) atomically,
   * then releases what the execution persisted; returns the record.
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> write(
      SparkSession spark, AttendResult r, String output, boolean overwrite) {
    ShuffleMeter meter = ShuffleMeter.start(spark);
    Map<String, Object> info = new LinkedHashMap<>();
    try {
      AtomicOutput.write(
          spark,
          output,
          overwrite,
          tmp -> {
            r.rows().write().parquet(tmp);
            r.progress().stage("attend+write", r.rowCount() + " rows written");
            info.putAll(r.record().facts(meter.bytesWritten()));
            info.put(
                "profile",
                StageProfile.record(
                    info.get("profile") instanceof Map<?, ?> engine
                        ? (Map<String, Object>) engine
                        : Map.of(),
                    meter.stages()));
            info.put("timings_s", r.progress().timings());
            AtomicOutput.writeText(spark, tmp, "_longattn.json", RunInfo.toJson(info));
          });
    } finally {
      meter.stop();
      r.release().run();
    }
    r.progress().done("output in " + output);
    return info;
  }
}
