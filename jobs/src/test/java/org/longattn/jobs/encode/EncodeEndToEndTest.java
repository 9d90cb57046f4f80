package org.longattn.jobs.encode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.datasets.model.ModelTokenizer;
import org.longattn.datasets.model.OnnxRuntimeReference;
import org.longattn.datasets.model.PretrainedModel;
import org.longattn.jobs.AttendRun;
import org.longattn.jobs.CliRunner;
import org.longattn.kernels.model.Encoder;
import scala.collection.Seq;

/**
 * {@code encode} through the real CLI against ONNX Runtime running the same all-MiniLM-L6-v2 file:
 * dense and a window covering the document are the pretrained model (last_hidden_state within 1e-4
 * max abs, the mean-pooled embedding within 1e-5 cosine distance; observed ≈ 5e-6: fp32 sums in
 * other orders, our polynomial exp), and blocked attention over a long document is the model run on
 * each 512-token block alone.
 */
class EncodeEndToEndTest {
  private static final PretrainedModel MODEL = PretrainedModel.ALL_MINILM_L6_V2;
  private static final int HIDDEN = 384;

  /** Awkward lengths: one token, a few, past a 128 block, one short of 512, exactly 512. */
  private static final int[] LENGTHS = {1, 7, 130, 511, 512};

  @TempDir static Path tmp;
  private static OnnxRuntimeReference ort;
  private static int[] proseIds;
  private static Map<String, int[]> shortDocs;
  private static Path shortIds;

  @BeforeAll
  static void setUp() {
    ort = new OnnxRuntimeReference(MODEL);
    try (ModelTokenizer tokenizer = MODEL.tokenizer()) {
      proseIds = tokenizer.encode(OnnxRuntimeReference.prose());
    }
    shortDocs = new LinkedHashMap<>();
    for (int n : LENGTHS) {
      int[] ids = Arrays.copyOf(proseIds, n);
      if (n > 1) {
        ids[n - 1] = proseIds[proseIds.length - 1]; // [SEP]
      }
      shortDocs.put("doc-" + n, ids);
    }
    shortIds = tmp.resolve("short-ids");
    writeIds(shortDocs, shortIds);
  }

  @AfterAll
  static void tearDown() {
    ort.close();
  }

  static void writeIds(Map<String, int[]> docs, Path dir) {
    List<Row> rows = new ArrayList<>();
    docs.forEach(
        (doc, ids) -> {
          for (int p = 0; p < ids.length; p++) {
            rows.add(RowFactory.create(doc, p, ids[p]));
          }
        });
    SparkSession spark = SparkTestSession.get();
    spark.createDataFrame(rows, ModelInput.SCHEMA).repartition(3).write().parquet(dir.toString());
  }

  /** doc_id → its rows' vectors in position order, flattened. */
  static Map<String, float[]> read(Path dir, String column) {
    Map<String, List<Row>> byDoc = new HashMap<>();
    Dataset<Row> table = SparkTestSession.get().read().parquet(dir.toString());
    table =
        column.equals(MeanPool.EMBEDDING)
            ? table.orderBy("doc_id")
            : table.orderBy("doc_id", "pos");
    for (Row r : table.collectAsList()) {
      byDoc.computeIfAbsent(r.getString(0), d -> new ArrayList<>()).add(r);
    }
    Map<String, float[]> out = new HashMap<>();
    byDoc.forEach(
        (doc, rows) -> {
          List<Float> all = new ArrayList<>();
          for (Row r : rows) {
            Seq<Float> v = r.getAs(column);
            v.foreach(all::add);
          }
          float[] f = new float[all.size()];
          for (int i = 0; i < f.length; i++) {
            f[i] = all.get(i);
          }
          out.put(doc, f);
        });
    return out;
  }

  static void assertClose(float[] expected, float[] actual, String what) {
    OnnxRuntimeReference.assertClose(expected, actual, HIDDEN, what);
  }

  static CliRunner.Result encode(String... args) {
    CliRunner.Result r = CliRunner.run(args);
    assertEquals(0, r.code(), r.err());
    return r;
  }

