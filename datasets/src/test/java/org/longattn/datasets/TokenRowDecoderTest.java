package org.longattn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenRowDecoderTest {
  private static final StructType ARRAYS = Tables.schema(Tables.FLOATS);
  private static final StructType BINARY = Tables.schema(DataTypes.BinaryType);

  @TempDir Path dir;

  /** A valid row of document 'd3' at pos 17: q, k of 8 values, v of 4. */
  private static Row good() {
    return RowFactory.create(
        "d3",
        17,
        Tables.list(Tables.values(3, 17, 0, 8)),
        Tables.list(Tables.values(3, 17, 1, 8)),
        Tables.list(Tables.values(3, 17, 2, 4)),
        false);
  }

  private static Row withValue(int column, int index, float value) {
    Row r = good();
    float[] a = toArray(r.get(column));
    a[index] = value;
    return Tables.with(r, column, Tables.list(a));
  }

  private static float[] toArray(Object list) {
    List<?> l = (List<?>) list;
    float[] a = new float[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = (Float) l.get(i);
    }
    return a;
  }

  private static void assertRejected(TokenRowDecoder decoder, Row row, String message) {
    InputException e = assertThrows(InputException.class, () -> decoder.decode(row));
    assertEquals(message, e.getMessage());
  }

  private static TokenRowDecoder decoder() {
    return TokenRowDecoder.forSchema(ARRAYS, 2, 8, 4);
  }

  @Test
  void decodesAValidRow() {
    TokenRecord t = decoder().decode(good());
    assertEquals("d3", t.docId());
    assertEquals(17, t.pos());
    assertArrayEquals(Tables.values(3, 17, 0, 8), t.q());
    assertArrayEquals(Tables.values(3, 17, 1, 8), t.k());
    assertArrayEquals(Tables.values(3, 17, 2, 4), t.v());
    assertFalse(t.global());
    assertTrue(TokenRowDecoder.forSchema(ARRAYS, 2).decode(Tables.with(good(), 5, true)).global());
  }

  @Test
  void nanAndInfinityNameDocPositionColumnAndIndex() {
    assertRejected(
        decoder(), withValue(3, 5, Float.NaN), "doc 'd3' pos 17 column 'k': NaN at index 5");
    assertRejected(
        decoder(),
        withValue(2, 0, Float.POSITIVE_INFINITY),
        "doc 'd3' pos 17 column 'q': Infinity at index 0");
    assertRejected(
        decoder(),
        withValue(4, 3, Float.NEGATIVE_INFINITY),
        "doc 'd3' pos 17 column 'v': -Infinity at index 3");
  }

  @Test
  void raggedVectors() {
    Row shortV = Tables.with(good(), 4, Tables.list(new float[6]));
    InputException e = assertThrows(InputException.class, () -> decoder().decode(shortV));
    assertTrue(
        e.getMessage().startsWith("doc 'd3' pos 17 column 'v': length 6, expected 4"),
        e.getMessage());
    Row shortK = Tables.with(good(), 3, Tables.list(new float[6]));
    assertRejected(
        TokenRowDecoder.forSchema(ARRAYS, 2),
        shortK,
        "doc 'd3' pos 17 column 'k': length 6 differs from column 'q' length 8");
    Row longQK =
        Tables.with(
            Tables.with(good(), 2, Tables.list(new float[10])), 3, Tables.list(new float[10]));
    assertTrue(
        assertThrows(InputException.class, () -> decoder().decode(longQK))
            .getMessage()
            .startsWith("doc 'd3' pos 17 column 'q': length 10, expected 8"));
  }

  @Test
  void headsMustDivideTheLengths() {
    InputException e =
        assertThrows(InputException.class, () -> TokenRowDecoder.forSchema(ARRAYS, 3, 70, 6));
    assertEquals("column 'q': length 70 is not divisible by --heads 3", e.getMessage());
    e = assertThrows(InputException.class, () -> TokenRowDecoder.forSchema(ARRAYS, 3, 6, 8));
    assertEquals("column 'v': length 8 is not divisible by --heads 3", e.getMessage());
    assertRejected(
        TokenRowDecoder.forSchema(ARRAYS, 3),
        good(),
        "doc 'd3' pos 17 column 'q': length 8 is not divisible by --heads 3");
    Row v5 = Tables.with(good(), 4, Tables.list(new float[5]));
    assertRejected(
        TokenRowDecoder.forSchema(ARRAYS, 2),
        v5,
        "doc 'd3' pos 17 column 'v': length 5 is not divisible by --heads 2");
    e = assertThrows(InputException.class, () -> TokenRowDecoder.forSchema(ARRAYS, 0));
    assertEquals("--heads must be >= 1, got 0", e.getMessage());
  }

  @Test
  void nullsEmptyVectorsAndNegativePositions() {
    assertRejected(
        decoder(),
        Tables.with(good(), 0, null),
        "column 'doc_id': null document id (row with pos 17)");
    assertRejected(decoder(), Tables.with(good(), 1, null), "doc 'd3' column 'pos': null position");
    assertRejected(
        decoder(), Tables.with(good(), 1, -1), "doc 'd3' pos -1 column 'pos': negative position");
    assertRejected(
        decoder(), Tables.with(good(), 2, null), "doc 'd3' pos 17 column 'q': null vector");
    List<Float> withNull = new ArrayList<>(Tables.list(new float[4]));
    withNull.set(2, null);
    assertRejected(
        decoder(), Tables.with(good(), 4, withNull), "doc 'd3' pos 17 column 'v': null at index 2");
    assertRejected(
        TokenRowDecoder.forSchema(ARRAYS, 2),
        Tables.with(Tables.with(good(), 2, List.of()), 3, List.of()),
        "doc 'd3' pos 17 column 'q': empty vector");
  }

  @Test
  void binaryOfPartialFloats() {
    Row r =
        RowFactory.create(
            "d3",
            17,
            new byte[10],
            FloatBytes.encode(new float[8]),
            FloatBytes.encode(new float[4]),
            null);
    assertRejected(
        TokenRowDecoder.forSchema(BINARY, 2),
        r,
        "doc 'd3' pos 17 column 'q': binary length 10 is not a multiple of 4"
            + " (little-endian float32 expected)");
  }

  @Test
  void refusesSchemasNotNormalisedByRead() {
    StructType raw =
        new StructType()
            .add("doc_id", "string")
            .add("pos", "long")
            .add("q", Tables.FLOATS)
            .add("k", Tables.FLOATS)
            .add("v", Tables.FLOATS);
    assertThrows(IllegalArgumentException.class, () -> TokenRowDecoder.forSchema(raw, 1));
  }

  // ---- through Parquet and Spark ----

  /** Rows with ids, written in three encodings; all must decode to the same floats. */
  @Test
  void arrayDoubleAndBinaryEncodingsDecodeToIdenticalFloats() {
    List<Row> arrays = Tables.rows(3, 40, 12, 6);
    List<Row> doubles = new ArrayList<>();
    List<Row> binary = new ArrayList<>();
    for (Row r : arrays) {
      Object[] d = new Object[6];
      Object[] b = new Object[6];
      for (int c = 0; c < 6; c++) {
        d[c] = r.get(c);
        b[c] = r.get(c);
      }
      for (int c = 2; c < 5; c++) {
        float[] a = toArray(r.get(c));
        d[c] = Tables.doubles(a);
        b[c] = FloatBytes.encode(a);
      }
      doubles.add(RowFactory.create(d));
      binary.add(RowFactory.create(b));
    }
    List<TokenRecord> viaArrays = decodeBothWays(Tables.write(dir, "a", arrays, ARRAYS, 3));
    List<TokenRecord> viaDoubles =
        decodeBothWays(Tables.write(dir, "d", doubles, Tables.schema(Tables.DOUBLES), 2));
    List<TokenRecord> viaBinary = decodeBothWays(Tables.write(dir, "b", binary, BINARY, 3));
    assertEquals(120, viaArrays.size());
    assertSame(viaArrays, viaBinary);
    assertSame(viaArrays, viaDoubles);
    TokenRecord first = viaBinary.get(0);
    assertEquals("d0", first.docId());
    assertEquals(0, first.pos());
    assertTrue(first.global());
    assertArrayEquals(Tables.values(0, 0, 2, 6), first.v());
  }

  /** Decodes every row with decode(Row) on the driver and decode(InternalRow) in tasks; same. */
  private List<TokenRecord> decodeBothWays(String path) {
    SparkSession spark = SparkTestSession.get();
    Dataset<Row> df = TokenTable.read(spark, path);
    int[] len = TokenTable.probeLengths(df);
    TokenRowDecoder decoder = TokenRowDecoder.forSchema(df.schema(), 3, len[0], len[1]);
    List<TokenRecord> viaRow = new ArrayList<>();
    for (Row r : df.collectAsList()) {
      viaRow.add(decoder.decode(r));
    }
    // Records can't travel through Kryo (it cannot build records): collect them as Object[].
    List<TokenRecord> viaInternal = new ArrayList<>();
    for (Object[] o :
        df.queryExecution()
            .toRdd()
            .toJavaRDD()
            .map(decoder::decode)
            .map(t -> new Object[] {t.docId(), t.pos(), t.q(), t.k(), t.v(), t.global()})
            .collect()) {
      viaInternal.add(
          new TokenRecord(
              (String) o[0],
              (Integer) o[1],
              (float[]) o[2],
              (float[]) o[3],
              (float[]) o[4],
              (Boolean) o[5]));
    }
    viaRow.sort(ORDER);
    viaInternal.sort(ORDER);
    assertSame(viaRow, viaInternal);
    return viaRow;
  }

  private static final Comparator<TokenRecord> ORDER =
      Comparator.comparing(TokenRecord::docId).thenComparingInt(TokenRecord::pos);

  private static void assertSame(List<TokenRecord> a, List<TokenRecord> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      TokenRecord x = a.get(i);
      TokenRecord y = b.get(i);
      String at = x.docId() + "/" + x.pos();
      assertEquals(x.docId(), y.docId(), at);
      assertEquals(x.pos(), y.pos(), at);
      assertEquals(x.global(), y.global(), at);
      assertTrue(Arrays.equals(x.q(), y.q()), at);
      assertTrue(Arrays.equals(x.k(), y.k()), at);
      assertTrue(Arrays.equals(x.v(), y.v()), at);
    }
  }

  @Test
  void errorsInTasksReachTheDriverNamingTheRow() {
    List<Row> rows = new ArrayList<>(Tables.rows(2, 30, 8, 4));
    float[] k = Tables.values(1, 23, 1, 8);
    k[6] = Float.NaN;
    rows.set(30 + 23, Tables.with(rows.get(30 + 23), 3, Tables.list(k)));
    Dataset<Row> df =
        TokenTable.read(SparkTestSession.get(), Tables.write(dir, "nan", rows, ARRAYS));
    int[] len = TokenTable.probeLengths(df);
    TokenRowDecoder decoder = TokenRowDecoder.forSchema(df.schema(), 2, len[0], len[1]);
    SparkException e =
        assertThrows(
            SparkException.class,
            () -> df.queryExecution().toRdd().toJavaRDD().map(decoder::decode).count());
    InputException cause = inputCause(e);
    assertEquals("doc 'd1' pos 23 column 'k': NaN at index 6", cause.getMessage());
  }

  @Test
  void raggedRowAfterTheProbedFirstRow() {
    List<Row> rows = new ArrayList<>(Tables.rows(2, 10, 8, 4));
    rows.set(14, Tables.with(rows.get(14), 4, Tables.list(new float[6])));
    Dataset<Row> df =
        TokenTable.read(SparkTestSession.get(), Tables.write(dir, "ragged", rows, ARRAYS));
    int[] len = TokenTable.probeLengths(df);
    assertArrayEquals(new int[] {8, 4}, len);
    TokenRowDecoder decoder = TokenRowDecoder.forSchema(df.schema(), 2, len[0], len[1]);
    InputException e =
        assertThrows(
            InputException.class,
            () -> {
              for (Row r : df.collectAsList()) {
                decoder.decode(r);
              }
            });
    assertTrue(
        e.getMessage().startsWith("doc 'd1' pos 4 column 'v': length 6, expected 4"),
        e.getMessage());
  }

  static InputException inputCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InputException ie) {
        return ie;
      }
    }
    throw new AssertionError("no InputException in the chain of " + e, e);
  }
}
