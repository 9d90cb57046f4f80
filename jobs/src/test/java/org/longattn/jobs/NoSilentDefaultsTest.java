package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;

/**
 * No silent defaults: {@code --pattern} is required; the heads come from the token table's {@code
 * _longattn.json} (written by generate and embed), a {@code --heads} that disagrees is an error,
 * and a table without a record needs {@code --heads}. Each refusal is one line, exit 2, nothing
 * written. {@code --conf key=value} reaches the session.
 */
class NoSilentDefaultsTest {
  @TempDir static Path tmp;
  static String generated;

  @BeforeAll
  static void generate() {
    generated = tmp.resolve("gen").toString();
    CliRunner.Result g =
        CliRunner.run(
            "generate",
            "--output",
            generated,
            "--docs",
            "1",
            "--tokens",
            "300",
            "--heads",
            "2",
            "--head-dim",
            "4",
            "--seed",
            "3");
    assertEquals(0, g.code(), g.err());
  }

  private static JsonNode record(String dir) throws Exception {
    return new ObjectMapper().readTree(Path.of(dir, "_longattn.json").toFile());
  }

  @Test
  void generateStatesItsHeads() throws Exception {
    JsonNode table = record(generated).get("token_table");
    assertEquals(2, table.get("heads").asInt());
    assertEquals(4, table.get("head_dim").asInt());
    assertEquals(4, table.get("value_dim").asInt());
  }

  /** On a 2-head table, attend without --heads runs 2 heads (it used to run 1, silently). */
  @Test
  void headsComeFromTheTable() throws Exception {
    String out = tmp.resolve("att").toString();
    CliRunner.Result r =
        CliRunner.run(
            "attend",
            "--input",
            generated,
            "--output",
            out,
            "--pattern",
            "longformer",
            "--window",
            "8");
    assertEquals(0, r.code(), r.err());
    assertEquals(2, record(out).get("parameters").get("heads").asInt());
    assertEquals(4, record(out).get("parameters").get("head_dim").asInt());
  }

  @Test
  void disagreeingHeadsAreAnError() {
    Path out = tmp.resolve("att-1");
    CliRunner.Result r =
        CliRunner.run(
            "attend",
            "--input",
            generated,
            "--output",
            out.toString(),
            "--pattern",
            "dense",
            "--heads",
            "1");
    assertOneLine(r, "--heads 1", "states 2 heads");
    assertFalse(Files.exists(out));
  }

  @Test
  void aTableWithoutRecordNeedsHeads() {
    String in = tmp.resolve("plain").toString();
    TokenTables.write(TokenTables.rows(List.of(TokenTables.random("d", 40, 8, 8, 0, 1)), 0), in, 1);
    Path out = tmp.resolve("plain-out");
    CliRunner.Result r =
        CliRunner.run("attend", "--input", in, "--output", out.toString(), "--pattern", "dense");
    assertOneLine(r, "--heads is required", in);
    assertFalse(Files.exists(out));
  }

  @Test
  void patternIsRequired() {
    Path out = tmp.resolve("nopattern");
    assertOneLine(
        CliRunner.run("attend", "--input", generated, "--output", out.toString()),
        "--pattern is required");
    assertFalse(Files.exists(out));
    assertOneLine(CliRunner.run("pattern", "--tokens", "100"), "--pattern is required");
    assertOneLine(
        CliRunner.run("bench", "--tokens", "100", "--kernel-only"), "--pattern is required");
  }

  /** --conf key=value is applied to the session (here: a runtime SQL property). */
  @Test
  void confKeyValueReachesTheSession() {
    String before = SparkTestSession.get().conf().get("spark.sql.shuffle.partitions");
    try {
      String out = tmp.resolve("conf-out").toString();
      CliRunner.Result r =
          CliRunner.run(
              "attend",
              "--input",
              generated,
              "--output",
              out,
              "--pattern",
              "blocked",
              "--conf",
              "spark.sql.shuffle.partitions=7");
      assertEquals(0, r.code(), r.err());
      assertEquals("7", SparkTestSession.get().conf().get("spark.sql.shuffle.partitions"));
    } finally {
      SparkTestSession.get().conf().set("spark.sql.shuffle.partitions", before);
    }
  }

  private static void assertOneLine(CliRunner.Result r, String... named) {
    assertEquals(2, r.code(), r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("longattn: error:")).toList();
    assertEquals(1, errors.size(), r.err());
    for (String n : named) {
      assertTrue(errors.get(0).contains(n), "'" + errors.get(0) + "' should name " + n);
    }
  }
}
