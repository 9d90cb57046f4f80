package org.longattn.jobs.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.jobs.CliRunner;

/** Bad input to {@code embed}: exit 2, one line naming the file/column/flag, nothing written. */
class EmbedBadInputTest {
  @TempDir Path tmp;

  private Path texts(String... nameAndText) throws IOException {
    Path dir = tmp.resolve("texts");
    Files.createDirectories(dir);
    for (int i = 0; i < nameAndText.length; i += 2) {
      Files.writeString(dir.resolve(nameAndText[i]), nameAndText[i + 1], StandardCharsets.UTF_8);
    }
    return dir;
  }

  private Path goodTexts() throws IOException {
    return texts("a.txt", "the cat sat on the mat the cat", "b.txt", "the dog sat on the cat");
  }

  /**
   * Runs embed with the extra flags; expects exit 2, one error line with each string, no output.
   */
  private void rejected(Path input, List<String> extra, String... expected) {
    Path out = tmp.resolve("out");
    List<String> args =
        new ArrayList<>(
            List.of(
                "embed",
                "--input",
                input.toString(),
                "--output",
                out.toString(),
                "--vector-size",
                "4",
                "--head-dim",
                "2"));
    args.addAll(extra);
    CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(2, r.code(), "exit code; stderr: " + r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("longattn: error: ")).toList();
    assertEquals(1, errors.size(), "exactly one error line; stderr: " + r.err());
    for (String e : expected) {
      assertTrue(errors.get(0).contains(e), "'" + errors.get(0) + "' should contain '" + e + "'");
    }
    assertFalse(Files.exists(out), "no output after a failed run");
    assertFalse(Files.exists(tmp.resolve("model")), "no model after a failed run");
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temp dir");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void nonUtf8FileIsNamed() throws IOException {
    Path dir = goodTexts();
    byte[] latin1 = "caf\u00e9 au lait".getBytes(StandardCharsets.ISO_8859_1);
    Files.write(dir.resolve("latin1.txt"), latin1);
    rejected(
        dir,
        List.of("--save-word2vec", tmp.resolve("model").toString(), "--min-count", "1"),
        "file 'latin1.txt' is not valid UTF-8: malformed byte 0xE9 at byte offset 3");
  }

  @Test
  void weightsOfTheWrongShape() throws IOException {
    Path w = tmp.resolve("w");
    NpyFiles.write(w.resolve("wq.npy"), 4, 2, new float[8]);
    NpyFiles.write(w.resolve("wk.npy"), 4, 3, new float[12]);
    NpyFiles.write(w.resolve("wv.npy"), 4, 2, new float[8]);
    rejected(
        goodTexts(),
        List.of("--weights", w.toString()),
        "wk.npy': shape (4, 3) but expected (4, 2) = (vector size, heads × head_dim)");
  }

  @Test
  void missingOrCorruptWeightsFile() throws IOException {
    Path w = tmp.resolve("w");
    NpyFiles.write(w.resolve("wq.npy"), 4, 2, new float[8]);
    NpyFiles.write(w.resolve("wk.npy"), 4, 2, new float[8]);
    rejected(goodTexts(), List.of("--weights", w.toString()), "missing wv.npy");
    Files.writeString(w.resolve("wv.npy"), "# not numpy");
    rejected(goodTexts(), List.of("--weights", w.toString()), "wv.npy': not a .npy file");
  }

  @Test
  void allDocumentsEmpty() throws IOException {
    rejected(
        texts("a.txt", "", "b.txt", " ,;. "), List.of(), "has no tokens: all 2 documents empty");
  }

  @Test
  void vocabularyEmptyAtMinCount() throws IOException {
    rejected(goodTexts(), List.of("--min-count", "100"), "no word occurs --min-count 100 times");
  }

  @Test
  void parquetWithoutTextColumnOrWithDuplicateIds() {
    StructType s =
        new StructType().add("doc_id", DataTypes.StringType).add("body", DataTypes.StringType);
    Path in = tmp.resolve("pq");
    SparkTestSession.get()
        .createDataFrame(List.of(RowFactory.create("a", "x y")), s)
        .write()
        .parquet(in.toString());
    rejected(in, List.of(), "missing column 'text'");
    Path dup = tmp.resolve("dup");
    List<Row> rows = List.of(RowFactory.create("a", "x y"), RowFactory.create("a", "z"));
    SparkTestSession.get().createDataFrame(rows, TextInput.SCHEMA).write().parquet(dup.toString());
    rejected(dup, List.of(), "doc 'a' appears in 2 rows");
  }

  @Test
  void flagsAndPaths() throws IOException {
    Path in = goodTexts();
    rejected(
        in,
        List.of("--word2vec", tmp.resolve("nope").toString(), "--min-count", "2"),
        "--min-count conflicts with --word2vec");
    rejected(
        in,
        List.of("--word2vec", tmp.resolve("nope").toString()),
        "--word2vec '" + tmp.resolve("nope") + "' is not a saved Word2Vec model");
    rejected(tmp.resolve("absent"), List.of(), "does not exist");
    rejected(in, List.of("--output-encoding", "csv"), "--output-encoding must be array or binary");
    rejected(in, List.of("--token-pattern", "[a-"), "--token-pattern is not a valid regex");
    Files.createDirectories(tmp.resolve("out"));
    CliRunner.Result r =
        CliRunner.run("embed", "--input", in.toString(), "--output", tmp.resolve("out").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("already exists (use --overwrite)"), r.err());
  }
}
