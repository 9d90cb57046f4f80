package org.longattn.datasets;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The token table of DESIGN §1: column names, reading with schema checks, the output schema and the
 * per-document position check.
 *
 * <p>Input columns: {@code doc_id} string, {@code pos} int, {@code q}/{@code k}/{@code v}
 * array&lt;float&gt;, binary (little-endian float32, see {@link FloatBytes}) or
 * array&lt;array&lt;float&gt;&gt; (heads × dim, as PyTorch shapes per-head vectors), optional
 * {@code global} boolean and {@code gate} vector. Row-level checks (nulls, lengths, NaN/Inf) are
 * done by {@link TokenRowDecoder} while the job reads the rows; positions per document by the job
 * with {@link #checkPositions}.
 */
public final class TokenTable {
  public static final String DOC_ID = "doc_id";
  public static final String POS = "pos";
  public static final String Q = "q";
  public static final String K = "k";
  public static final String V = "v";
  public static final String GLOBAL = "global";
  public static final String GATE = "gate";
  public static final String MASK = "mask";

  /** Output columns. */
  public static final String OUT = "out";

  public static final String ENTROPY = "entropy";
  public static final String MEAN_DISTANCE = "mean_distance";
  public static final String MAX_WEIGHT = "max_weight";
  public static final String GLOBAL_MASS = "global_mass";

  /** The per-head statistics columns written with {@code --stats}, in output order. */
  public static final List<String> STATS_COLUMNS =
      List.of(ENTROPY, MEAN_DISTANCE, MAX_WEIGHT, GLOBAL_MASS);

  private static final String FLAT_VECTOR_TYPES = "array<float>, array<double> or binary";

  private static final String VECTOR_TYPES =
      "array<float>, array<double>, binary or array<array<float>> (heads × dim)";

  private TokenTable() {}

  /**
   * Reads a Parquet token table and checks its schema.
   *
   * <p>Returns the canonical columns, in this order: {@code doc_id} string, {@code pos} int (a long
   * column is cast; values beyond the int range are clamped, so the position check rejects them),
   * {@code q}, {@code k}, {@code v} as array&lt;float&gt; (array&lt;double&gt; is cast), binary or
   * array&lt;array&lt;float&gt;&gt; (array&lt;array&lt;double&gt;&gt; is cast) as stored, {@code
   * global} boolean (false when the column is absent or null), then {@code gate} if present, then
   * {@code mask} boolean if present (null read as true: false marks padding). Other columns are
   * dropped.
   *
   * @throws InputException if the path does not exist, holds no Parquet data or no rows, or a
   *     column is missing or has the wrong type (the message names the column and the type found)
   */
  public static Dataset<Row> read(SparkSession spark, String path) {
    return canonical(parquet(spark, path), path);
  }

  /**
   * {@link #read}'s checks and canonical columns for a token table already loaded as a Dataset (the
   * Spark ML door); {@code label} names it in messages where {@code read} names the path.
   */
  public static Dataset<Row> canonical(Dataset<Row> raw, String label) {
    checkSchema(raw.schema(), label);
    return nonEmpty(raw.select(canonicalColumns(raw.schema())), label);
  }

  /**
   * {@link #canonical}'s columns with {@code extra} (e.g. {@code token}) appended as the last
   * column, cast to string, when the table has it; exactly {@link #canonical} otherwise.
   */
  public static Dataset<Row> canonicalWith(Dataset<Row> raw, String label, String extra) {
    checkSchema(raw.schema(), label);
    List<Column> cols = new ArrayList<>(List.of(canonicalColumns(raw.schema())));
    if (has(raw.schema(), extra)) {
      cols.add(col(extra).cast(DataTypes.StringType).as(extra));
    }
    return raw.select(cols.toArray(new Column[0]));
  }

  /** {@link #read}'s schema checks alone (columns present, types accepted), without any job. */
  public static void checkSchema(StructType schema, String label) {
    requireDocAndPos(schema, label);
    for (String c : List.of(Q, K, V)) {
      require(schema, label, c, VECTOR_TYPES, TokenTable::isVectorType);
    }
    if (has(schema, GLOBAL)) {
      require(schema, label, GLOBAL, "boolean", DataTypes.BooleanType::equals);
    }
    if (has(schema, GATE)) {
      require(schema, label, GATE, FLAT_VECTOR_TYPES, TokenTable::isFlatVectorType);
    }
    if (has(schema, MASK)) {
      require(schema, label, MASK, "boolean", DataTypes.BooleanType::equals);
    }
  }

  private static Column[] canonicalColumns(StructType schema) {
    boolean hasGlobal = has(schema, GLOBAL);
    boolean hasGate = has(schema, GATE);
    boolean hasMask = has(schema, MASK);

    List<Column> cols = new ArrayList<>();
    cols.add(col(DOC_ID));
    cols.add(position(schema));
    cols.add(vector(schema, Q));
    cols.add(vector(schema, K));
    cols.add(vector(schema, V));
    cols.add(hasGlobal ? coalesce(col(GLOBAL), lit(false)).as(GLOBAL) : lit(false).as(GLOBAL));
    if (hasGate) {
      cols.add(vector(schema, GATE));
    }
    if (hasMask) {
      cols.add(coalesce(col(MASK), lit(true)).as(MASK)); // null: a real token, like global's null
    }
    return cols.toArray(new Column[0]);
  }

  /**
   * Reads a query table (cross-attention): {@code doc_id}, {@code pos} and {@code q} checked as by
   * {@link #read}; {@code k}, {@code v} and any other column are ignored and may be absent. Returns
   * the canonical columns of {@link #read} with k and v set to q and {@code global} false, so the
   * same decoder validates the rows.
   *
   * @throws InputException as {@link #read}, for the three columns it needs
   */
  public static Dataset<Row> readQueries(SparkSession spark, String path) {
    Dataset<Row> raw = parquet(spark, path);
    StructType schema = raw.schema();
    requireDocAndPos(schema, path);
    require(schema, path, Q, VECTOR_TYPES, TokenTable::isVectorType);
    Column q = vector(schema, Q);
    return nonEmpty(
        raw.select(col(DOC_ID), position(schema), q, q.as(K), q.as(V), lit(false).as(GLOBAL)),
        path);
  }

  private static void requireDocAndPos(StructType schema, String path) {
    require(schema, path, DOC_ID, "string", DataTypes.StringType::equals);
    require(
        schema,
        path,
        POS,
        "int",
        t -> t.equals(DataTypes.IntegerType) || t.equals(DataTypes.LongType));
  }

  private static Dataset<Row> parquet(SparkSession spark, String path) {
    requireExists(spark, path);
    ParquetFiles.check(
        spark.sparkContext().hadoopConfiguration(),
        path,
        List.of(DOC_ID, POS, Q, K, V, GLOBAL, GATE, MASK));
    try {
      return spark.read().parquet(path);
    } catch (Exception e) {
      String msg = String.valueOf(e.getMessage());
      if (msg.contains("UNABLE_TO_INFER_SCHEMA") || msg.contains("Unable to infer schema")) {
        throw new InputException("input '" + path + "' is empty: no Parquet data files");
      }
      throw new InputException(
          "input '" + path + "' is not a readable Parquet table: " + firstLine(msg));
    }
  }

  private static Dataset<Row> nonEmpty(Dataset<Row> df, String path) {
    if (df.isEmpty()) {
      throw new InputException("input '" + path + "' is empty: no token rows");
    }
    return df;
  }

  /**
   * The number of values in the first row's q and v (for binary columns bytes / 4), read on the
   * driver: the lengths every row must have ({@link TokenRowDecoder#forSchema(StructType, int, int,
   * int)}).
   *
   * @return {@code {len(q), len(v)}}
   * @throws InputException if the table has no rows or the first row's vectors are null, empty or
   *     not whole float32 values
   */
  public static int[] probeLengths(Dataset<Row> df) {
    return probeLengths(df, null);
  }

  /** {@link #probeLengths(Dataset)}; an input without rows is an error naming {@code path}. */
  public static int[] probeLengths(Dataset<Row> df, String path) {
    List<Row> first = df.select(DOC_ID, POS, Q, V).takeAsList(1);
    if (first.isEmpty()) {
      throw new InputException(
          path == null
              ? "the token table has no rows"
              : "input '" + path + "' is empty: no token rows");
    }
    Row r = first.get(0);
    String doc = r.isNullAt(0) ? null : r.getString(0);
    Object pos = r.get(1);
    return new int[] {vectorLength(r, 2, Q, doc, pos), vectorLength(r, 3, V, doc, pos)};
  }

  /**
   * The columns every writer of token tables starts with: {@code doc_id} string, {@code pos} int,
   * {@code q}, {@code k}, {@code v} as array&lt;float&gt; or binary, none nullable.
   */
  public static StructType vectorSchema(boolean binary) {
    DataType vec =
        binary ? DataTypes.BinaryType : DataTypes.createArrayType(DataTypes.FloatType, false);
    return new StructType()
        .add(DOC_ID, DataTypes.StringType, false)
        .add(POS, DataTypes.IntegerType, false)
        .add(Q, vec, false)
        .add(K, vec, false)
        .add(V, vec, false);
  }

  /**
   * Schema of the output table: {@code doc_id} string, {@code pos} int, {@code out}
   * array&lt;float&gt; (heads × head_dim_v, head-major) or binary, and with {@code stats} the
   * per-head arrays {@link #STATS_COLUMNS} ({@code heads} values each).
   */
  public static StructType outputSchema(int heads, boolean stats, boolean binary) {
    return outputSchema(heads, stats, binary, false);
  }

  /**
   * {@link #outputSchema(int, boolean, boolean)}; with {@code nullableRows} (the input has a {@code
   * mask} column) {@code out} and the stats columns are nullable: null on padding rows.
   */
  public static StructType outputSchema(
      int heads, boolean stats, boolean binary, boolean nullableRows) {
    if (heads < 1) {
      throw new IllegalArgumentException("heads must be >= 1, got " + heads);
    }
    DataType floats = DataTypes.createArrayType(DataTypes.FloatType, false);
    StructType s =
        new StructType()
            .add(DOC_ID, DataTypes.StringType, false)
            .add(POS, DataTypes.IntegerType, false)
            .add(OUT, binary ? DataTypes.BinaryType : floats, nullableRows);
    if (stats) {
      for (String c : STATS_COLUMNS) {
        s = s.add(c, floats, nullableRows);
      }
    }
    return s;
  }

  /**
   * Checks that a document's aggregated positions can be exactly {@code 0..n-1}, each once.
   *
   * @param n the document's length (its row count, as the job will use it)
   * @param count the document's row count
   * @param minPos smallest position
   * @param maxPos largest position
   * @throws InputException e.g. {@code doc 'x': positions are not 0..n-1 (count 10, max pos 12)}
   */
  public static void checkPositions(String docId, int n, long count, int minPos, int maxPos) {
    if (minPos < 0) {
      throw new InputException(
          "doc '" + docId + "' pos " + minPos + " column 'pos': negative position");
    }
    if (count > Integer.MAX_VALUE) {
      throw new InputException(
          "doc '" + docId + "': " + count + " tokens, more than 2^31-1 are not supported");
    }
    if (count != n || minPos != 0 || maxPos != count - 1) {
      throw new InputException(
          "doc '"
              + docId
              + "': positions are not 0..n-1 (count "
              + count
              + ", min pos "
              + minPos
              + ", max pos "
              + maxPos
              + ")");
    }
  }

  /** array&lt;float&gt;, array&lt;double&gt; or binary. */
  static boolean isFlatVectorType(DataType t) {
    return t.equals(DataTypes.BinaryType) || (t instanceof ArrayType a && isReal(a.elementType()));
  }

  /** A flat vector type, or heads × dim: array&lt;array&lt;float or double&gt;&gt;. */
  static boolean isVectorType(DataType t) {
    return isFlatVectorType(t)
        || (t instanceof ArrayType a
            && a.elementType() instanceof ArrayType inner
            && isReal(inner.elementType()));
  }

  private static boolean isReal(DataType t) {
    return t.equals(DataTypes.FloatType) || t.equals(DataTypes.DoubleType);
  }

  /** Whether the schema has a column of exactly this name. */
  public static boolean has(StructType schema, String column) {
    return Arrays.asList(schema.fieldNames()).contains(column);
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl >= 0 ? s.substring(0, nl) : s).trim();
  }

  private static Column position(StructType schema) {
    if (schema.apply(POS).dataType().equals(DataTypes.LongType)) {
      // Clamp rather than overflow (ANSI casts would throw an unhelpful arithmetic error).
      return greatest(least(col(POS), lit((long) Integer.MAX_VALUE)), lit((long) Integer.MIN_VALUE))
          .cast(DataTypes.IntegerType)
          .as(POS);
    }
    return col(POS);
  }

  private static Column vector(StructType schema, String c) {
    if (schema.apply(c).dataType() instanceof ArrayType a
        && a.elementType().equals(DataTypes.DoubleType)) {
      return col(c).cast(DataTypes.createArrayType(DataTypes.FloatType, a.containsNull())).as(c);
    }
    if (schema.apply(c).dataType() instanceof ArrayType a
        && a.elementType() instanceof ArrayType inner
        && inner.elementType().equals(DataTypes.DoubleType)) {
      DataType floats = DataTypes.createArrayType(DataTypes.FloatType, inner.containsNull());
      return col(c).cast(DataTypes.createArrayType(floats, a.containsNull())).as(c);
    }
    return col(c);
  }

  private static int vectorLength(Row r, int i, String column, String doc, Object pos) {
    String where = "doc '" + doc + "' pos " + pos + " column '" + column + "': ";
    if (r.isNullAt(i)) {
      throw new InputException(where + "null vector");
    }
    Object o = r.get(i);
    int n;
    if (o instanceof byte[] b) {
      if ((b.length & 3) != 0) {
        throw new InputException(
            where + "binary length " + b.length + " is not a multiple of 4 (float32 expected)");
      }
      n = b.length / 4;
    } else {
      n = 0;
      for (Object e : r.getList(i)) {
        if (e instanceof scala.collection.Seq<?> inner) {
          n += inner.size(); // heads × dim: the first row's heads times their dims
        } else if (e instanceof List<?> inner) {
          n += inner.size();
        } else {
          n += 1;
        }
      }
    }
    if (n == 0) {
      throw new InputException(where + "empty vector (the first row sets every row's length)");
    }
    return n;
  }

  private interface TypeCheck {
    boolean accepts(DataType t);
  }

  private static void require(
      StructType schema, String path, String column, String expected, TypeCheck check) {
    if (!has(schema, column)) {
      throw new InputException(
          "input '"
              + path
              + "' column '"
              + column
              + "': missing (expected "
              + expected
              + "; columns found: "
              + String.join(", ", schema.fieldNames())
              + ")");
    }
    StructField f = schema.apply(column);
    if (!check.accepts(f.dataType())) {
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

  private static void requireExists(SparkSession spark, String path) {
    try {
      Path p = new Path(path);
      FileSystem fs = FileSystem.get(p.toUri(), spark.sparkContext().hadoopConfiguration());
      FileStatus[] matches = fs.globStatus(p);
      if (matches == null || matches.length == 0) {
        throw new InputException("input '" + path + "' does not exist");
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new InputException("input '" + path + "': " + firstLine(e.getMessage()));
    }
  }
}
