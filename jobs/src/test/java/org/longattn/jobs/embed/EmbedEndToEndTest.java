package org.longattn.jobs.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.feature.Word2VecModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.SparkTestSession;
import org.longattn.jobs.CliRunner;

/**
 * {@code embed} through the real CLI: tokens, positions, out-of-vocabulary handling and q/k/v
 * against a double-precision oracle built from the saved Word2Vec model and the {@code .npy}
 * weights; then the same corpus as {@code .txt} files with the loaded model and binary output must
 * give the same bits, and {@code attend} must accept the table with its extra {@code token} column.
 */
class EmbedEndToEndTest {
  @TempDir static Path tmp;

  static final int D = 5;
  static final int HEADS = 2;
  static final int HEAD_DIM = 3;
  static final int VALUE_DIM = 2;

  static final Map<String, String> DOCS = new LinkedHashMap<>();

  static {
    DOCS.put(
        "alpha",
        "The cat sat on the mat. The cat ate; the DOG barked! "
            + "The dog and the cat, the mat and the hat.\nÉté: the cat's café, the dog's day.");
    DOCS.put("beta", "Cat dog cat dog zebra the the the mat mat hat 42 42");
    DOCS.put("gamma", "unique");
    DOCS.put("empty", "  ... !!! -- ");
  }

  static float[] wq = NpyFiles.values(D * HEADS * HEAD_DIM, 11);
  static float[] wk = NpyFiles.values(D * HEADS * HEAD_DIM, 12);
  static float[] wv = NpyFiles.values(D * HEADS * VALUE_DIM, 13);

  static CliRunner.Result first;

  /** Word2Vec training flags of the first run. */
  static final String[] TRAINING = {
    "--vector-size", "" + D, "--min-count", "2", "--word2vec-iterations", "2", "--seed", "7"
  };

  static String[] with(String[] a, String... b) {
    List<String> l = new ArrayList<>(Arrays.asList(a));
    l.addAll(Arrays.asList(b));
    return l.toArray(String[]::new);
  }

  @BeforeAll
  static void embedParquet() {
    SparkSession spark = SparkTestSession.get();
    List<Row> rows = new ArrayList<>();
    DOCS.forEach((k, v) -> rows.add(RowFactory.create(k, v, 1)));
    rows.add(RowFactory.create("null-text", null, 2));
    spark
        .createDataFrame(rows, TextInput.SCHEMA.add("other", "int"))
        .repartition(3)
        .write()
        .parquet(tmp.resolve("docs").toString());
    NpyFiles.write(tmp.resolve("w/wq.npy"), D, HEADS * HEAD_DIM, wq);
    NpyFiles.write(tmp.resolve("w/wk.npy"), D, HEADS * HEAD_DIM, wk);
    NpyFiles.write(tmp.resolve("w/wv.npy"), D, HEADS * VALUE_DIM, wv);
    first =
        embed(
            tmp.resolve("docs"),
            tmp.resolve("tokens"),
            with(TRAINING, "--save-word2vec", tmp.resolve("model").toString()));
    assertEquals(0, first.code(), first.err());
  }

