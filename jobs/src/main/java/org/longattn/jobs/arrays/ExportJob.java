package org.longattn.jobs.arrays;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.longattn.datasets.AtomicOutput;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenTable;
import org.longattn.datasets.tensors.DocFileNames;
import org.longattn.datasets.tensors.NpyExport;
import org.longattn.jobs.Progress;
import org.longattn.jobs.RunInfo;
import org.longattn.jobs.TableLayout;

/**
 * {@code export}: one vector column of a table (an {@code attend} output's {@code out} by default)
 * → one float32 {@code .npy} per document, plus {@code manifest.json} (which file holds which
 * document, its shape) and {@code _longattn.json}, written atomically ({@link NpyExport}).
 */
public final class ExportJob {
  /** The manifest's file name. */
  public static final String MANIFEST = "manifest.json";

  private ExportJob() {}

  /**
   * Runs the export.
   *
   * @param column the vector column (array&lt;float&gt;, array&lt;double&gt; or binary)
   * @param heads {@code --heads}, or null: the input's {@code _longattn.json} says (or nobody)
   * @param perHead write n × H × (W/H) arrays instead of n × W
   */
  public static Map<String, Object> run(
      SparkSession spark,
      String input,
      String output,
      String column,
      Integer heads,
      boolean perHead,
      boolean overwrite) {
    Progress progress = new Progress("export");
    AtomicOutput.checkTarget(spark, output, overwrite);
    Dataset<Row> table = read(spark, input, column);
    Integer h = heads(input, heads);
    int width = width(table, input, column);
    int[] rowShape;
    if (perHead) {
      if (h == null) {
        throw new InputException(
            "--layout heads needs --heads: input '" + input + "' has no _longattn.json stating it");
      }
      if (width % h != 0) {
        throw new InputException(
            "input '"
                + input
                + "' column '"
                + column
                + "': length "
                + width
                + " is not divisible by "
                + h
                + " heads");
      }
      rowShape = new int[] {h, width / h};
    } else {
      rowShape = new int[] {width};
    }
    Map<String, Integer> rows = documents(table);
    long total = rows.values().stream().mapToLong(Integer::longValue).sum();
    progress.stage("plan", rows.size() + " documents, " + total + " rows of " + width + " values");
    Map<String, Object> info = RunInfo.header(spark, "export");
    int partitions =
        Math.max(1, Math.min(rows.size(), 4 * spark.sparkContext().defaultParallelism()));
    AtomicOutput.write(
        spark,
        output,
        overwrite,
        tmp -> {
          mkdirs(spark, tmp);
          NpyExport.write(table, tmp, rows, rowShape, partitions);
          progress.stage("write", rows.size() + " files, " + total + " rows");
          AtomicOutput.writeText(
              spark, tmp, MANIFEST, RunInfo.toJson(manifest(column, h, rowShape, rows)));
          Map<String, Object> params = new LinkedHashMap<>();
          params.put("input", input);
          params.put("output", output);
          params.put("column", column);
          params.put("heads", h);
          params.put("layout", perHead ? "heads" : "flat");
          info.put("parameters", params);
          info.put("documents", rows.size());
          info.put("rows", total);
          info.put("timings_s", progress.timings());
          AtomicOutput.writeText(spark, tmp, "_longattn.json", RunInfo.toJson(info));
        });
    progress.done(rows.size() + " .npy files in " + output);
    return info;
  }

