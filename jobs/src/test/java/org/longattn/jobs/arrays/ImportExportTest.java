package org.longattn.jobs.arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.datasets.tensors.TestArrays;
import org.longattn.jobs.CliRunner;
import org.longattn.kernels.io.Npy;

/**
 * {@code import} and {@code export} without Python: files written from the formats' specifications,
 * read into a token table value for value, written back as {@code .npy}; and every kind of bad
 * input refused with one line naming the file, exit 2 and nothing written.
 */
class ImportExportTest {
  @TempDir Path tmp;

  private static final int H = 2;
  private static final int D = 3;
  private static final int DV = 4;

  /** Doc "a" (5 tokens): n × H × d float32; "b" (9): n × H·d big-endian float64, Fortran order. */
  private Path npyDocs() {
    Path dir = tmp.resolve("arrays");
    TestArrays.npy(
        dir.resolve("a.q.npy"), "<f4", false, new int[] {5, H, D}, TestArrays.values(30, 1));
    TestArrays.npy(
        dir.resolve("a.k.npy"), "<f4", false, new int[] {5, H, D}, TestArrays.values(30, 2));
    TestArrays.npy(
        dir.resolve("a.v.npy"), "<f4", false, new int[] {5, H, DV}, TestArrays.values(40, 3));
    TestArrays.npy(
        dir.resolve("b.q.npy"), ">f8", true, new int[] {9, H * D}, TestArrays.values(54, 4));
    TestArrays.npy(
        dir.resolve("b.k.npy"), ">f8", true, new int[] {9, H * D}, TestArrays.values(54, 5));
    TestArrays.npy(
        dir.resolve("b.v.npy"), "<f2", false, new int[] {9, H * DV}, TestArrays.values(72, 6));
    return dir;
  }

  /** Docs "c" (BF16) and "d" (F16/F64) in one file, "e" as plain q, k, v of e.safetensors. */
  private Path safetensorsDocs() {
    Path dir = tmp.resolve("st");
    var both = new java.util.LinkedHashMap<String, TestArrays.Tensor>();
    both.putAll(
        TestArrays.qkv(
            "c.",
            "BF16",
            new int[] {4, H, D},
            TestArrays.values(24, 7),
            TestArrays.values(24, 8),
            new int[] {4, H, DV},
            TestArrays.values(32, 9)));
    both.putAll(
        TestArrays.qkv(
            "d.",
            "F16",
            new int[] {2, H * D},
            TestArrays.values(12, 10),
            TestArrays.values(12, 11),
            new int[] {2, H * DV},
            TestArrays.values(16, 12)));
    TestArrays.safetensors(dir.resolve("pair.safetensors"), both);
    TestArrays.safetensors(
        dir.resolve("e.safetensors"),
        TestArrays.qkv(
            "",
            "F64",
            new int[] {3, H, D},
            TestArrays.values(18, 13),
            TestArrays.values(18, 14),
            new int[] {3, H, DV},
            TestArrays.values(24, 15)));
    return dir;
  }

  private static float[] floats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  private static float[] row(Row r, String column) {
    List<Float> l = r.getList(r.fieldIndex(column));
    float[] f = new float[l.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = l.get(i);
    }
    return f;
  }

  @Test
  void importReadsEveryLayoutValueForValueAndExportWritesItBack() throws IOException {
    String tokens = tmp.resolve("tokens").toString();
    CliRunner.Result r =
        CliRunner.run(
            "import",
            "--input",
            npyDocs().toString(),
            "--input",
            safetensorsDocs().toString(),
            "--output",
            tokens,
            "--heads",
            "2");
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.err().contains("[import] plan: 5 documents, 23 tokens, 2 heads × 3 (v 4)"), r.err());
    // doc "b": q was stored n × H·d Fortran-order float64; row 7 is values 7·6 .. 7·6+5.
    float[] bq = floats(TestArrays.values(54, 4));
    float[] bv = floats(TestArrays.values(72, 6));
    float[] cq = floats(TestArrays.values(24, 7));
    int checked = 0;
    for (Row t : SparkSession().read().parquet(tokens).collectAsList()) {
      String doc = t.getString(0);
      int pos = t.getInt(1);
      if (doc.equals("b")) {
        assertArrayEquals(Arrays.copyOfRange(bq, 6 * pos, 6 * pos + 6), row(t, "q"));
        assertArrayEquals(Arrays.copyOfRange(bv, 8 * pos, 8 * pos + 8), row(t, "v"));
        checked++;
      } else if (doc.equals("c")) {
        assertArrayEquals(Arrays.copyOfRange(cq, 6 * pos, 6 * pos + 6), row(t, "q"));
        checked++;
      }
    }
    assertEquals(9 + 4, checked);

