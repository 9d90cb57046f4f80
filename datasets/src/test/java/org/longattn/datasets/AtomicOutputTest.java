package org.longattn.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicOutputTest {
  private final SparkSession spark = SparkTestSession.get();
  @TempDir Path dir;

  private Path existingTarget() throws IOException {
    Path target = Files.createDirectory(dir.resolve("out"));
    Files.writeString(target.resolve("marker"), "old");
    return target;
  }

  private List<String> siblings() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private void writeNumbers(String path, int n) {
    spark.range(n).write().parquet(path);
  }

  @Test
  void existingTargetWithoutOverwriteIsAnErrorAndUntouched() throws IOException {
    Path target = existingTarget();
    AtomicReference<String> called = new AtomicReference<>();
    InputException e =
        assertThrows(
            InputException.class,
            () -> AtomicOutput.write(spark, target.toString(), false, called::set));
    assertEquals("output '" + target + "' already exists (use --overwrite)", e.getMessage());
    assertEquals(null, called.get(), "the writer must not run");
    assertEquals("old", Files.readString(target.resolve("marker")));
    assertEquals(List.of("out"), siblings());
    InputException early =
        assertThrows(
            InputException.class, () -> AtomicOutput.checkTarget(spark, target.toString(), false));
    assertEquals(e.getMessage(), early.getMessage());
    AtomicOutput.checkTarget(spark, target.toString(), true);
    AtomicOutput.checkTarget(spark, dir.resolve("new").toString(), false);
  }

  @Test
  void writesIntoAHiddenSiblingThenRenames() throws IOException {
    Path target = dir.resolve("nested/out");
    AtomicReference<String> tmp = new AtomicReference<>();
    AtomicOutput.write(
        spark,
        target.toString(),
        false,
        path -> {
          tmp.set(path);
          writeNumbers(path, 10);
          AtomicOutput.writeText(spark, path, "_longattn.json", "{\"rows\": 10}");
        });
    String name = tmp.get().substring(tmp.get().lastIndexOf('/') + 1);
    assertTrue(name.startsWith(".out.tmp-"), name);
    assertTrue(tmp.get().contains(dir.resolve("nested").toString()), tmp.get());
    assertEquals(10, spark.read().parquet(target.toString()).count());
    assertEquals("{\"rows\": 10}", Files.readString(target.resolve("_longattn.json")));
    try (Stream<Path> s = Files.list(dir.resolve("nested"))) {
      assertEquals(List.of("out"), s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void failingWriterLeavesNeitherTargetNorTemp() throws IOException {
    String target = dir.resolve("out").toString();
    RuntimeException boom = new RuntimeException("boom");
    RuntimeException e =
        assertThrows(
            RuntimeException.class,
            () ->
                AtomicOutput.write(
                    spark,
                    target,
                    false,
                    path -> {
                      writeNumbers(path, 5); // half-done output in the temp directory
                      throw boom;
                    }));
    assertSame(boom, e);
    assertEquals(List.of(), siblings());
  }

  @Test
  void failingSparkJobWithOverwriteKeepsTheOldTarget() throws IOException {
    Path target = existingTarget();
    assertThrows(
        SparkException.class,
        () ->
            AtomicOutput.write(
                spark,
                target.toString(),
                true,
                path ->
                    spark
                        .range(100)
                        .map(
                            (org.apache.spark.api.java.function.MapFunction<Long, Long>)
                                x -> {
                                  if (x == 57) {
                                    throw new InputException("doc 'x' pos 57 column 'q': bad");
                                  }
                                  return x;
                                },
                            Encoders.LONG())
                        .write()
                        .parquet(path)));
    assertEquals("old", Files.readString(target.resolve("marker")));
    assertEquals(List.of("out"), siblings());
  }

  @Test
  void overwriteReplacesTheOldTarget() throws IOException {
    Path target = existingTarget();
    AtomicOutput.write(spark, target.toString(), true, path -> writeNumbers(path, 7));
    assertFalse(Files.exists(target.resolve("marker")));
    assertEquals(7, spark.read().parquet(target.toString()).count());
    assertEquals(List.of("out"), siblings());
  }

  @Test
  void writerThatWritesNothingCommitsAnEmptyDirectory() throws IOException {
    Path target = dir.resolve("empty");
    AtomicOutput.write(spark, target.toString(), false, path -> {});
    assertTrue(Files.isDirectory(target));
    assertEquals(List.of("empty"), siblings());
  }
}
