package org.longattn.datasets;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Decodes and validates token rows of a table read by {@link TokenTable#read}. Built once on the
 * driver from the validated schema (column ordinals and encodings are resolved there), then shipped
 * to the tasks; immutable, so one instance serves every thread.
 *
 * <p>Two entry points: {@link #decode(Row)} for rows of a {@code Dataset<Row>}, and {@link
 * #decode(InternalRow)}, the fast path for {@code df.queryExecution().toRdd()}: array&lt;float&gt;
 * columns are bulk-copied from Spark's {@code UnsafeArrayData} and binary columns bulk-decoded,
 * without boxing each value as external {@code Row}s do.
 *
 * <p>Vectors of type array&lt;array&lt;float&gt;&gt; (heads × dim) are flattened head-major, so the
 * rest of the engine sees one layout; they must hold exactly {@code heads} inner arrays of one
 * length.
 *
 * <p>Checks, each failing with a one-line {@link InputException} naming document, position and
 * column: null {@code doc_id}/{@code pos}/vector or null vector element, negative {@code pos},
 * binary length not a multiple of 4, empty vector, {@code len(q)} or {@code len(v)} not divisible
 * by the number of heads, {@code len(k) != len(q)}, lengths different from the expected ones, NaN
 * or ±Infinity anywhere.
 */
public final class TokenRowDecoder implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Expected length meaning "any (only divisibility and len(k) = len(q) are checked)". */
  public static final int ANY_LENGTH = -1;

  private static final String[] VECTORS = {TokenTable.Q, TokenTable.K, TokenTable.V};

  private final int docIdx;
  private final int posIdx;
  private final int[] vecIdx = new int[3];
  private final boolean[] binary = new boolean[3];
  private final boolean[] containsNull = new boolean[3];

  /** array&lt;array&lt;float&gt;&gt;: one inner array per head, flattened head-major. */
  private final boolean[] nested = new boolean[3];

  private final int globalIdx;
  private final int heads;
  private final int qLen;
  private final int vLen;
  private final int gateIdx;
  private final boolean gateBinary;
  private final boolean gateContainsNull;
  private final boolean gateInValues;

  private TokenRowDecoder(StructType schema, int heads, int qLen, int vLen) {
    this.docIdx = ordinal(schema, TokenTable.DOC_ID, DataTypes.StringType);
    this.posIdx = ordinal(schema, TokenTable.POS, DataTypes.IntegerType);
    for (int c = 0; c < 3; c++) {
      vecIdx[c] = schema.fieldIndex(VECTORS[c]);
      DataType t = schema.fields()[vecIdx[c]].dataType();
      if (t.equals(DataTypes.BinaryType)) {
        binary[c] = true;
      } else if (t instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType)) {
        containsNull[c] = a.containsNull();
      } else if (t instanceof ArrayType a
          && a.elementType() instanceof ArrayType inner
          && inner.elementType().equals(DataTypes.FloatType)) {
        nested[c] = true;
        containsNull[c] = a.containsNull() || inner.containsNull();
      } else {
        throw notValidated(VECTORS[c], t);
      }
    }
    this.globalIdx =
        TokenTable.has(schema, TokenTable.GLOBAL)
            ? ordinal(schema, TokenTable.GLOBAL, DataTypes.BooleanType)
            : -1;
    this.heads = heads;
    this.qLen = qLen;
    this.vLen = vLen;
    this.gateIdx =
        TokenTable.has(schema, TokenTable.GATE) ? schema.fieldIndex(TokenTable.GATE) : -1;
    DataType gt = gateIdx >= 0 ? schema.fields()[gateIdx].dataType() : DataTypes.BinaryType;
    if (!gt.equals(DataTypes.BinaryType)
        && !(gt instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType))) {
      throw notValidated(TokenTable.GATE, gt);
    }
    this.gateBinary = gt.equals(DataTypes.BinaryType);
    this.gateContainsNull = gt instanceof ArrayType a && a.containsNull();
    this.gateInValues = false;
  }

  /** A copy of {@code d} that appends the checked log-gates to every v (see withGateInValues). */
  private TokenRowDecoder(TokenRowDecoder d) {
    this.docIdx = d.docIdx;
    this.posIdx = d.posIdx;
    System.arraycopy(d.vecIdx, 0, vecIdx, 0, 3);
    System.arraycopy(d.binary, 0, binary, 0, 3);
    System.arraycopy(d.containsNull, 0, containsNull, 0, 3);
    System.arraycopy(d.nested, 0, nested, 0, 3);
    this.globalIdx = d.globalIdx;
    this.heads = d.heads;
    this.qLen = d.qLen;
    this.vLen = d.vLen;
    this.gateIdx = d.gateIdx;
    this.gateBinary = d.gateBinary;
    this.gateContainsNull = d.gateContainsNull;
    this.gateInValues = true;
  }

  /** Whether the table has a {@code gate} column (log-gates of gated linear attention). */
  public boolean hasGate() {
    return gateIdx >= 0;
  }

  /**
   * A decoder whose records carry v followed by the row's {@code gate} vector (len(v) + len(q)
   * values): the gated-linear job ships log-gates with the values. The gate is checked like the
   * other vectors (not null, len(gate) = len(q)) and every value must be a log-gate: ≤ 0 (−∞
   * allowed, a gate that closes completely); NaN or a positive value is an {@link InputException}
   * naming document, position and column.
   *
   * <p>Only {@link #decode(InternalRow)} (the job's path) reads gates.
   *
   * @throws IllegalStateException if the table has no {@code gate} column
   */
  public TokenRowDecoder withGateInValues() {
    if (gateIdx < 0) {
      throw new IllegalStateException("the token table has no 'gate' column");
    }
    return new TokenRowDecoder(this);
  }

  private float[] appendGate(float[] v, float[] gate, float[] q, String doc, int pos) {
    String where = InputException.where(doc, pos, TokenTable.GATE);
    if (gate.length != q.length) {
      throw new InputException(
          where + "length " + gate.length + " differs from column 'q' length " + q.length);
    }
    for (int x = 0; x < gate.length; x++) {
      if (!(gate[x] <= 0f)) {
        throw new InputException(
            where + "log-gate " + gate[x] + " at index " + x + " (log-gates must be <= 0)");
      }
    }
    float[] vg = java.util.Arrays.copyOf(v, v.length + gate.length);
    System.arraycopy(gate, 0, vg, v.length, gate.length);
    return vg;
  }

  private float[] internalGate(InternalRow row, String doc, int pos) {
    if (row.isNullAt(gateIdx)) {
      throw new InputException(InputException.where(doc, pos, TokenTable.GATE) + "null vector");
    }
    if (gateBinary) {
      byte[] b = row.getBinary(gateIdx);
      if ((b.length & 3) != 0) {
        throw new InputException(
            InputException.where(doc, pos, TokenTable.GATE)
                + "binary length "
                + b.length
                + " is not a multiple of 4 (little-endian float32 expected)");
      }
      return FloatBytes.decodeFloats(b);
    }
    ArrayData arr = row.getArray(gateIdx);
    for (int x = 0; gateContainsNull && x < arr.numElements(); x++) {
      if (arr.isNullAt(x)) {
        throw new InputException(
            InputException.where(doc, pos, TokenTable.GATE) + "null at index " + x);
      }
    }
    return arr.toFloatArray();
  }

  /**
   * A decoder that checks divisibility by {@code heads} and {@code len(k) = len(q)} on every row
   * but not that all rows have the same lengths.
   *
   * @param schema the schema of {@link TokenTable#read}'s result
   * @throws InputException if {@code heads < 1}
   */
  public static TokenRowDecoder forSchema(StructType schema, int heads) {
    return forSchema(schema, heads, ANY_LENGTH, ANY_LENGTH);
  }

  /**
   * A decoder that also requires every row's q and k to hold {@code qLen} values and v {@code vLen}
   * (typically {@link #probeLengths}); {@link #ANY_LENGTH} leaves one unchecked.
   *
   * @throws InputException if {@code heads < 1} or a given length is not a positive multiple of
   *     {@code heads}
   */
  public static TokenRowDecoder forSchema(StructType schema, int heads, int qLen, int vLen) {
    if (heads < 1) {
      throw new InputException("--heads must be >= 1, got " + heads);
    }
    checkExpected(TokenTable.Q, qLen, heads);
    checkExpected(TokenTable.V, vLen, heads);
    return new TokenRowDecoder(schema, heads, qLen, vLen);
  }

  /** Same as {@link TokenTable#probeLengths}: {@code {len(q), len(v)}} of the first row. */
  public static int[] probeLengths(Dataset<Row> df) {
    return TokenTable.probeLengths(df);
  }

  /** Decodes and checks one row of a {@code Dataset<Row>} with the decoder's schema. */
  public TokenRecord decode(Row row) {
    if (gateInValues) {
      throw new IllegalStateException("gates are decoded from internal rows only");
    }
    if (row.isNullAt(docIdx)) {
      throw new InputException(nullDocId(row.isNullAt(posIdx) ? null : row.getInt(posIdx)));
    }
    String doc = row.getString(docIdx);
    int pos = position(doc, row.isNullAt(posIdx), row.isNullAt(posIdx) ? 0 : row.getInt(posIdx));
    float[][] vec = new float[3][];
    for (int c = 0; c < 3; c++) {
      vec[c] = check(externalVector(row, c, doc, pos), c, doc, pos, vec[0]);
    }
    boolean global = globalIdx >= 0 && !row.isNullAt(globalIdx) && row.getBoolean(globalIdx);
    return new TokenRecord(doc, pos, vec[0], vec[1], vec[2], global);
  }

  /**
   * Decodes and checks one internal row (from {@code df.queryExecution().toRdd()} of a {@link
   * TokenTable#read} result). Everything is copied out: Spark reuses row objects.
   */
  public TokenRecord decode(InternalRow row) {
    if (row.isNullAt(docIdx)) {
      throw new InputException(nullDocId(row.isNullAt(posIdx) ? null : row.getInt(posIdx)));
    }
    String doc = row.getUTF8String(docIdx).toString();
    int pos = position(doc, row.isNullAt(posIdx), row.isNullAt(posIdx) ? 0 : row.getInt(posIdx));
    float[][] vec = new float[3][];
    for (int c = 0; c < 3; c++) {
      vec[c] = check(internalVector(row, c, doc, pos), c, doc, pos, vec[0]);
    }
    if (gateInValues) {
      vec[2] = appendGate(vec[2], internalGate(row, doc, pos), vec[0], doc, pos);
    }
    boolean global = globalIdx >= 0 && !row.isNullAt(globalIdx) && row.getBoolean(globalIdx);
    return new TokenRecord(doc, pos, vec[0], vec[1], vec[2], global);
  }

  /** The number of heads the vectors split into. */
  public int heads() {
    return heads;
  }

  private int position(String doc, boolean isNull, int pos) {
    if (isNull) {
      throw new InputException("doc '" + doc + "' column 'pos': null position");
    }
    if (pos < 0) {
      throw new InputException(
          InputException.where(doc, pos, TokenTable.POS) + "negative position");
    }
    return pos;
  }

  private float[] externalVector(Row row, int c, String doc, int pos) {
    int i = vecIdx[c];
    if (row.isNullAt(i)) {
      throw new InputException(InputException.where(doc, pos, VECTORS[c]) + "null vector");
    }
    Object o = row.get(i);
    if (o instanceof byte[] b) {
      return fromBinary(b, c, doc, pos);
    }
    if (o instanceof float[] f) {
      return f.clone();
    }
    if (nested[c]) {
      return externalNested(row.getList(i), c, doc, pos);
    }
    // Rows of a Dataset hold arrays as Scala sequences of boxed floats; hand-made rows may hold
    // Java lists.
    List<?> list = o instanceof List<?> l ? l : row.getList(i);
    float[] a = new float[list.size()];
    int x = 0;
    for (Object e : list) {
      if (e == null) {
        throw new InputException(InputException.where(doc, pos, VECTORS[c]) + "null at index " + x);
      }
      a[x++] = ((Number) e).floatValue();
    }
    return a;
  }

  private float[] internalVector(InternalRow row, int c, String doc, int pos) {
    int i = vecIdx[c];
    if (row.isNullAt(i)) {
      throw new InputException(InputException.where(doc, pos, VECTORS[c]) + "null vector");
    }
    if (binary[c]) {
      return fromBinary(row.getBinary(i), c, doc, pos);
    }
    ArrayData arr = row.getArray(i);
    if (nested[c]) {
      return internalNested(arr, c, doc, pos);
    }
    if (containsNull[c]) {
      int n = arr.numElements();
      for (int x = 0; x < n; x++) {
        if (arr.isNullAt(x)) {
          throw new InputException(
              InputException.where(doc, pos, VECTORS[c]) + "null at index " + x);
        }
      }
    }
    return arr.toFloatArray();
  }

  /**
   * Heads × dim from Spark's internal arrays, flattened head-major: exactly {@code heads} inner
   * arrays of one length, no nulls.
   */
  private float[] internalNested(ArrayData outer, int c, String doc, int pos) {
    int h = checkHeads(outer.numElements(), c, doc, pos);
    float[][] parts = new float[h][];
    for (int x = 0; x < h; x++) {
      if (outer.isNullAt(x)) {
        throw new InputException(InputException.where(doc, pos, VECTORS[c]) + "null head " + x);
      }
      ArrayData inner = outer.getArray(x);
      for (int y = 0; containsNull[c] && y < inner.numElements(); y++) {
        if (inner.isNullAt(y)) {
          throw new InputException(
              InputException.where(doc, pos, VECTORS[c]) + "null at head " + x + " index " + y);
        }
      }
      parts[x] = inner.toFloatArray();
    }
    return concatHeads(parts, c, doc, pos);
  }

  /** Heads × dim from a {@code Row} (Scala sequences or Java lists of boxed floats). */
  private float[] externalNested(List<?> outer, int c, String doc, int pos) {
    int h = checkHeads(outer.size(), c, doc, pos);
    float[][] parts = new float[h][];
    for (int x = 0; x < h; x++) {
      Object e = outer.get(x);
      if (e == null) {
        throw new InputException(InputException.where(doc, pos, VECTORS[c]) + "null head " + x);
      }
      List<?> inner =
          e instanceof scala.collection.Seq<?> seq
              ? scala.jdk.javaapi.CollectionConverters.asJava(seq)
              : (List<?>) e;
      parts[x] = new float[inner.size()];
      for (int y = 0; y < parts[x].length; y++) {
        Object v = inner.get(y);
        if (v == null) {
          throw new InputException(
              InputException.where(doc, pos, VECTORS[c]) + "null at head " + x + " index " + y);
        }
        parts[x][y] = ((Number) v).floatValue();
      }
    }
    return concatHeads(parts, c, doc, pos);
  }

  private int checkHeads(int h, int c, String doc, int pos) {
    if (h != heads) {
      throw new InputException(
          InputException.where(doc, pos, VECTORS[c])
              + h
              + " heads in an array<array<float>> (heads × dim) vector, --heads is "
              + heads);
    }
    return h;
  }

  private static float[] concatHeads(float[][] parts, int c, String doc, int pos) {
    int d = parts[0].length;
    float[] out = new float[parts.length * d];
    for (int x = 0; x < parts.length; x++) {
      if (parts[x].length != d) {
        throw new InputException(
            InputException.where(doc, pos, VECTORS[c])
                + "head "
                + x
                + " has "
                + parts[x].length
                + " values, head 0 has "
                + d
                + " (heads × dim vectors must be rectangular)");
      }
      System.arraycopy(parts[x], 0, out, x * d, d);
    }
    return out;
  }

  private static float[] fromBinary(byte[] b, int c, String doc, int pos) {
    if ((b.length & 3) != 0) {
      throw new InputException(
          InputException.where(doc, pos, VECTORS[c])
              + "binary length "
              + b.length
              + " is not a multiple of 4 (little-endian float32 expected)");
    }
    return FloatBytes.decodeFloats(b);
  }

  /** Length and value checks; {@code q} is the already checked q vector when c is k. */
  private float[] check(float[] a, int c, String doc, int pos, float[] q) {
    String column = VECTORS[c];
    if (a.length == 0) {
      throw new InputException(InputException.where(doc, pos, column) + "empty vector");
    }
    if (a.length % heads != 0) {
      throw new InputException(
          InputException.where(doc, pos, column)
              + "length "
              + a.length
              + " is not divisible by --heads "
              + heads);
    }
    if (c == 1 && a.length != q.length) {
      throw new InputException(
          InputException.where(doc, pos, column)
              + "length "
              + a.length
              + " differs from column 'q' length "
              + q.length);
    }
    int expected = c == 2 ? vLen : qLen;
    if (expected != ANY_LENGTH && a.length != expected) {
      throw new InputException(
          InputException.where(doc, pos, column)
              + "length "
              + a.length
              + ", expected "
              + expected
              + " like the table's first row (ragged vectors)");
    }
    for (int x = 0; x < a.length; x++) {
      if (!Float.isFinite(a[x])) {
        throw new InputException(InputException.where(doc, pos, column) + a[x] + " at index " + x);
      }
    }
    return a;
  }

  private static void checkExpected(String column, int len, int heads) {
    if (len == ANY_LENGTH) {
      return;
    }
    if (len <= 0) {
      throw new InputException("column '" + column + "': empty vectors (length " + len + ")");
    }
    if (len % heads != 0) {
      throw new InputException(
          "column '" + column + "': length " + len + " is not divisible by --heads " + heads);
    }
  }

  private static String nullDocId(Integer pos) {
    return "column 'doc_id': null document id" + (pos == null ? "" : " (row with pos " + pos + ")");
  }

  private static int ordinal(StructType schema, String column, DataType expected) {
    int i = schema.fieldIndex(column);
    DataType t = schema.fields()[i].dataType();
    if (!t.equals(expected)) {
      throw notValidated(column, t);
    }
    return i;
  }

  private static IllegalArgumentException notValidated(String column, DataType t) {
    return new IllegalArgumentException(
        "column '"
            + column
            + "' has type "
            + t.simpleString()
            + ": build the decoder from the schema of TokenTable.read");
  }
}
