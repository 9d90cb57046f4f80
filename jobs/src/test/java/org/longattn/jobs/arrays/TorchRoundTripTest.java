package org.longattn.jobs.arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.jobs.CliRunner;
import org.longattn.kernels.io.Npy;

/**
 * The PyTorch route end to end, against PyTorch itself: Debian's {@code python3-torch} draws random
 * q/k/v for documents of 1, 37 and 300 tokens (3 heads × 8, values 5 per head) and saves them as
 * {@code .npy} in several layouts (n × H × d float32, n × H·d big-endian float64, Fortran order)
 * and as {@code .safetensors} (F16, BF16, F32, F64 tensors converted by torch), and computes {@code
 * scaled_dot_product_attention} over them in float64: dense, causal, and with a boolean mask of a
 * window |i − j| ≤ 16. Java runs {@code import} → {@code attend} (dense, dense causal, longformer
 * --window 16) → {@code export}; every value must agree within 1e-5 (float32 attention over d = 8
 * and outputs of magnitude ≈ 1: rounding is ≈ 1e-6).
 *
 * <p>Under {@code CI=true} a missing torch fails the test; elsewhere it is skipped.
 */
class TorchRoundTripTest {
  private static final String PYTHON = "/usr/bin/python3";
  private static final double TOLERANCE = 1e-5;
  private static final Set<String> DOCS =
      Set.of("one", "mid", "long doc/x", "st-a", "st-b", "st-c");

  @TempDir static Path tmp;

  private static Path arrays;
  private static String tokens;

  @BeforeAll
  static void pythonWritesArraysAndReferencesThenJavaImports() throws Exception {
    requireTorch();
    arrays = tmp.resolve("py");
    Path script = tmp.resolve("torch_reference.py");
    try (InputStream in =
        TorchRoundTripTest.class.getResourceAsStream("/arrays/torch_reference.py")) {
      Files.copy(in, script);
    }
    run(PYTHON, script.toString(), arrays.toString());
    tokens = tmp.resolve("tokens").toString();
    CliRunner.Result r =
        CliRunner.run(
            "import",
            "--input",
            arrays.resolve("npy").toString(),
            "--input",
            arrays.resolve("safetensors").toString(),
            "--output",
            tokens,
            "--heads",
            "3");
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void theTokenTableHoldsEveryDocumentWithItsLengthAndRecordsTheHeads() throws IOException {
    Set<String> ids = new TreeSet<>();
    long rows = 0;
    for (Row r :
        SparkTestSession.get().read().parquet(tokens).groupBy("doc_id").count().collectAsList()) {
      ids.add(r.getString(0));
      rows += r.getLong(1);
    }
    assertEquals(new TreeSet<>(DOCS), ids);
    assertEquals(1 + 37 + 300 + 45 + 7 + 64, rows);
    JsonNode record = new ObjectMapper().readTree(Path.of(tokens, "_longattn.json").toFile());
    assertEquals(3, record.path("token_table").path("heads").asInt());
    assertEquals(8, record.path("token_table").path("head_dim").asInt());
    assertEquals(5, record.path("token_table").path("value_dim").asInt());
  }

  @Test
  void denseAttentionMatchesTorch() throws IOException {
    compare("dense", attendAndExport("dense", false, "--pattern", "dense"), false);
  }

  @Test
  void causalAttentionMatchesTorchExportedPerHead() throws IOException {
    compare("causal", attendAndExport("causal", true, "--pattern", "dense", "--causal"), true);
  }

  @Test
  void longformerWindowMatchesTorchWithABooleanMask() throws IOException {
    compare(
        "window",
        attendAndExport("window", false, "--pattern", "longformer", "--window", "16"),
        false);
  }

  private Path attendAndExport(String name, boolean perHead, String... pattern) {
    String att = tmp.resolve("att-" + name).toString();
    String[] args =
        concat(
            new String[] {"attend", "--input", tokens, "--output", att, "--heads", "3"}, pattern);
    CliRunner.Result a = CliRunner.run(args);
    assertEquals(0, a.code(), a.err());
    Path out = tmp.resolve("npy-" + name);
    CliRunner.Result e =
        CliRunner.run(
            "export",
            "--input",
            att,
            "--output",
            out.toString(),
            "--layout",
            perHead ? "heads" : "flat");
    assertEquals(0, e.code(), e.err());
    return out;
  }

  /** Every exported document against torch's reference (float64, n × H·dv). */
  private static void compare(String mode, Path exported, boolean perHead) throws IOException {
    JsonNode manifest = new ObjectMapper().readTree(exported.resolve("manifest.json").toFile());
    Set<String> seen = new TreeSet<>();
    for (JsonNode d : manifest.path("documents")) {
      String doc = d.path("doc_id").asText();
      String file = d.path("file").asText();
      seen.add(doc);
      Npy.Array got = Npy.parse(Files.readAllBytes(exported.resolve(file)));
      Npy.Array want =
          Npy.parse(Files.readAllBytes(arrays.resolve("ref").resolve(mode).resolve(file)));
      int n = want.shape()[0];
      assertArrayEquals(perHead ? new int[] {n, 3, 5} : new int[] {n, 15}, got.shape(), doc);
      double worst = 0;
      for (int i = 0; i < want.data().length; i++) {
        worst = Math.max(worst, Math.abs(got.data()[i] - want.data()[i]));
      }
      assertTrue(worst <= TOLERANCE, mode + " doc '" + doc + "': max |java − torch| = " + worst);
    }
    assertEquals(new TreeSet<>(DOCS), seen, "the manifest lists every document");
  }

  /** torch importable by /usr/bin/python3; required under CI=true. */
  private static void requireTorch() throws Exception {
    boolean ok;
    try {
      ok =
          new ProcessBuilder(PYTHON, "-c", "import torch, numpy")
                  .redirectErrorStream(true)
                  .start()
                  .waitFor()
              == 0;
    } catch (IOException e) {
      ok = false;
    }
    if (!ok && "true".equals(System.getenv("CI"))) {
      fail(
          PYTHON
              + " cannot import torch and numpy: install Debian's python3-torch"
              + " (apt-get install python3-torch libopenblas0-pthread)");
    }
    Assumptions.assumeTrue(ok, PYTHON + " has no torch (apt-get install python3-torch)");
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + " timed out");
    }
    assertEquals(
        0, p.exitValue(), String.join(" ", cmd) + ":\n" + new String(out, StandardCharsets.UTF_8));
  }

  private static String[] concat(String[] a, String[] b) {
    String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
