package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;

/**
 * {@code attend --dry-run}: prints the plan (table, or JSON with --json), writes nothing, exits 0;
 * its FLOP and shuffle estimates agree within 10 % with what the real run records in {@code
 * _longattn.json}, for bigbird, longformer and linear. FLOPs are also checked against counts made
 * here by hand (longformer's neighbouring blocks, linear's per-token state arithmetic).
 */
class DryRunTest {
  static final int HEADS = 2;
  static final int D = 16;

  @TempDir static Path tmp;
  static String in;
  static Map<String, Integer> lengths = new TreeMap<>();

  @BeforeAll
  static void generate() {
    in = tmp.resolve("tokens").toString();
    CliRunner.Result g =
        CliRunner.run(
            "generate",
            "--output",
            in,
            "--docs",
            "3",
            "--min-tokens",
            "700",
            "--max-tokens",
            "2600",
            "--heads",
            String.valueOf(HEADS),
            "--head-dim",
            String.valueOf(D),
            "--seed",
            "5");
    assertEquals(0, g.code(), g.err());
    for (Row r :
        SparkTestSession.get().read().parquet(in).groupBy("doc_id").count().collectAsList()) {
      lengths.put(r.getString(0), (int) r.getLong(1));
    }
  }

  private static JsonNode[] dryAndReal(String name, String... flags) throws Exception {
    String out = tmp.resolve(name).toString();
    List<String> args = new ArrayList<>(List.of("attend", "--input", in, "--output", out));
    args.addAll(List.of(flags));
    List<String> dry = new ArrayList<>(args);
    dry.addAll(List.of("--dry-run", "--json"));
    CliRunner.Result d = CliRunner.run(dry.toArray(String[]::new));
    assertEquals(0, d.code(), d.err());
    assertFalse(Files.exists(Path.of(out)), "a dry run writes nothing");
    JsonNode plan = new ObjectMapper().readTree(d.out());
    CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    JsonNode record = new ObjectMapper().readTree(Path.of(out, "_longattn.json").toFile());
    assertEquals(lengths.size(), plan.get("documents").asInt());
    assertEquals(record.get("rows").asLong(), plan.get("tokens").asLong());
    assertEquals(record.get("spans").asLong(), plan.get("spans").asLong());
    assertEquals(HEADS, plan.get("heads").asInt(), "heads from the table's record");
    within(name + " FLOPs", record.get("compute").get("flops").asDouble(), plan.get("flops"));
    JsonNode shuffle = record.get("shuffle");
    JsonNode est = plan.get("shuffle");
    within(name + " kv bytes", shuffle.get("kv_bytes").asDouble(), est.get("kv_bytes"));
    within(
        name + " kv bytes shipped",
        shuffle.get("kv_bytes_shipped").asDouble(),
        est.get("kv_bytes_shipped"));
    within(name + " shuffle bytes", shuffle.get("bytes_written").asDouble(), est.get("bytes"));
    assertTrue(plan.get("peak_task_bytes").asLong() > 0);
    return new JsonNode[] {plan, record};
  }

  private static void within(String what, double recorded, JsonNode estimate) {
    double e = estimate.asDouble();
    System.err.printf("[DryRunTest] %s: estimate %.6g, recorded %.6g%n", what, e, recorded);
    assertTrue(
        Math.abs(e - recorded) <= 0.10 * recorded,
        what + ": estimate " + e + " vs recorded " + recorded);
  }

  @Test
  void bigbird() throws Exception {
    JsonNode[] r =
        dryAndReal(
            "bigbird",
            "--pattern",
            "bigbird",
            "--block-size",
            "32",
            "--random-blocks",
            "2",
            "--span-tokens",
            "512",
            "--stats");
    assertTrue(r[0].get("shuffle").get("duplication_factor").asDouble() > 1.0);
  }

  /** w = 40 < block 64: every query block reads its own and both neighbouring blocks. */
  @Test
  void longformer() throws Exception {
    JsonNode[] r =
        dryAndReal(
            "longformer",
            "--pattern",
            "longformer",
            "--window",
            "40",
            "--block-size",
            "64",
            "--span-tokens",
            "256");
    double pairs = 0;
    for (int n : lengths.values()) {
      int nb = (n + 63) / 64;
      for (int qb = 0; qb < nb; qb++) {
        int qLen = Math.min(n, (qb + 1) * 64) - qb * 64;
        for (int kb = Math.max(0, qb - 1); kb <= Math.min(nb - 1, qb + 1); kb++) {
          pairs += (double) qLen * (Math.min(n, (kb + 1) * 64) - kb * 64);
        }
        pairs += qLen; // the one global token generate marks (position 0), as a key
      }
      pairs += n; // ... and as a query
    }
    double byHand = pairs * HEADS * 2 * (D + D);
    within("longformer FLOPs by hand", byHand, r[0].get("flops"));
  }

  @Test
  void linear() throws Exception {
    JsonNode[] r = dryAndReal("linear", "--pattern", "linear", "--span-tokens", "512");
    long n = lengths.values().stream().mapToLong(Integer::longValue).sum();
    within("linear FLOPs by hand", 4.0 * D * D * n * HEADS, r[0].get("flops"));
    assertEquals(1.0, r[0].get("shuffle").get("duplication_factor").asDouble());
  }

  @Test
  void tableForPeople() {
    String out = tmp.resolve("table").toString();
    CliRunner.Result d =
        CliRunner.run(
            "attend", "--input", in, "--output", out, "--pattern", "bigbird", "--dry-run");
    assertEquals(0, d.code(), d.err());
    for (String row :
        new String[] {
          "documents",
          "tokens",
          "spans",
          "tasks",
          "FLOPs",
          "shuffle",
          "key/value bytes",
          "peak memory per task"
        }) {
      assertTrue(d.out().contains(row), row + " in:\n" + d.out());
    }
    assertFalse(Files.exists(Path.of(out)));
    CliRunner.Result bad =
        CliRunner.run("attend", "--input", in, "--output", out, "--pattern", "bigbird", "--json");
    assertEquals(2, bad.code(), bad.err());
  }
}