  private static Map<String, Object> manifest(
      String column, Integer heads, int[] rowShape, Map<String, Integer> rows) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", "npy");
    m.put("dtype", "float32");
    m.put("column", column);
    m.put("heads", heads);
    m.put("layout", rowShape.length == 1 ? "n × heads·dim" : "n × heads × dim");
    List<Map<String, Object>> docs = new ArrayList<>();
    rows.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              Map<String, Object> d = new LinkedHashMap<>();
              d.put("doc_id", e.getKey());
              d.put("file", DocFileNames.encode(e.getKey()) + ".npy");
              List<Integer> shape = new ArrayList<>();
              shape.add(e.getValue());
              for (int s : rowShape) {
                shape.add(s);
              }
              d.put("shape", shape);
              docs.add(d);
            });
    m.put("documents", docs);
    return m;
  }

  /** doc_id, pos (int), the column (array&lt;float&gt; or binary); checked. */
  private static Dataset<Row> read(SparkSession spark, String input, String column) {
    Path p = new Path(input);
    Dataset<Row> raw;
    try {
      FileSystem fs = FileSystem.get(p.toUri(), spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        throw new InputException("input '" + input + "' does not exist");
      }
      raw = spark.read().parquet(input);
    } catch (IOException e) {
      throw new InputException("input '" + input + "': " + e.getMessage());
    } catch (InputException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InputException(
          "input '" + input + "' is not a readable Parquet table: " + firstLine(e.getMessage()));
    }
    List<String> names = List.of(raw.columns());
    for (String c : List.of(TokenTable.DOC_ID, TokenTable.POS, column)) {
      if (!names.contains(c)) {
        throw new InputException(
            "input '"
                + input
                + "' column '"
                + c
                + "': missing (columns found: "
                + String.join(", ", names)
                + ")");
      }
    }
    DataType doc = raw.schema().apply(TokenTable.DOC_ID).dataType();
    DataType pos = raw.schema().apply(TokenTable.POS).dataType();
    DataType vec = raw.schema().apply(column).dataType();
    if (!doc.equals(DataTypes.StringType)) {
      throw type(input, TokenTable.DOC_ID, doc, "string");
    }
    if (!pos.equals(DataTypes.IntegerType) && !pos.equals(DataTypes.LongType)) {
      throw type(input, TokenTable.POS, pos, "int");
    }
    Column v;
    if (vec.equals(DataTypes.BinaryType)) {
      v = col(column);
    } else if (vec instanceof ArrayType a
        && (a.elementType().equals(DataTypes.FloatType)
            || a.elementType().equals(DataTypes.DoubleType))) {
      v = col(column).cast(DataTypes.createArrayType(DataTypes.FloatType, a.containsNull()));
    } else {
      throw type(input, column, vec, "array<float>, array<double> or binary");
    }
    Column position =
        pos.equals(DataTypes.LongType) // clamped: out-of-range positions fail the position check
            ? greatest(least(col(TokenTable.POS), lit((long) Integer.MAX_VALUE)), lit(-1L))
                .cast(DataTypes.IntegerType)
            : col(TokenTable.POS);
    return raw.select(col(TokenTable.DOC_ID), position.as(TokenTable.POS), v.as(column));
  }

  private static InputException type(String input, String column, DataType t, String expected) {
    return new InputException(
        "input '"
            + input
            + "' column '"
            + column
            + "': type "
            + t.simpleString()
            + ", expected "
            + expected);
  }

  /** The first non-null vector's length. */
  private static int width(Dataset<Row> table, String input, String column) {
    List<Row> first = table.where(col(column).isNotNull()).select(column).takeAsList(1);
    if (first.isEmpty()) {
      throw new InputException("input '" + input + "' has no rows with a '" + column + "' vector");
    }
    Object o = first.get(0).get(0);
    int w = o instanceof byte[] b ? b.length / 4 : first.get(0).getList(0).size();
    if (w == 0) {
      throw new InputException("input '" + input + "' column '" + column + "': empty vectors");
    }
    return w;
  }

  /** Rows per document, positions checked to be 0..n−1. */
  private static Map<String, Integer> documents(Dataset<Row> table) {
    Map<String, Integer> rows = new HashMap<>();
    for (Row r :
        table
            .groupBy(col(TokenTable.DOC_ID))
            .agg(count("*"), min(TokenTable.POS), max(TokenTable.POS))
            .collectAsList()) {
      if (r.isNullAt(0)) {
        throw new InputException("column 'doc_id': null document id");
      }
      String doc = r.getString(0);
      long n = r.getLong(1);
      if (r.isNullAt(2) || r.isNullAt(3)) {
        throw new InputException("doc '" + doc + "' column 'pos': null position");
      }
      TokenTable.checkPositions(
          doc, (int) Math.min(n, Integer.MAX_VALUE), n, r.getInt(2), r.getInt(3));
      rows.put(doc, (int) n);
    }
    return rows;
  }

  /** {@code --heads}, else the input's record: token_table.heads, or an attend run's heads. */
  private static Integer heads(String input, Integer flag) {
    if (flag != null) {
      if (flag < 1) {
        throw new InputException("--heads must be >= 1, got " + flag);
      }
      return flag;
    }
    Path record = new Path(input, "_longattn.json");
    try {
      FileSystem fs = FileSystem.get(record.toUri(), new org.apache.hadoop.conf.Configuration());
      if (!fs.isFile(record)) {
        return null;
      }
      JsonNode json;
      try (InputStream in = fs.open(record)) {
        json = new ObjectMapper().readTree(in);
      }
      JsonNode h = json == null ? null : json.path(TableLayout.SECTION).get("heads");
      if (h == null && json != null) {
        h = json.path("parameters").get("heads");
      }
      return h != null && h.canConvertToInt() && h.asInt() > 0 ? h.asInt() : null;
    } catch (IOException e) {
      throw new InputException("'" + record + "': cannot read: " + firstLine(e.getMessage()));
    }
  }

  private static void mkdirs(SparkSession spark, String dir) {
    Path p = new Path(dir);
    try {
      FileSystem.get(p.toUri(), spark.sparkContext().hadoopConfiguration()).mkdirs(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write output '" + dir + "'", e);
    }
  }

  private static String firstLine(String s) {
    String t = String.valueOf(s);
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