  /** Checks TOK and DOCS against ORT on every short document. */
  static void assertOnnxRuntime(Path tok, Path docs, String what) {
    assertOnnxRuntime(read(tok, EncodeJob.HIDDEN), read(docs, MeanPool.EMBEDDING), what);
  }

  static void assertOnnxRuntime(
      Map<String, float[]> hidden, Map<String, float[]> pooled, String what) {
    assertEquals(shortDocs.keySet(), hidden.keySet());
    assertEquals(shortDocs.keySet(), pooled.keySet());
    for (Map.Entry<String, int[]> d : shortDocs.entrySet()) {
      int n = d.getValue().length;
      float[] expected = ort.lastHiddenState(d.getValue());
      assertClose(expected, hidden.get(d.getKey()), what + " " + d.getKey());
      float[] expectedPooled = new float[HIDDEN];
      for (int c = 0; c < HIDDEN; c++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += expected[i * HIDDEN + c];
        }
        expectedPooled[c] = (float) (s / n);
      }
      double cos = OnnxRuntimeReference.cosineDistance(expectedPooled, pooled.get(d.getKey()));
      assertTrue(cos <= 1e-5, what + " " + d.getKey() + ": pooled cosine distance " + cos);
    }
  }

  @Test
  void denseIsOnnxRuntimeAndItsLayerDumpFeedsAttendAndReport() throws IOException {
    Path tok = tmp.resolve("dense-tok");
    Path docs = tmp.resolve("dense-docs");
    Path dump = tmp.resolve("dense-dump");
    encode(
        "encode",
        "--input",
        shortIds.toString(),
        "--output",
        tok.toString(),
        "--pooled-output",
        docs.toString(),
        "--model",
        "all-minilm-l6-v2",
        "--pattern",
        "dense",
        "--heads",
        "12",
        "--dump-qkv",
        "2",
        "--dump-output",
        dump.toString());
    assertOnnxRuntime(tok, docs, "dense");
    JsonNode record = new ObjectMapper().readTree(tok.resolve("_longattn.json").toFile());
    assertTrue(record.path("positions").asText().contains("p mod 512"), record.toString());
    JsonNode dumpRecord = new ObjectMapper().readTree(dump.resolve("_longattn.json").toFile());
    assertEquals(12, dumpRecord.path("token_table").path("heads").asInt());
    assertEquals(32, dumpRecord.path("token_table").path("head_dim").asInt());

    // the dump is a token table: attend --stats reads its 12 heads from its record, report runs
    Path att = tmp.resolve("dense-dump-att");
    CliRunner.Result a =
        AttendRun.of(dump.toString(), att.toString())
            .pattern("longformer")
            .flag("--window", 64)
            .heads(12)
            .stats()
            .run();
    assertEquals(0, a.code(), a.err());
    Row first = SparkTestSession.get().read().parquet(att.toString()).first();
    assertEquals(12, first.<Seq<Float>>getAs("entropy").size());
    CliRunner.Result rep =
        CliRunner.run(
            "report",
            "--input",
            att.toString(),
            "--output",
            tmp.resolve("dense-report").toString());
    assertEquals(0, rep.code(), rep.err());
    assertTrue(Files.isRegularFile(tmp.resolve("dense-report/index.html")));
    // and holds the word pieces
    List<Row> tokens =
        SparkTestSession.get()
            .read()
            .parquet(dump.toString())
            .filter("doc_id = 'doc-7' and pos = 0")
            .select("token")
            .collectAsList();
    assertEquals("[CLS]", tokens.get(0).getString(0));
  }

  /** ~2,500 tokens of real text: the prose four times, each starting at another paragraph. */
  static String longText() {
    String[] paragraphs = OnnxRuntimeReference.prose().split("\n\n");
    List<String> parts = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      for (int p = 0; p < paragraphs.length; p++) {
        parts.add(paragraphs[(p + r) % paragraphs.length]);
      }
    }
    return String.join("\n\n", parts);
  }

  @Test
  void blockedOnALongTextIsOnnxRuntimeOnEachBlock() throws IOException {
    Path text = Files.createDirectories(tmp.resolve("long-text"));
    Files.writeString(text.resolve("long.txt"), longText());
    int[] ids;
    try (ModelTokenizer tokenizer = MODEL.tokenizer()) {
      ids = tokenizer.encode(longText());
    }
    int n = ids.length;
    assertTrue(n > 1500 && n < 3000 && n % 512 != 0, "a long document, partial last block: " + n);
    Path tok = tmp.resolve("blocked-tok");
    encode(
        "encode",
        "--input",
        text.toString(),
        "--output",
        tok.toString(),
        "--model",
        "all-minilm-l6-v2",
        "--pattern",
        "blocked",
        "--block-size",
        "512",
        "--heads",
        "12",
        "--span-tokens",
        "1024");
    float[] hidden = read(tok, EncodeJob.HIDDEN).get("long.txt");
    assertEquals(n * HIDDEN, hidden.length);
    for (int b0 = 0; b0 < n; b0 += 512) {
      int bn = Math.min(512, n - b0);
      assertClose(
          ort.lastHiddenState(Arrays.copyOfRange(ids, b0, b0 + bn)),
          Arrays.copyOfRange(hidden, b0 * HIDDEN, (b0 + bn) * HIDDEN),
          "block at token " + b0 + " (" + bn + " tokens; positions p mod 512)");
    }
  }

  @Test
  void aWindowCoveringTheDocumentIsOnnxRuntimeAndPartitionsDoNotChangeABit() {
    // the short documents and one of ~600 tokens, in spans of 256 tokens (the window crosses them)
    Map<String, int[]> docs = new LinkedHashMap<>(shortDocs);
    docs.put("long", proseIds);
    Path ids = tmp.resolve("window-ids");
    writeIds(docs, ids);
    Map<String, float[]> first = null;
    Map<String, float[]> firstPooled = null;
    for (String partitions : List.of("1", "3")) {
      Path tok = tmp.resolve("window-tok-" + partitions);
      Path pooled = tmp.resolve("window-docs-" + partitions);
      encode(
          "encode",
          "--input",
          ids.toString(),
          "--output",
          tok.toString(),
          "--pooled-output",
          pooled.toString(),
          "--model",
          "all-minilm-l6-v2",
          "--pattern",
          "longformer",
          "--window",
          "512",
          "--heads",
          "12",
          "--span-tokens",
          "256",
          "--partitions",
          partitions);
      Map<String, float[]> hidden = read(tok, EncodeJob.HIDDEN);
      Map<String, float[]> mean = read(pooled, MeanPool.EMBEDDING);
      if (first == null) {
        first = hidden;
        firstPooled = mean;
        Map<String, float[]> shortHidden = new HashMap<>(hidden);
        Map<String, float[]> shortMean = new HashMap<>(mean);
        shortHidden.remove("long");
        shortMean.remove("long");
        assertOnnxRuntime(shortHidden, shortMean, "longformer w=512");
      } else {
        for (String d : List.of("long", "doc-1", "doc-512")) {
          assertArrayEquals(first.get(d), hidden.get(d), d + ": 1 vs 3 partitions");
          assertArrayEquals(firstPooled.get(d), mean.get(d), d + " pooled: 1 vs 3 partitions");
        }
      }
    }
  }

  @Test
  void theOnePassRouteIsThePerLayerEngineBitwise() {
    // a ~2,500-token document and the short ones; window 64 in spans of 256 or 1024: every span's
    // halo (6 × 64 on each side) crosses into its neighbours
    int[] longIds;
    try (ModelTokenizer tokenizer = MODEL.tokenizer()) {
      longIds = tokenizer.encode(longText());
    }
    Map<String, int[]> docs = new LinkedHashMap<>(shortDocs);
    docs.put("long", longIds);
    Path ids = tmp.resolve("route-ids");
    writeIds(docs, ids);
    Map<String, Map<String, float[]>> reference = null;
    for (List<String> route :
        List.of(
            List.of("--per-layer", "--span-tokens", "256"),
            List.of("--span-tokens", "256", "--partitions", "3"),
            List.of("--span-tokens", "1024", "--partitions", "1"))) {
      String name = String.join("", route).replace("-", "");
      Path tok = tmp.resolve("route-tok-" + name);
      Path pooled = tmp.resolve("route-docs-" + name);
      Path dump = tmp.resolve("route-dump-" + name);
      List<String> args =
          new ArrayList<>(
              List.of(
                  "encode",
                  "--input",
                  ids.toString(),
                  "--output",
                  tok.toString(),
                  "--pooled-output",
                  pooled.toString(),
                  "--dump-qkv",
                  "2",
                  "--dump-output",
                  dump.toString(),
                  "--model",
                  "all-minilm-l6-v2",
                  "--pattern",
                  "longformer",
                  "--window",
                  "64"));
      args.addAll(route);
      encode(args.toArray(String[]::new));
      Map<String, Map<String, float[]>> got = new LinkedHashMap<>();
      got.put("hidden", read(tok, EncodeJob.HIDDEN));
      got.put("pooled", read(pooled, MeanPool.EMBEDDING));
      for (String c : List.of("q", "k", "v")) {
        got.put("layer 2 " + c, read(dump, c));
      }
      assertEquals(longIds.length * HIDDEN, got.get("hidden").get("long").length);
      if (reference == null) {
        reference = got;
        continue;
      }
      for (String what : got.keySet()) {
        for (String doc : docs.keySet()) {
          assertArrayEquals(
              reference.get(what).get(doc),
              got.get(what).get(doc),
              what + " of " + doc + ": " + route + " vs one engine run per layer");
        }
      }
    }
  }

  @Test
  void embedModelLayerWritesTheModelsQkv() throws IOException {
    String text = "The quick brown fox jumps over the lazy dog, twice: the quick brown fox!";
    Path dir = Files.createDirectories(tmp.resolve("fox"));
    Files.writeString(dir.resolve("fox.txt"), text);
    Path out = tmp.resolve("fox-qkv");
    CliRunner.Result r =
        CliRunner.run(
            "embed",
            "--input",
            dir.toString(),
            "--output",
            out.toString(),
            "--model",
            "all-minilm-l6-v2",
            "--layer",
            "0");
    assertEquals(0, r.code(), r.err());
    int[] ids;
    String[] pieces;
    try (ModelTokenizer tokenizer = MODEL.tokenizer()) {
      ids = tokenizer.encode(text);
      pieces = tokenizer.tokens(text);
    }
    // layer 0's q, k, v = LN(embeddings)·W + b, by the single-JVM encoder
    Encoder encoder = MODEL.encoder();
    int n = ids.length;
    float[] x = new float[n * HIDDEN];
    float[] qkv = new float[n * 3 * HIDDEN];
    encoder.embed(ids, 0, n, 0, x);
    encoder.projectQkv(0, x, n, qkv);
    List<Row> rows =
        SparkTestSession.get().read().parquet(out.toString()).orderBy("pos").collectAsList();
    assertEquals(n, rows.size());
    for (int i = 0; i < n; i++) {
      Row row = rows.get(i);
      assertEquals(pieces[i], row.getAs("token"));
      String[] cols = {"q", "k", "v"};
      for (int c = 0; c < 3; c++) {
        Seq<Float> got = row.getAs(cols[c]);
        float[] expected =
            Arrays.copyOfRange(qkv, i * 3 * HIDDEN + c * HIDDEN, i * 3 * HIDDEN + (c + 1) * HIDDEN);
        for (int j = 0; j < HIDDEN; j++) {
          assertEquals(expected[j], got.apply(j), cols[c] + " of token " + i + " value " + j);
        }
      }
    }
    JsonNode record = new ObjectMapper().readTree(out.resolve("_longattn.json").toFile());
    assertEquals(12, record.path("token_table").path("heads").asInt());
  }
}
