package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;

/**
 * Every refusal is one line: exit code 2, a single {@code longattn: error: …} line on stderr that
 * names the file, document or column (the job's own stage lines may precede it), no stack trace, no
 * Spark log event at WARN or above while the command ran, and no output directory (nor a temporary
 * sibling) left behind. Inputs damaged the way users damage them: corrupted pages, files of
 * different schemas, a stray README, empty vectors, null or multi-line document ids; outputs that
 * cannot be written; flags whose values cannot run.
 */
class RefusalTest {
  @TempDir Path tmp;

  private static final String[] PATTERN = {"--pattern", "longformer", "--window", "8"};

  private static DataType array(DataType element) {
    return DataTypes.createArrayType(element);
  }

  private static StructType schema(DataType pos, DataType q) {
    return new StructType()
        .add("doc_id", DataTypes.StringType)
        .add("pos", pos)
        .add("q", q)
        .add("k", array(DataTypes.FloatType))
        .add("v", array(DataTypes.FloatType));
  }

  private static final StructType SCHEMA =
      schema(DataTypes.IntegerType, array(DataTypes.FloatType));

  private static List<Float> vec(int n, float seed) {
    List<Float> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add((float) Math.sin(seed + 0.7 * i));
    }
    return l;
  }

  /** {@code n} good rows of document {@code doc}: q, k, v of 4 values (2 heads × 2). */
  private static List<Row> rows(String doc, int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(RowFactory.create(doc, i, vec(4, i), vec(4, 2 * i), vec(4, 3 * i)));
    }
    return rows;
  }

  /** Writes rows as one Parquet file into {@code dir} (a fresh directory). */
  private Path write(String dir, List<Row> rows, StructType schema) {
    Path p = tmp.resolve(dir);
    SparkTestSession.get()
        .createDataFrame(rows, schema)
        .coalesce(1)
        .write()
        .mode("overwrite")
        .parquet(p.toString());
    return p;
  }

  private static Path onlyPart(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> parts = s.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList();
      assertEquals(1, parts.size(), "one part file in " + dir);
      return parts.get(0);
    }
  }

  /** A table of two files with different schemas: {@code a.parquet} and {@code b.parquet}. */
  private Path mixed(StructType a, List<Row> rowsA, StructType b, List<Row> rowsB)
      throws IOException {
    Path in = Files.createDirectories(tmp.resolve("mixed"));
    Files.move(onlyPart(write("ma", rowsA, a)), in.resolve("a.parquet"));
    Files.move(onlyPart(write("mb", rowsB, b)), in.resolve("b.parquet"));
    return in;
  }

  /** Runs {@code attend} on {@code in} into {@code out} with the small pattern and 2 heads. */
  private static LoggedRun attend(Path in, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "attend", "--input", in.toString(), "--output", out.toString(), "--heads", "2"));
    args.addAll(List.of(PATTERN));
    args.addAll(List.of(extra));
    return LoggedRun.run(args.toArray(String[]::new));
  }

  /**
   * Exit 2; exactly one stderr line besides the job's stage lines ({@code [cmd] stage: …}), the
   * last, {@code longattn: error: …}, holding each of {@code expected}; nothing that looks like a
   * log line or stack trace; no output, no temporary sibling.
   */
  static String assertRefused(LoggedRun r, Path out, String... expected) {
    String all = "\nstderr:\n" + r.err() + "\nlog events:\n" + r.events();
    assertEquals(2, r.code(), "exit code" + all);
    List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
    List<String> other = lines.stream().filter(l -> !l.matches("^\\[[a-z]+\\] .*")).toList();
    assertEquals(1, other.size(), "exactly one line that is not a stage line" + all);
    String line = other.get(0);
    assertEquals(line, lines.get(lines.size() - 1), "the error is the last line" + all);
    assertTrue(line.startsWith("longattn: error: "), line);
    for (String e : expected) {
      assertTrue(line.contains(e), "'" + line + "' should contain '" + e + "'");
    }
    for (String bad : List.of("ERROR", "WARN", "Exception", "at org.", "\tat ")) {
      assertFalse(r.err().contains(bad), "stderr holds '" + bad + "'" + all);
    }
    assertTrue(r.events().isEmpty(), "no WARN/ERROR log event while refusing" + all);
    if (out != null) {
      assertFalse(Files.exists(out), "no output directory" + all);
      try (Stream<Path> s = Files.list(out.getParent())) {
        assertTrue(
            s.noneMatch(p -> p.getFileName().toString().startsWith("." + out.getFileName())),
            "no temporary output sibling left behind");
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
    return line;
  }

  @Test
  void corruptedDataPagesNameTheFile() throws IOException {
    Path in = write("corrupt", rows("d", 300), SCHEMA);
    Path part = onlyPart(in);
    byte[] b = Files.readAllBytes(part);
    // Damage the data pages (the first half of the file), not the footer at its end.
    for (int i = 200; i < b.length / 2; i += 7) {
      b[i] ^= 0x5a;
    }
    Files.write(part, b);
    try (Stream<Path> s = Files.list(in)) {
      for (Path crc : s.filter(f -> f.getFileName().toString().endsWith(".crc")).toList()) {
        Files.delete(crc); // a file copied from elsewhere has no checksum beside it
      }
    }
    Path out = tmp.resolve("out");
    assertRefused(attend(in, out), out, part.getFileName().toString());
  }

  @Test
  void floatAndDoubleVectorsInDifferentFiles() throws IOException {
    List<Row> doubles = new ArrayList<>();
    for (Row r : rows("e", 100)) {
      List<Double> q = new ArrayList<>();
      for (Object x : (List<?>) r.get(2)) {
        q.add(((Float) x).doubleValue());
      }
      doubles.add(RowFactory.create(r.get(0), r.get(1), q, r.get(3), r.get(4)));
    }
    Path in =
        mixed(
            SCHEMA,
            rows("d", 100),
            schema(DataTypes.IntegerType, array(DataTypes.DoubleType)),
            doubles);
    Path out = tmp.resolve("out");
    assertRefused(attend(in, out), out, "b.parquet", "'q'", "array<double>", "array<float>");
  }

  @Test
  void intAndBigintPositionsInDifferentFiles() throws IOException {
    List<Row> longs = new ArrayList<>();
    for (Row r : rows("e", 100)) {
      longs.add(RowFactory.create(r.get(0), (long) r.getInt(1), r.get(2), r.get(3), r.get(4)));
    }
    Path in =
        mixed(
            SCHEMA, rows("d", 100), schema(DataTypes.LongType, array(DataTypes.FloatType)), longs);
    Path out = tmp.resolve("out");
    assertRefused(attend(in, out), out, "b.parquet", "'pos'", "bigint", "int");
  }

  @Test
  void aStrayReadmeAmongTheParquetFilesIsNamed() throws IOException {
    Path in = write("readme", rows("d", 100), SCHEMA);
    Files.writeString(in.resolve("README.txt"), "tokens of the corpus, 2 heads\n");
    Path out = tmp.resolve("out");
    assertRefused(attend(in, out), out, "README.txt", "not a Parquet file");
  }

  @Test
  void emptyVectorsInEveryRow() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      rows.add(RowFactory.create("d", i, vec(0, 0), vec(0, 0), vec(0, 0)));
    }
    Path in = write("empty-all", rows, SCHEMA);
    Path out = tmp.resolve("out");
    assertRefused(attend(in, out), out, "'q'", "empty");
  }

  @Test
  void anEmptyVectorInTheFirstRowOnly() {
    List<Row> rows = rows("d", 50);
    rows.set(0, RowFactory.create("d", 0, vec(0, 0), vec(0, 0), vec(0, 0)));
    Path in = write("empty-first", rows, SCHEMA);
    Path out = tmp.resolve("out");
    assertRefused(attend(in, out), out, "doc 'd'", "pos 0", "'q'", "empty");
  }

  @Test
  void aNullDocumentId() {
    List<Row> rows = rows("d", 50);
    Row r = rows.get(17);
    rows.set(17, RowFactory.create(null, 17, r.get(2), r.get(3), r.get(4)));
    Path in = write("null-doc", rows, SCHEMA);
    Path out = tmp.resolve("out");
    assertRefused(attend(in, out), out, "'doc_id'", "null");
  }

  @Test
  void aDocumentIdHoldingANewlineStaysOnOneLine() {
    String doc = "line one\nline two\r\tend\u0007";
    List<Row> rows = rows(doc, 50);
    Row r = rows.get(9);
    List<Float> nan = vec(4, 1);
    nan.set(2, Float.NaN);
    rows.set(9, RowFactory.create(doc, 9, r.get(2), nan, r.get(4)));
    Path in = write("newline-doc", rows, SCHEMA);
    Path out = tmp.resolve("out");
    assertRefused(
        attend(in, out), out, "doc 'line one\\nline two\\r\\tend\\u0007'", "pos 9", "'k'", "NaN");
  }

  @Test
  void anOutputUnderARegularFile() throws IOException {
    Path in = write("tokens", rows("d", 50), SCHEMA);
    Path file = Files.writeString(tmp.resolve("notes.txt"), "mine");
    Path out = file.resolve("out");
    String line = assertRefused(attend(in, out), null, "notes.txt", "not a directory");
    assertEquals("mine", Files.readString(file), line);
  }

  @Test
  void anOutputInAnUnwritableDirectory() throws IOException {
    Path in = write("tokens", rows("d", 50), SCHEMA);
    Path locked = Files.createDirectories(tmp.resolve("locked"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      // root writes anywhere on a normal file system; /proc refuses even root.
      Path parent = Files.isWritable(locked) ? Path.of("/proc") : locked;
      assumeTrue(Files.isDirectory(parent), "no unwritable directory on this machine");
      Path out = parent.resolve("longattn-out");
      assertRefused(attend(in, out), out, "--output", parent.toString(), "cannot write");
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void aBlockSizeBeyondWhatATaskHolds() {
    Path in = write("tokens", rows("d", 50), SCHEMA);
    Path out = tmp.resolve("out");
    assertRefused(attend(in, out, "--block-size", "1000000000"), out, "--block-size", "1000000000");
  }

  @Test
  void aPatternListingBillionsOfBlocks() {
    LoggedRun r =
        LoggedRun.run(
            "pattern",
            "--tokens",
            "2147483647",
            "--block-size",
            "1",
            "--pattern",
            "longformer",
            "--heads",
            "1");
    assertRefused(r, null, "2147483647", "--block-size");
  }
}
