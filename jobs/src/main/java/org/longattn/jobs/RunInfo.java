package org.longattn.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.sql.SparkSession;
import org.longattn.jobs.attend.AttendParams;
import org.longattn.kernels.opencl.OpenClDevices;
import org.longattn.kernels.span.HeadShape;

/** The {@code _longattn.json} every job writes into its output directory (DESIGN §1). */
public final class RunInfo {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RunInfo() {}

  /** The project version (from the build). */
  public static String version() {
    try (InputStream in = RunInfo.class.getResourceAsStream("/longattn.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  public static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The common header of every job's record. */
  public static Map<String, Object> header(SparkSession spark, String command) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("longattn_version", version());
    m.put("command", command);
    m.put("created", Instant.now().toString());
    m.put("spark_version", spark.version());
    m.put("master", spark.sparkContext().master());
    m.put("default_parallelism", spark.sparkContext().defaultParallelism());
    return m;
  }

  /** The record of an {@code attend} run (timings and shuffle sizes are added by the job). */
  public static Map<String, Object> attend(
      SparkSession spark,
      AttendParams p,
      HeadShape shape,
      int documents,
      long rows,
      long spans,
      int partitions,
      String device) {
    Map<String, Object> m = header(spark, "attend");
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("input", p.input());
    params.put("output", p.output());
    params.put("heads", shape.heads());
    params.put("head_dim", shape.d());
    params.put("value_dim", shape.dv());
    params.put("stats", p.stats());
    params.put("output_encoding", p.binaryOutput() ? "binary" : "array");
    params.put("span_tokens", p.spanBlocks() * p.pattern().blockSize());
    params.put("partitions", partitions);
    m.put("parameters", params);
    m.put("pattern", p.pattern().parameters());
    m.put("seed", p.pattern().seed());
    m.put("documents", documents);
    m.put("rows", rows);
    m.put("spans", spans);
    m.put("backend", p.backend());
    m.put("device", device);
    String opencl = OpenClDevices.status();
    if (opencl != null) {
      m.put("opencl", opencl); // what auto (or opencl) found on the driver
    }
    return m;
  }
}
