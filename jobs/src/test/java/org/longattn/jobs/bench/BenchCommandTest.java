package org.longattn.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.jobs.CliRunner;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;

/**
 * {@code bench}: warm-up runs reported apart from the measured ones, min / median / spread, its
 * generated data removed at the end; the streamed benchmark document stays bounded.
 */
class BenchCommandTest {
  @TempDir Path tmp;

  @Test
  void warmupExcludedAndStatsReported() {
    CliRunner.Result r =
        CliRunner.run(
            "bench",
            "--pattern",
            "bigbird",
            "--heads",
            "1",
            "--tokens",
            "4096",
            "--head-dim",
            "16",
            "--threads",
            "1",
            "--repeat",
            "3",
            "--warmup",
            "2",
            "--kernel-only");
    assertEquals(0, r.code(), r.err());
    String json = r.out();
    for (String key : List.of("median_s", "min_s", "max_s", "spread", "runs_s", "warmup_s")) {
      assertTrue(json.contains("\"" + key + "\""), key + " in " + json);
    }
    assertEquals(3, count(json, "runs_s"), json);
    assertEquals(2, count(json, "warmup_s"), json);
    assertEquals(2, r.err().split("kernel warm-up", -1).length - 1, r.err());
    assertTrue(r.err().contains("warm-up excluded"), r.err());
  }

  /** Elements of the JSON array named {@code key}. */
  private static int count(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
    assertTrue(m.find(), key);
    return m.group(1).isBlank() ? 0 : m.group(1).split(",").length;
  }

  @Test
  void endToEndRemovesItsData() throws Exception {
    Path work = tmp.resolve("work");
    Files.createDirectories(work);
    Files.writeString(work.resolve("mine.txt"), "not the bench's");
    CliRunner.Result r =
        CliRunner.run(
            "bench",
            "--pattern",
            "longformer",
            "--window",
            "64",
            "--heads",
            "1",
            "--tokens",
            "2048",
            "--head-dim",
            "8",
            "--threads",
            "1",
            "--repeat",
            "1",
            "--warmup",
            "0",
            "--work-dir",
            work.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("end_to_end"), r.out());
    assertFalse(Files.exists(work.resolve("tokens")), "generated input left behind");
    assertFalse(Files.exists(work.resolve("attention")), "output left behind");
    assertTrue(Files.exists(work.resolve("mine.txt")), "only what bench wrote is removed");
  }

  @Test
  void encodeWorkloadTimesTheModelOnnxRuntimeAndEncode() throws Exception {
    Path work = tmp.resolve("encode-work");
    Files.createDirectories(work);
    CliRunner.Result r =
        CliRunner.run(
            "bench",
            "--workload",
            "encode",
            "--pattern",
            "longformer",
            "--window",
            "32",
            "--tokens",
            "1500",
            "--kernel-tokens",
            "700",
            "--span-tokens",
            "256",
            "--threads",
            "1",
            "--repeat",
            "1",
            "--warmup",
            "0",
            "--compare",
            "ort",
            "--work-dir",
            work.toString());
    assertEquals(0, r.code(), r.err());
    String json = r.out();
    for (String key :
        List.of(
            "\"workload\" : \"encode\"",
            "\"kernel_tokens\" : 700",
            "\"peer\" : \"onnxruntime 1.22.0",
            "\"end_to_end\"",
            "windowed: all 6 layers")) {
      assertTrue(json.contains(key), key + " in " + json);
    }
    assertEquals(1, count(json, "runs_s"), json);
    for (String d : List.of("ids", "tok", "docs")) {
      assertFalse(Files.exists(work.resolve(d)), d + " left behind");
    }
  }

  @Test
  void encodeWorkloadRefusesPatternsWithoutTheOnePassRoute() {
    CliRunner.Result r =
        CliRunner.run("bench", "--workload", "encode", "--pattern", "bigbird", "--kernel-only");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("covers longformer and blocked"), r.err());
  }

  @Test
  void encodeFlopsCountTheBandsKeys() {
    org.longattn.kernels.model.EncoderConfig c =
        new org.longattn.kernels.model.EncoderConfig(100, 8, 2, 16, 3, 64, 1e-5f);
    var all = new org.longattn.jobs.encode.WindowedEncode.Reach(1000, 1000, 1, 0);
    var one = new org.longattn.jobs.encode.WindowedEncode.Reach(1, 1, 1, 0);
    double perToken = 2.0 * 8 * (4 * 8 + 2 * 16);
    assertEquals(3 * (10 * perToken + 4.0 * 8 * 100), EncodeBench.flops(c, all, 10), 1e-6);
    assertEquals(3 * (10 * perToken + 4.0 * 8 * 28), EncodeBench.flops(c, one, 10), 1e-6);
  }

  @Test
  void generatedDataDeletesTreesAndIgnoresMissing() throws Exception {
    Path a = tmp.resolve("a/b/c");
    Files.createDirectories(a);
    Files.writeString(a.resolve("part-0"), "x");
    GeneratedData.delete(List.of(tmp.resolve("a"), tmp.resolve("missing")));
    assertFalse(Files.exists(tmp.resolve("a")));
  }

  @Test
  void statsExcludeWarmupAndComputeSpread() {
    RunStats s = new RunStats(new double[] {9.0}, new double[] {2.0, 1.0, 4.0, 3.0});
    assertEquals(2.5, s.median());
    assertEquals(1.0, s.min());
    assertEquals(1.2, s.spread(), 1e-12);
    assertEquals(2.0, new RunStats(new double[0], new double[] {3.0, 2.0, 1.0}).median());
  }

  @Test
  void documentIsStreamedFromABoundedPool() {
    HeadShape shape = new HeadShape(1, 64, 64);
    int tokens = 8_388_608 + 17;
    BenchDocument doc = new BenchDocument(tokens, 64, shape, 1);
    assertEquals(131_073, doc.blocks);
    TokenBlock a = doc.block(5);
    TokenBlock b = doc.block(5 + 1365); // 64 MB / 48 KB = 1365 distinct blocks
    assertEquals(5 * 64, a.firstPos());
    assertSame(a.q(), b.q(), "pool entries are reused");
    assertNotSame(a.q(), doc.block(6).q());
    TokenBlock last = doc.block(doc.blocks - 1);
    assertEquals(17, last.n());
    assertEquals(17 * 64, last.q().length);
    TokenBlock c = doc.concat(2, 4);
    assertEquals(128, c.n());
    assertEquals(128, c.firstPos());
    float[] first = new float[64 * 64];
    System.arraycopy(c.k(), 0, first, 0, first.length);
    assertArrayEquals(doc.block(2).k(), first);
  }
}
