package org.longattn.datasets;

import java.io.Serializable;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Decodes and validates the rows of a table read by {@link TokenTable#read} (columns doc_id, pos,
 * q, k, v, global in that order) straight from Spark's internal rows: arrays are bulk-copied,
 * binary vectors decoded as little-endian float32. Every row must have the lengths probed from the
 * first row; nulls, ragged vectors and NaN/Inf are rejected naming document, position and column.
 */
public final class TokenRowDecoder implements Serializable {
  private final boolean[] binary = new boolean[3];
  private final int qLen;
  private final int vLen;

  private TokenRowDecoder(StructType schema, int qLen, int vLen) {
    String[] cols = {TokenTable.Q, TokenTable.K, TokenTable.V};
    for (int c = 0; c < 3; c++) {
      binary[c] = schema.apply(cols[c]).dataType().equals(DataTypes.BinaryType);
    }
    this.qLen = qLen;
    this.vLen = vLen;
  }

  /**
   * A decoder for rows of {@code schema} whose q and k hold {@code qLen} values and v {@code vLen};
   * checks that {@code heads} divides both.
   */
  public static TokenRowDecoder forSchema(StructType schema, int heads, int qLen, int vLen) {
    if (heads < 1) {
      throw new InputException("--heads must be >= 1, got " + heads);
    }
    if (qLen == 0 || qLen % heads != 0) {
      throw new InputException(
          "column 'q': length " + qLen + " is not divisible by --heads " + heads);
    }
    if (vLen == 0 || vLen % heads != 0) {
      throw new InputException(
          "column 'v': length " + vLen + " is not divisible by --heads " + heads);
    }
    return new TokenRowDecoder(schema, qLen, vLen);
  }

  /** Decodes one internal row (copying everything out of it: Spark reuses row objects). */
  public TokenRecord decode(InternalRow row) {
    if (row.isNullAt(0)) {
      throw new InputException("column 'doc_id': null document id");
    }
    String doc = row.getUTF8String(0).toString();
    if (row.isNullAt(1)) {
      throw new InputException("doc '" + doc + "' column 'pos': null position");
    }
    int pos = row.getInt(1);
    float[] q = vector(row, 2, TokenTable.Q, doc, pos, qLen);
    float[] k = vector(row, 3, TokenTable.K, doc, pos, qLen);
    float[] v = vector(row, 4, TokenTable.V, doc, pos, vLen);
    boolean global = !row.isNullAt(5) && row.getBoolean(5);
    return new TokenRecord(doc, pos, q, k, v, global);
  }

  private float[] vector(InternalRow row, int i, String column, String doc, int pos, int len) {
    if (row.isNullAt(i)) {
      throw new InputException(where(doc, pos, column) + "null vector");
    }
    float[] a;
    if (binary[i - 2]) {
      byte[] b = row.getBinary(i);
      if (b.length % 4 != 0) {
        throw new InputException(
            where(doc, pos, column)
                + "binary length "
                + b.length
                + " is not a multiple of 4 (little-endian float32 expected)");
      }
      a = FloatBytes.decodeFloats(b);
    } else {
      ArrayData arr = row.getArray(i);
      for (int x = 0; x < arr.numElements(); x++) {
        if (arr.isNullAt(x)) {
          throw new InputException(where(doc, pos, column) + "null at index " + x);
        }
      }
      a = arr.toFloatArray();
    }
    if (a.length != len) {
      throw new InputException(
          where(doc, pos, column)
              + "length "
              + a.length
              + ", expected "
              + len
              + " (as in the table's first row)");
    }
    for (int x = 0; x < a.length; x++) {
      if (!Float.isFinite(a[x])) {
        throw new InputException(where(doc, pos, column) + a[x] + " at index " + x);
      }
    }
    return a;
  }

  private static String where(String doc, int pos, String column) {
    return "doc '" + doc + "' pos " + pos + " column '" + column + "': ";
  }
}