  /** Runs embed with this test's head shape and .npy weights, plus {@code extra} flags. */
  static CliRunner.Result embed(Path in, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "embed",
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "--heads",
                "" + HEADS,
                "--head-dim",
                "" + HEAD_DIM,
                "--value-dim",
                "" + VALUE_DIM,
                "--weights",
                tmp.resolve("w").toString()));
    args.addAll(List.of(extra));
    return CliRunner.run(args.toArray(String[]::new));
  }

  /** Independent tokenizer: lower-case, split on runs of non-letters/digits. */
  static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    for (String t : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  static Map<String, List<Row>> read(String dir) {
    Map<String, List<Row>> byDoc = new HashMap<>();
    for (Row r : SparkTestSession.get().read().parquet(dir).collectAsList()) {
      byDoc.computeIfAbsent(r.getAs("doc_id"), k -> new ArrayList<>()).add(r);
    }
    byDoc.values().forEach(l -> l.sort((a, b) -> Integer.compare(a.getAs("pos"), b.getAs("pos"))));
    return byDoc;
  }

  static float[] floats(Row r, String col) {
    Object o = r.getAs(col);
    if (o instanceof byte[] b) {
      return FloatBytes.decodeFloats(b);
    }
    List<Float> l = r.getList(r.fieldIndex(col));
    float[] f = new float[l.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = l.get(i);
    }
    return f;
  }

  @Test
  void tokensPositionsVectorsMatchOracle() throws Exception {
    Map<String, List<Row>> out = read(tmp.resolve("tokens").toString());
    assertEquals(Set3.of("alpha", "beta", "gamma"), out.keySet(), "empty docs skipped");

    Map<String, float[]> vectors = new HashMap<>();
    for (Row r : Word2VecModel.load(tmp.resolve("model").toString()).getVectors().collectAsList()) {
      double[] d = ((Vector) r.get(1)).toArray();
      float[] f = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        f[i] = (float) d[i];
      }
      vectors.put(r.getString(0), f);
    }
    Map<String, Integer> freq = new HashMap<>();
    DOCS.values().forEach(t -> tokens(t).forEach(w -> freq.merge(w, 1, Integer::sum)));
    Map<String, Integer> vocab = new HashMap<>(freq);
    vocab.values().removeIf(c -> c < 2);
    assertEquals(vocab.keySet(), vectors.keySet(), "vocabulary = words seen >= --min-count times");

    long oov = 0;
    for (String doc : out.keySet()) {
      List<String> expected = tokens(DOCS.get(doc));
      List<Row> rows = out.get(doc);
      assertEquals(expected.size(), rows.size(), doc);
      for (int i = 0; i < rows.size(); i++) {
        Row r = rows.get(i);
        assertEquals(i, (int) r.getAs("pos"));
        assertEquals(expected.get(i), r.getAs("token"), doc + " pos " + i);
        float[] e = vectors.get(expected.get(i));
        if (e == null) {
          oov++;
        }
        ProjectionTest.assertClose(
            ProjectionTest.oracle(e, i, wq, D, HEADS * HEAD_DIM), floats(r, "q"), e, i, wq, D);
        ProjectionTest.assertClose(
            ProjectionTest.oracle(e, i, wk, D, HEADS * HEAD_DIM), floats(r, "k"), e, i, wk, D);
        ProjectionTest.assertClose(
            ProjectionTest.oracle(e, i, wv, D, HEADS * VALUE_DIM), floats(r, "v"), e, i, wv, D);
      }
    }
    assertTrue(oov > 0, "the corpus has out-of-vocabulary words");

    JsonNode info =
        new ObjectMapper().readTree(tmp.resolve("tokens").resolve("_longattn.json").toFile());
    assertEquals("embed", info.get("command").asText());
    assertEquals(3, info.get("documents").asInt());
    assertEquals(out.values().stream().mapToInt(List::size).sum(), info.get("rows").asLong());
    assertEquals("[\"empty\",\"null-text\"]", info.get("empty_documents").toString());
    assertEquals(oov, info.get("vocabulary").get("oov_tokens").asLong());
    assertEquals(vectors.size(), info.get("vocabulary").get("words").asInt());
    assertEquals(5, info.get("parameters").get("vector_size").asInt());
    // the table states its heads, so that attend may omit --heads
    assertEquals(HEADS, info.get("token_table").get("heads").asInt());
    assertTrue(first.err().contains("skipped 2 empty document(s) (no tokens): empty, null-text"));
    assertTrue(first.err().contains(oov + " of "), first.err());
  }

  @Test
  void textFilesWithLoadedModelGiveTheSameBits() throws Exception {
    Path txt = tmp.resolve("txt");
    Files.createDirectories(txt);
    for (Map.Entry<String, String> d : DOCS.entrySet()) {
      Files.writeString(txt.resolve(d.getKey() + ".txt"), d.getValue(), StandardCharsets.UTF_8);
    }
    Files.writeString(txt.resolve("notes.md"), "not a .txt file: ignored");
    CliRunner.Result r =
        embed(
            txt,
            tmp.resolve("tokens-txt"),
            "--word2vec",
            tmp.resolve("model").toString(),
            "--output-encoding",
            "binary");
    assertEquals(0, r.code(), r.err());
    Map<String, List<Row>> a = read(tmp.resolve("tokens").toString());
    Map<String, List<Row>> b = read(tmp.resolve("tokens-txt").toString());
    assertEquals(Set3.of("alpha.txt", "beta.txt", "gamma.txt"), b.keySet(), "doc_id = file name");
    for (String doc : a.keySet()) {
      List<Row> x = a.get(doc);
      List<Row> y = b.get(doc + ".txt");
      assertEquals(x.size(), y.size());
      for (int i = 0; i < x.size(); i++) {
        assertEquals((String) x.get(i).getAs("token"), y.get(i).getAs("token"));
        for (String c : List.of("q", "k", "v")) {
          assertArrayEquals(floats(x.get(i), c), floats(y.get(i), c), doc + " " + c + " " + i);
        }
      }
    }
  }

  @Test
  void trainingDoesNotDependOnInputPartitioning() {
    List<Row> rows = new ArrayList<>();
    DOCS.forEach((k, v) -> rows.add(0, RowFactory.create(k, v))); // reversed, one file
    SparkTestSession.get()
        .createDataFrame(rows, TextInput.SCHEMA)
        .coalesce(1)
        .write()
        .parquet(tmp.resolve("docs-1").toString());
    CliRunner.Result r = embed(tmp.resolve("docs-1"), tmp.resolve("tokens-1"), TRAINING);
    assertEquals(0, r.code(), r.err());
    Map<String, List<Row>> a = read(tmp.resolve("tokens").toString());
    Map<String, List<Row>> b = read(tmp.resolve("tokens-1").toString());
    assertEquals(a.keySet(), b.keySet());
    for (String doc : a.keySet()) {
      for (int i = 0; i < a.get(doc).size(); i++) {
        for (String c : List.of("q", "k", "v")) {
          assertArrayEquals(
              floats(a.get(doc).get(i), c), floats(b.get(doc).get(i), c), doc + " " + c + " " + i);
        }
      }
    }
  }

  @Test
  void attendAcceptsTheTokenTable() {
    CliRunner.Result r =
        CliRunner.run(
            "attend",
            "--input",
            tmp.resolve("tokens").toString(),
            "--output",
            tmp.resolve("attention").toString(),
            "--heads",
            "" + HEADS,
            "--pattern",
            "longformer",
            "--window",
            "4",
            "--block-size",
            "8");
    assertEquals(0, r.code(), r.err());
    long n = SparkTestSession.get().read().parquet(tmp.resolve("attention").toString()).count();
    assertEquals(
        DOCS.values().stream().mapToInt(t -> tokens(t).size()).sum(),
        n,
        "one output row per token");
  }

  /** Small set literal (keeps assertions readable). */
  static final class Set3 {
    static java.util.Set<String> of(String... s) {
      return new java.util.HashSet<>(Arrays.asList(s));
    }
  }
}
