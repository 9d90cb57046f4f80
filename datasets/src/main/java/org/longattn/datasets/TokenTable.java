package org.longattn.datasets;

import java.io.IOException;
import java.util.Arrays;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The token table (DESIGN §1): column names, reading with schema checks, the output schema. */
public final class TokenTable {
  public static final String DOC_ID = "doc_id";
  public static final String POS = "pos";
  public static final String Q = "q";
  public static final String K = "k";
  public static final String V = "v";
  public static final String GLOBAL = "global";
  public static final String GATE = "gate";
  public static final String MASK = "mask";

  private TokenTable() {}

  /**
   * Reads a token table and checks its schema: {@code doc_id} string, {@code pos} int (long is
   * cast), {@code q}, {@code k}, {@code v} array&lt;float&gt; (array&lt;double&gt; is cast) or
   * binary, optional {@code global} boolean. Other columns are dropped.
   */
  public static Dataset<Row> read(SparkSession spark, String path) {
    checkExists(spark, path);
    Dataset<Row> df;
    try {
      df = spark.read().parquet(path);
    } catch (Exception e) {
      String msg = String.valueOf(e.getMessage());
      if (msg.contains("Unable to infer schema")) {
        throw new InputException("input '" + path + "' is empty (no Parquet data files)");
      }
      throw new InputException(
          "input '" + path + "': not a readable Parquet table (" + firstLine(msg) + ")");
    }
    StructType schema = df.schema();
    require(schema, path, DOC_ID, "string", t -> t.equals(DataTypes.StringType));
    require(
        schema,
        path,
        POS,
        "int",
        t -> t.equals(DataTypes.IntegerType) || t.equals(DataTypes.LongType));
    for (String c : new String[] {Q, K, V}) {
      require(schema, path, c, "array<float> or binary", TokenTable::isVectorType);
    }
    boolean hasGlobal = Arrays.asList(schema.fieldNames()).contains(GLOBAL);
    if (hasGlobal) {
      require(schema, path, GLOBAL, "boolean", t -> t.equals(DataTypes.BooleanType));
    }
    Dataset<Row> out =
        df.select(
            functions.col(DOC_ID),
            functions.col(POS).cast(DataTypes.IntegerType).as(POS),
            vector(schema, Q),
            vector(schema, K),
            vector(schema, V),
            hasGlobal
                ? functions.coalesce(functions.col(GLOBAL), functions.lit(false)).as(GLOBAL)
                : functions.lit(false).as(GLOBAL));
    return out;
  }

  /**
   * The q and v lengths of the table's first row (the lengths every row must have); an input
   * without rows is an error naming {@code path}.
   */
  public static int[] probeLengths(Dataset<Row> df, String path) {
    java.util.List<Row> first = df.select(Q, V).takeAsList(1);
    if (first.isEmpty()) {
      throw new InputException("input '" + path + "' is empty (no token rows)");
    }
    return new int[] {vectorLength(first.get(0), 0, Q), vectorLength(first.get(0), 1, V)};
  }

  /** Schema of the output table: doc_id, pos, out and, with stats, four per-head arrays. */
  public static StructType outputSchema(int heads, boolean stats, boolean binary) {
    StructType s =
        new StructType()
            .add(DOC_ID, DataTypes.StringType, false)
            .add(POS, DataTypes.IntegerType, false)
            .add(
                "out",
                binary
                    ? DataTypes.BinaryType
                    : DataTypes.createArrayType(DataTypes.FloatType, false),
                false);
    if (stats) {
      for (String c : new String[] {"entropy", "mean_distance", "max_weight", "global_mass"}) {
        s = s.add(c, DataTypes.createArrayType(DataTypes.FloatType, false), false);
      }
    }
    return s;
  }

  /** Checks that a document's positions can be exactly 0..n−1. */
  public static void checkPositions(String docId, int n, long count, int minPos, int maxPos) {
    if (minPos < 0) {
      throw new InputException(
          "doc '" + docId + "' pos " + minPos + " column 'pos': negative position");
    }
    if (count > Integer.MAX_VALUE) {
      throw new InputException("doc '" + docId + "': " + count + " tokens exceed 2^31-1");
    }
    if (maxPos != count - 1 || minPos != 0) {
      throw new InputException(
          "doc '"
              + docId
              + "' column 'pos': positions are not 0.."
              + (count - 1)
              + " exactly once"
              + " ("
              + count
              + " rows, positions "
              + minPos
              + ".."
              + maxPos
              + ")");
    }
  }

  static boolean isVectorType(DataType t) {
    if (t.equals(DataTypes.BinaryType)) {
      return true;
    }
    return t instanceof ArrayType a
        && (a.elementType().equals(DataTypes.FloatType)
            || a.elementType().equals(DataTypes.DoubleType));
  }

  private static org.apache.spark.sql.Column vector(StructType schema, String c) {
    DataType t = schema.apply(c).dataType();
    if (t instanceof ArrayType a && a.elementType().equals(DataTypes.DoubleType)) {
      return functions.col(c).cast(DataTypes.createArrayType(DataTypes.FloatType)).as(c);
    }
    return functions.col(c);
  }

  private static int vectorLength(Row r, int i, String column) {
    if (r.isNullAt(i)) {
      throw new InputException("column '" + column + "': null vector in the first row");
    }
    Object o = r.get(i);
    if (o instanceof byte[] b) {
      return b.length / 4;
    }
    return r.getList(i).size();
  }

  private interface TypeCheck {
    boolean ok(DataType t);
  }

  private static void require(
      StructType schema, String path, String column, String expected, TypeCheck check) {
    if (!Arrays.asList(schema.fieldNames()).contains(column)) {
      throw new InputException(
          "input '" + path + "' column '" + column + "': missing (expected " + expected + ")");
    }
    StructField f = schema.apply(column);
    if (!check.ok(f.dataType())) {
      throw new InputException(
          "input '"
              + path
              + "' column '"
              + column
              + "': type "
              + f.dataType().simpleString()
              + ", expected "
              + expected);
    }
  }

  private static void checkExists(SparkSession spark, String path) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        throw new InputException("input '" + path + "' does not exist");
      }
    } catch (IOException e) {
      throw new InputException("input '" + path + "': " + firstLine(e.getMessage()));
    }
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl >= 0 ? s.substring(0, nl) : s;
  }
}
