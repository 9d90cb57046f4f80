package org.longattn.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicOutputTest {
  @TempDir Path tmp;
  private final SparkSession spark = SparkTestSession.get();

  private long leftovers() throws Exception {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.filter(
              p ->
                  p.getFileName().toString().contains(".tmp-")
                      || p.getFileName().toString().contains(".old-"))
          .count();
    }
  }

  @Test
  void commitsByRename() throws Exception {
    Path target = tmp.resolve("out");
    AtomicOutput.write(
        spark, target.toString(), false, dir -> AtomicOutput.writeText(spark, dir, "a.txt", "one"));
    assertEquals("one", Files.readString(target.resolve("a.txt")));
    assertEquals(0, leftovers());
  }

  @Test
  void existingTargetWithoutOverwriteIsRefusedAndUntouched() throws Exception {
    Path target = tmp.resolve("out");
    Files.createDirectories(target);
    Files.writeString(target.resolve("keep"), "mine");
    boolean[] ran = {false};
    InputException e =
        assertThrows(
            InputException.class,
            () -> AtomicOutput.write(spark, target.toString(), false, dir -> ran[0] = true));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    assertFalse(ran[0], "nothing is written before the refusal");
    assertEquals("mine", Files.readString(target.resolve("keep")));
  }

  @Test
  void failingWriterLeavesNothing() throws Exception {
    Path target = tmp.resolve("out");
    assertThrows(
        IllegalStateException.class,
        () ->
            AtomicOutput.write(
                spark,
                target.toString(),
                false,
                dir -> {
                  AtomicOutput.writeText(spark, dir, "partial.txt", "half");
                  throw new IllegalStateException("boom");
                }));
    assertFalse(Files.exists(target));
    assertEquals(0, leftovers());
  }

  @Test
  void overwriteReplacesTheWholeDirectory() throws Exception {
    Path target = tmp.resolve("out");
    Files.createDirectories(target);
    Files.writeString(target.resolve("old.txt"), "old");
    AtomicOutput.write(
        spark,
        target.toString(),
        true,
        dir -> AtomicOutput.writeText(spark, dir, "new.txt", "new"));
    assertFalse(Files.exists(target.resolve("old.txt")));
    assertEquals("new", Files.readString(target.resolve("new.txt")));
    assertEquals(0, leftovers());
  }

  @Test
  void failedOverwriteKeepsTheOldOutput() throws Exception {
    Path target = tmp.resolve("out");
    Files.createDirectories(target);
    Files.writeString(target.resolve("old.txt"), "old");
    assertThrows(
        IllegalStateException.class,
        () ->
            AtomicOutput.write(
                spark,
                target.toString(),
                true,
                dir -> {
                  throw new IllegalStateException("boom");
                }));
    assertEquals("old", Files.readString(target.resolve("old.txt")));
    assertEquals(0, leftovers());
  }
}
