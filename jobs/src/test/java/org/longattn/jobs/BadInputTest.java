package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;

/**
 * Each bad input: exit code 2, one clear line naming document/position/column, and no output
 * directory (nor a temporary one) left behind.
 */
class BadInputTest {
  @TempDir Path tmp;

  private static final StructType SCHEMA = TokenTables.SCHEMA;

  private static Row row(String doc, int pos, List<Float> q, List<Float> k, List<Float> v) {
    return RowFactory.create(doc, pos, q, k, v, false);
  }

  private static List<Float> vec(float... a) {
    List<Float> l = new ArrayList<>();
    for (float x : a) {
      l.add(x);
    }
    return l;
  }

  private List<Row> good(int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(row("d", i, vec(i, 1, 2, 3), vec(1, i, 0, 1), vec(i, -i, 1, 0)));
    }
    return rows;
  }

  private String write(List<Row> rows, StructType schema) {
    String in = tmp.resolve("in").toString();
    SparkTestSession.get().createDataFrame(rows, schema).write().mode("overwrite").parquet(in);
    return in;
  }

  /** Runs attend, expects exit 2, a message containing each of {@code expected}, no output. */
  private void expectRejected(String in, String[] extra, String... expected) {
    Path out = tmp.resolve("out");
    List<String> args =
        new ArrayList<>(List.of("attend", "--input", in, "--output", out.toString()));
    args.addAll(List.of(extra));
    if (!args.contains("--pattern")) {
      args.addAll(List.of("--pattern", "dense"));
    }
    if (!args.contains("--heads")) {
      args.addAll(List.of("--heads", "1"));
    }
    CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(2, r.code(), "exit code; stderr: " + r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("longattn: error: ")).toList();
    assertEquals(1, errors.size(), "exactly one error line; stderr: " + r.err());
    String first = errors.get(0);
    for (String e : expected) {
      assertTrue(first.contains(e), "message '" + first + "' should contain '" + e + "'");
    }
    assertFalse(Files.exists(out), "no output directory after a failed run");
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(
          s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")),
          "no temporary output left behind");
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void raggedVector() {
    List<Row> rows = good(10);
    rows.set(7, row("d", 7, vec(1, 2, 3), vec(1, 2, 3, 4), vec(1, 2, 3, 4)));
    expectRejected(write(rows, SCHEMA), new String[] {}, "doc 'd'", "pos 7", "'q'");
  }

  @Test
  void nanValue() {
    List<Row> rows = good(10);
    rows.set(4, row("d", 4, vec(1, 2, 3, 4), vec(1, Float.NaN, 3, 4), vec(1, 2, 3, 4)));
    expectRejected(write(rows, SCHEMA), new String[] {}, "doc 'd'", "pos 4", "'k'");
  }

  @Test
  void infiniteValue() {
    List<Row> rows = good(10);
    rows.set(
        2, row("d", 2, vec(1, 2, 3, 4), vec(1, 2, 3, 4), vec(1, Float.POSITIVE_INFINITY, 3, 4)));
    expectRejected(write(rows, SCHEMA), new String[] {}, "doc 'd'", "pos 2", "'v'");
  }

  @Test
  void gapInPositions() {
    List<Row> rows = good(10);
    rows.remove(5);
    expectRejected(write(rows, SCHEMA), new String[] {}, "doc 'd'", "pos");
  }

  @Test
  void duplicatePositionHidingAGap() {
    List<Row> rows = good(10);
    rows.set(5, row("d", 6, vec(1, 2, 3, 4), vec(1, 2, 3, 4), vec(1, 2, 3, 4)));
    expectRejected(write(rows, SCHEMA), new String[] {}, "doc 'd'", "pos");
  }

  @Test
  void missingColumn() {
    StructType noV =
        new StructType()
            .add("doc_id", DataTypes.StringType)
            .add("pos", DataTypes.IntegerType)
            .add("q", DataTypes.createArrayType(DataTypes.FloatType))
            .add("k", DataTypes.createArrayType(DataTypes.FloatType));
    List<Row> rows = List.of(RowFactory.create("d", 0, vec(1, 2), vec(1, 2)));
    expectRejected(write(rows, noV), new String[] {}, "'v'");
  }

  @Test
  void headsNotDividing() {
    expectRejected(write(good(10), SCHEMA), new String[] {"--heads", "3"}, "'q'", "--heads 3");
  }

  @Test
  void emptyInput() {
    expectRejected(write(new ArrayList<>(), SCHEMA), new String[] {}, "empty");
  }

  @Test
  void missingInput() {
    expectRejected(tmp.resolve("nope").toString(), new String[] {}, "nope");
  }

  @Test
  void existingOutputWithoutOverwrite() throws Exception {
    String in = write(good(10), SCHEMA);
    Path out = tmp.resolve("existing");
    Files.createDirectories(out);
    Files.writeString(out.resolve("keep.txt"), "mine");
    CliRunner.Result r =
        CliRunner.run(
            "attend",
            "--input",
            in,
            "--output",
            out.toString(),
            "--pattern",
            "dense",
            "--heads",
            "1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("already exists"), r.err());
    assertEquals("mine", Files.readString(out.resolve("keep.txt")), "existing output untouched");
  }

  @Test
  void unknownFlag() {
    expectRejected(write(good(4), SCHEMA), new String[] {"--windw", "3"}, "--windw");
  }

  @Test
  void conflictingFlags() {
    expectRejected(
        write(good(4), SCHEMA),
        new String[] {"--pattern", "bigbird", "--window", "3"},
        "--window",
        "longformer");
  }

  @Test
  void unknownPattern() {
    expectRejected(write(good(4), SCHEMA), new String[] {"--pattern", "starry"}, "starry");
  }

  @Test
  void helpOnEveryCommand() {
    for (String cmd : new String[] {"generate", "attend", "pattern", "bench", "demo"}) {
      CliRunner.Result r = CliRunner.run(cmd, "--help");
      assertEquals(0, r.code(), cmd);
      assertTrue(r.out().contains("Usage: longattn " + cmd), cmd + " help: " + r.out());
    }
  }
}
