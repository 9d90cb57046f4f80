package org.longattn.jobs.encode;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.jobs.CliRunner;

/**
 * Bad input to {@code encode}: exit 2, one line naming the model, document, position or file,
 * nothing written (neither output, nor a temporary directory).
 */
class EncodeBadInputTest {
  @TempDir Path tmp;

  private Path texts(String... nameAndText) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("texts"));
    for (int i = 0; i < nameAndText.length; i += 2) {
      Files.writeString(dir.resolve(nameAndText[i]), nameAndText[i + 1], StandardCharsets.UTF_8);
    }
    return dir;
  }

  private void rejected(Path input, List<String> extra, String... expected) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "encode",
                "--input",
                input.toString(),
                "--output",
                tmp.resolve("tok").toString(),
                "--pooled-output",
                tmp.resolve("docs").toString(),
                "--heads",
                "12"));
    args.addAll(extra);
    if (!extra.contains("--pattern")) {
      args.addAll(List.of("--pattern", "dense"));
    }
    if (!extra.contains("--model")) {
      args.addAll(List.of("--model", "all-minilm-l6-v2"));
    }
    CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(2, r.code(), "exit code; stderr: " + r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("longattn: error: ")).toList();
    assertEquals(1, errors.size(), "exactly one error line; stderr: " + r.err());
    for (String e : expected) {
      assertTrue(errors.get(0).contains(e), "'" + errors.get(0) + "' should contain '" + e + "'");
    }
    for (String out : List.of("tok", "docs", "dump")) {
      assertFalse(Files.exists(tmp.resolve(out)), out + " written by a failed run");
    }
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temp dir");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void unknownModel() throws IOException {
    rejected(
        texts("a.txt", "some text"),
        List.of("--model", "bert-base-uncased"),
        "unknown model 'bert-base-uncased'",
        "all-minilm-l6-v2");
  }

  @Test
  void anIdOutsideTheVocabularyIsNamedByDocumentAndPosition() {
    List<Row> rows = new ArrayList<>();
    for (int p = 0; p < 6; p++) {
      rows.add(RowFactory.create("d", p, p == 3 ? 30522 : 101 + p));
    }
    Path ids = tmp.resolve("ids");
    SparkTestSession.get().createDataFrame(rows, ModelInput.SCHEMA).write().parquet(ids.toString());
    rejected(
        ids,
        List.of("--dump-qkv", "0", "--dump-output", tmp.resolve("dump").toString()),
        "doc 'd' pos 3 column 'token_id': id 30522 is outside the vocabulary of all-minilm-l6-v2");
  }

  @Test
  void emptyDocumentsAreNamed() throws IOException {
    rejected(
        texts("a.txt", "the cat sat", "blank.txt", " \n\t "), List.of(), "'blank.txt' is empty");
  }

  @Test
  void anEmptyFileIsNamed() throws IOException {
    rejected(texts("a.txt", "the cat sat", "none.txt", ""), List.of(), "'none.txt' is empty");
  }

  @Test
  void nonUtf8TextIsNamed() throws IOException {
    Path dir = texts("a.txt", "the cat sat");
    Files.write(dir.resolve("latin1.txt"), "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
    rejected(dir, List.of(), "file 'latin1.txt' is not valid UTF-8: malformed byte 0xE9");
  }

  @Test
  void aLayerTheModelDoesNotHave() throws IOException {
    rejected(
        texts("a.txt", "the cat sat"),
        List.of("--dump-qkv", "6", "--dump-output", tmp.resolve("dump").toString()),
        "--dump-qkv 6",
        "layers 0..5");
  }

  @Test
  void aPatternThatIsNotSoftmaxAttention() throws IOException {
    rejected(
        texts("a.txt", "the cat sat"), List.of("--pattern", "linear"), "not a softmax pattern");
  }

  private Path idsWithPositions(int... positions) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 700; i++) {
      rows.add(RowFactory.create("fine", i, 101 + i % 50));
    }
    for (int p : positions) {
      rows.add(RowFactory.create("d", p, 101 + Math.abs(p) % 50));
    }
    Path ids = tmp.resolve("ids");
    SparkTestSession.get().createDataFrame(rows, ModelInput.SCHEMA).write().parquet(ids.toString());
    return ids;
  }

  private static int[] range(int from, int to, int... more) {
    int[] r = new int[to - from + more.length];
    for (int i = from; i < to; i++) {
      r[i - from] = i;
    }
    System.arraycopy(more, 0, r, to - from, more.length);
    return r;
  }

  /** The one-pass route of longformer and blocked checks positions itself (spans of 256). */
  private static List<String> windowed(String pattern) {
    return List.of("--pattern", pattern, "--window", "8", "--span-tokens", "256");
  }

  @Test
  void aDuplicatePositionIsNamed() {
    rejected(
        idsWithPositions(range(0, 600, 417)),
        windowed("longformer"),
        "doc 'd' pos 417 column 'pos': duplicate position");
  }

  @Test
  void aMissingPositionIsNamed() {
    int[] hole = new int[599];
    for (int i = 0, p = 0; p < 600; p++) {
      if (p != 300) {
        hole[i++] = p;
      }
    }
    rejected(
        idsWithPositions(hole),
        windowed("longformer"),
        "doc 'd' pos 300 column 'pos': position missing");
  }

  @Test
  void aWholeMissingSpanIsNamed() {
    // positions 0..255 and 512..767: each span alone looks whole, the document does not
    int[] gap = new int[512];
    for (int i = 0; i < 256; i++) {
      gap[i] = i;
      gap[256 + i] = 512 + i;
    }
    rejected(
        idsWithPositions(gap),
        List.of("--pattern", "blocked", "--block-size", "256", "--span-tokens", "256"),
        "doc 'd' pos 256 column 'pos': position missing");
  }

  @Test
  void aNegativePositionIsNamed() {
    rejected(
        idsWithPositions(range(0, 10, -4)),
        windowed("longformer"),
        "doc 'd' pos -4 column 'pos': negative position");
  }
}