    Path flat = tmp.resolve("flat");
    Path heads = tmp.resolve("heads");
    assertEquals(
        0,
        CliRunner.run("export", "--input", tokens, "--output", flat.toString(), "--column", "q")
            .code());
    assertEquals(
        0,
        CliRunner.run(
                "export",
                "--input",
                tokens,
                "--output",
                heads.toString(),
                "--column",
                "v",
                "--layout",
                "heads")
            .code());
    Npy.Array b = Npy.parse(Files.readAllBytes(flat.resolve("b.npy")));
    assertArrayEquals(new int[] {9, 6}, b.shape());
    assertArrayEquals(bq, b.data(), "q of doc b back as written (C order now)");
    Npy.Array bvHeads = Npy.parse(Files.readAllBytes(heads.resolve("b.npy")));
    assertArrayEquals(new int[] {9, 2, 4}, bvHeads.shape());
    assertArrayEquals(bv, bvHeads.data());
    JsonNode manifest = new ObjectMapper().readTree(heads.resolve("manifest.json").toFile());
    assertEquals(2, manifest.path("heads").asInt(), "heads from the token table's record");
    assertEquals(5, manifest.path("documents").size());
    assertEquals("[3,2,4]", manifest.path("documents").get(4).path("shape").toString());
    assertTrue(Files.isRegularFile(heads.resolve("_longattn.json")));
  }

  private static org.apache.spark.sql.SparkSession SparkSession() {
    return SparkTestSession.get();
  }

  /** Runs import; expects exit 2, one error line containing each string, no output. */
  private void refused(List<String> args, String... expected) throws IOException {
    Path out = tmp.resolve("out");
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of("--output", out.toString()));
    CliRunner.Result r = CliRunner.run(all.toArray(String[]::new));
    assertEquals(2, r.code(), "exit code; stderr: " + r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("longattn: error: ")).toList();
    assertEquals(1, errors.size(), "one error line; stderr: " + r.err());
    for (String e : expected) {
      assertTrue(errors.get(0).contains(e), "'" + errors.get(0) + "' should contain '" + e + "'");
    }
    assertFalse(Files.exists(out), "no output after a failed run");
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temp dir");
    }
  }

  private void importRefused(Path input, String heads, String... expected) throws IOException {
    List<String> args = new ArrayList<>(List.of("import", "--input", input.toString()));
    if (heads != null) {
      args.addAll(List.of("--heads", heads));
    }
    refused(args, expected);
  }

  private static void replace(Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes);
  }

  @Test
  void brokenNpyFilesAreNamed() throws IOException {
    Path dir = npyDocs();
    Path q = dir.resolve("a.q.npy");
    byte[] good = Files.readAllBytes(q);
    replace(q, Arrays.copyOf(good, good.length - 7));
    importRefused(dir, "2", "file '" + q + "'", "needs 120 data bytes, the file has 113");
    replace(q, "not numpy".getBytes());
    importRefused(dir, "2", "file '" + q + "'", "not a .npy file");
    TestArrays.npyRaw(
        q, "{'descr': '<i8', 'fortran_order': False, 'shape': (5, 2, 3), }", new byte[240]);
    importRefused(
        dir, "2", "file '" + q + "'", "element type '<i8' is not float16, float32 or float64");
    TestArrays.npy(q, "<f4", false, new int[] {5, H, D + 1}, TestArrays.values(40, 1));
    importRefused(
        dir, "2", "file '" + dir.resolve("a.k.npy") + "'", "does not fit", "k must have q's shape");
    TestArrays.npy(q, "<f4", false, new int[] {5, H, D}, TestArrays.values(30, 1));
    TestArrays.npy(
        dir.resolve("a.v.npy"), "<f4", false, new int[] {6, H, DV}, TestArrays.values(48, 1));
    importRefused(
        dir, "2", "file '" + dir.resolve("a.v.npy") + "'", "v must have q's rows and heads");
    Files.delete(dir.resolve("a.v.npy"));
    importRefused(dir, "2", "doc 'a': no v array", "a.v.npy");
    TestArrays.npy(
        dir.resolve("a.v.npy"), "<f4", false, new int[] {5, H, DV}, TestArrays.values(40, 3));
    importRefused(dir, null, "file '" + dir.resolve("b.q.npy") + "'", "give --heads");
    importRefused(dir, "3", "file '" + dir.resolve("a.q.npy") + "'", "has 2 heads, --heads is 3");
    double[] nan = TestArrays.values(54, 5);
    nan[6 * 4 + 2] = Double.POSITIVE_INFINITY;
    TestArrays.npy(dir.resolve("b.k.npy"), ">f8", true, new int[] {9, H * D}, nan);
    importRefused(dir, "2", "file '" + dir.resolve("b.k.npy") + "': row 4 index 2 is Infinity");
    TestArrays.npy(
        dir.resolve("b.k.npy"), ">f8", true, new int[] {9, H * D}, TestArrays.values(54, 5));
    Files.writeString(dir.resolve("notes.txt"), "hello");
    importRefused(
        dir, "2", "file '" + dir.resolve("notes.txt") + "'", "not an array file of import");
    importRefused(
        tmp.resolve("nowhere"), "2", "input '" + tmp.resolve("nowhere") + "' does not exist");
  }

  @Test
  void brokenSafetensorsFilesAreNamed() throws IOException {
    Path dir = safetensorsDocs();
    Path f = dir.resolve("pair.safetensors");
    byte[] good = Files.readAllBytes(f);
    replace(f, Arrays.copyOf(good, good.length - 3));
    importRefused(dir, "2", "file '" + f + "'", "data ends at byte");
    byte[] lie = good.clone();
    lie[0] += 8; // header length beyond the JSON: the data offsets no longer add up
    replace(f, lie);
    importRefused(dir, "2", "file '" + f + "'");
    replace(f, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0, 0});
    importRefused(dir, "2", "file '" + f + "'", "not UTF-8 JSON");
    TestArrays.safetensorsRaw(
        f,
        "{\"q\":{\"dtype\":\"I64\",\"shape\":[1,2,3],\"data_offsets\":[0,48]},"
            + "\"k\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[48,72]},"
            + "\"v\":{\"dtype\":\"F32\",\"shape\":[1,2,4],\"data_offsets\":[72,104]}}",
        new byte[104]);
    importRefused(dir, "2", "file '" + f + "' tensor 'q': element type I64 is not a float type");
    TestArrays.safetensors(
        f,
        TestArrays.qkv(
            "",
            "F32",
            new int[] {2, H, D},
            TestArrays.values(12, 1),
            TestArrays.values(12, 1),
            new int[] {2, H, DV + 1},
            TestArrays.values(20, 1)));
    importRefused(dir, "2", "doc 'pair'", "differ from those of doc 'e' (2 × 3, v 4)");
    TestArrays.safetensors(
        f, java.util.Map.of("weights", new TestArrays.Tensor("F32", new int[] {2}, new double[2])));
    importRefused(dir, "2", "file '" + f + "': no tensors named q, k, v");
  }

  @Test
  void anExistingOutputSurvivesAFailedRunAndIsReplacedOnlyWithOverwrite() throws IOException {
    Path out = tmp.resolve("kept");
    Files.createDirectories(out);
    Files.writeString(out.resolve("precious.txt"), "keep me");
    Path dir = npyDocs();
    CliRunner.Result r =
        CliRunner.run(
            "import", "--input", dir.toString(), "--output", out.toString(), "--heads", "2");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("already exists (use --overwrite)"), r.err());
    Files.write(dir.resolve("a.q.npy"), new byte[] {1, 2, 3});
    r =
        CliRunner.run(
            "import",
            "--input",
            dir.toString(),
            "--output",
            out.toString(),
            "--heads",
            "2",
            "--overwrite");
    assertEquals(2, r.code(), r.err());
    assertEquals("keep me", Files.readString(out.resolve("precious.txt")), "untouched");
    r =
        CliRunner.run(
            "export",
            "--input",
            tmp.resolve("none").toString(),
            "--output",
            out.toString(),
            "--overwrite");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("input '" + tmp.resolve("none") + "' does not exist"), r.err());
    assertEquals("keep me", Files.readString(out.resolve("precious.txt")), "untouched");
    r =
        CliRunner.run(
            "export", "--input", tmp.toString(), "--output", out.toString(), "--overwrite");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--output"), "an output inside the input is refused: " + r.err());
  }
}
