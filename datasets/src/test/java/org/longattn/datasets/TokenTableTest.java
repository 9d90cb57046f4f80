package org.longattn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenTableTest {
  private final SparkSession spark = SparkTestSession.get();
  @TempDir Path dir;

  @Test
  void readsCanonicalColumnsAndDropsExtraOnes() {
    StructType schema =
        Tables.schema(Tables.FLOATS).add("needle", DataTypes.IntegerType).add("note", "string");
    List<Row> rows = new ArrayList<>();
    for (Row r : Tables.rows(2, 5, 8, 4)) {
      rows.add(
          RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), 3, "x"));
    }
    Dataset<Row> df = TokenTable.read(spark, Tables.write(dir, "t", rows, schema));
    assertEquals(List.of("doc_id", "pos", "q", "k", "v", "global"), Arrays.asList(df.columns()));
    assertEquals(10, df.count());
    assertArrayEquals(new int[] {8, 4}, TokenTable.probeLengths(df));
  }

  @Test
  void castsLongPositionsAndDoubleVectorsAndDefaultsGlobal() {
    StructType schema =
        new StructType()
            .add("doc_id", "string")
            .add("pos", "long")
            .add("q", Tables.DOUBLES)
            .add("k", Tables.DOUBLES)
            .add("v", Tables.DOUBLES);
    float[] q = Tables.values(0, 0, 0, 6);
    float[] v = Tables.values(0, 0, 2, 3);
    List<Row> rows =
        List.of(
            RowFactory.create("a", 0L, Tables.doubles(q), Tables.doubles(q), Tables.doubles(v)));
    Dataset<Row> df = TokenTable.read(spark, Tables.write(dir, "t", rows, schema));
    assertEquals(DataTypes.IntegerType, df.schema().apply("pos").dataType());
    assertEquals(
        DataTypes.FloatType,
        ((org.apache.spark.sql.types.ArrayType) df.schema().apply("q").dataType()).elementType());
    TokenRecord t = TokenRowDecoder.forSchema(df.schema(), 3).decode(df.collectAsList().get(0));
    assertArrayEquals(q, t.q());
    assertArrayEquals(v, t.v());
    assertFalse(t.global());
  }

  @Test
  void missingColumnIsNamed() {
    StructType schema =
        new StructType()
            .add("doc_id", "string")
            .add("pos", "int")
            .add("q", Tables.FLOATS)
            .add("v", Tables.FLOATS);
    List<Row> rows =
        List.of(RowFactory.create("a", 0, Tables.list(new float[2]), Tables.list(new float[2])));
    String path = Tables.write(dir, "t", rows, schema);
    InputException e = assertThrows(InputException.class, () -> TokenTable.read(spark, path));
    assertTrue(e.getMessage().contains("column 'k': missing"), e.getMessage());
    assertTrue(e.getMessage().contains("doc_id, pos, q, v"), e.getMessage());
    assertOneLine(e);
  }

  @Test
  void wrongTypesAreNamedWithTheTypeFound() {
    assertWrongType("q", "string", "type string, expected array<float>");
    assertWrongType("pos", "double", "type double, expected int");
    assertWrongType("doc_id", "int", "type int, expected string");
    assertWrongType("global", "int", "type int, expected boolean");
    assertWrongType("v", "array<int>", "type array<int>, expected array<float>");
  }

  private void assertWrongType(String column, String type, String expected) {
    StructType schema = new StructType();
    List<Object> values = new ArrayList<>();
    for (var f : Tables.schema(Tables.FLOATS).fields()) {
      if (f.name().equals(column)) {
        schema = schema.add(column, type);
        values.add(
            switch (type) {
              case "string" -> "x";
              case "double" -> 1.0;
              case "int" -> 1;
              default -> List.of(1, 2);
            });
      } else {
        schema = schema.add(f);
        values.add(
            switch (f.name()) {
              case "doc_id" -> "a";
              case "pos" -> 0;
              case "global" -> true;
              default -> Tables.list(new float[2]);
            });
      }
    }
    String path =
        Tables.write(dir, "t-" + column, List.of(RowFactory.create(values.toArray())), schema);
    InputException e = assertThrows(InputException.class, () -> TokenTable.read(spark, path));
    assertTrue(e.getMessage().contains("column '" + column + "': " + expected), e.getMessage());
    assertOneLine(e);
  }

  @Test
  void nonexistentPath() {
    String path = dir.resolve("nope").toString();
    InputException e = assertThrows(InputException.class, () -> TokenTable.read(spark, path));
    assertEquals("input '" + path + "' does not exist", e.getMessage());
  }

  @Test
  void emptyDirectoryAndEmptyTable() throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    InputException e =
        assertThrows(InputException.class, () -> TokenTable.read(spark, empty.toString()));
    assertTrue(e.getMessage().startsWith("input '" + empty + "' is empty"), e.getMessage());

    String noRows = Tables.write(dir, "norows", List.of(), Tables.schema(Tables.FLOATS));
    e = assertThrows(InputException.class, () -> TokenTable.read(spark, noRows));
    assertEquals("input '" + noRows + "' is empty: no token rows", e.getMessage());
  }

  @Test
  void notParquet() throws Exception {
    Path junk = dir.resolve("junk");
    Files.createDirectory(junk);
    Files.writeString(junk.resolve("part-0.parquet"), "not parquet at all");
    InputException e =
        assertThrows(InputException.class, () -> TokenTable.read(spark, junk.toString()));
    assertTrue(e.getMessage().startsWith("input '" + junk + "'"), e.getMessage());
    assertOneLine(e);
  }

  @Test
  void outputSchema() {
    StructType plain = TokenTable.outputSchema(4, false, false);
    assertEquals(List.of("doc_id", "pos", "out"), Arrays.asList(plain.fieldNames()));
    assertEquals("array<float>", plain.apply("out").dataType().simpleString());
    StructType stats = TokenTable.outputSchema(4, true, true);
    assertEquals(
        List.of("doc_id", "pos", "out", "entropy", "mean_distance", "max_weight", "global_mass"),
        Arrays.asList(stats.fieldNames()));
    assertEquals(DataTypes.BinaryType, stats.apply("out").dataType());
    assertEquals("array<float>", stats.apply("global_mass").dataType().simpleString());
  }

  @Test
  void checkPositions() {
    TokenTable.checkPositions("x", 10, 10, 0, 9);
    InputException gap =
        assertThrows(InputException.class, () -> TokenTable.checkPositions("x", 10, 10, 0, 12));
    assertEquals(
        "doc 'x': positions are not 0..n-1 (count 10, min pos 0, max pos 12)", gap.getMessage());
    InputException late =
        assertThrows(InputException.class, () -> TokenTable.checkPositions("x", 3, 3, 1, 3));
    assertTrue(late.getMessage().startsWith("doc 'x': positions are not 0..n-1"));
    InputException negative =
        assertThrows(InputException.class, () -> TokenTable.checkPositions("y", 3, 3, -1, 1));
    assertEquals("doc 'y' pos -1 column 'pos': negative position", negative.getMessage());
  }

  @Test
  void probeLengthsOfBinaryTable() {
    StructType schema = Tables.schema(DataTypes.BinaryType);
    List<Row> rows =
        List.of(
            RowFactory.create(
                "a",
                0,
                FloatBytes.encode(new float[12]),
                FloatBytes.encode(new float[12]),
                FloatBytes.encode(new float[6]),
                true));
    Dataset<Row> df = TokenTable.read(spark, Tables.write(dir, "t", rows, schema));
    assertArrayEquals(new int[] {12, 6}, TokenTable.probeLengths(df));
    assertArrayEquals(new int[] {12, 6}, TokenRowDecoder.probeLengths(df));
  }

  static void assertOneLine(Exception e) {
    assertFalse(e.getMessage().contains("\n"), "multi-line message: " + e.getMessage());
  }
}
