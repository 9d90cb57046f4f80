package org.longattn.jobs.embed;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.jobs.AttendRun;
import org.longattn.jobs.CliRunner;

/**
 * A real text of at least 100,000 tokens, available offline on every Debian machine: the license
 * texts of {@code /usr/share/common-licenses} (package base-files, always installed) followed by
 * the packages' {@code /usr/share/doc/PKG/copyright} files (kept even by minimal images), in path
 * order, as one document — embedded and then attended through the CLI. Fails (never skips) when the
 * machine has fewer than 100,000 tokens of them.
 */
class RealTextTest {
  static final int MIN_TOKENS = 100_000;

  @TempDir Path tmp;

  /** The sources, in order: license texts (symlinks resolved, each once), then copyright files. */
  static List<Path> sources() throws IOException {
    List<Path> out = new ArrayList<>();
    TreeSet<Path> seen = new TreeSet<>();
    Path licenses = Path.of("/usr/share/common-licenses");
    if (Files.isDirectory(licenses)) {
      try (Stream<Path> s = Files.list(licenses)) {
        for (Path p : s.sorted().toList()) {
          if (Files.isRegularFile(p) && seen.add(p.toRealPath())) {
            out.add(p);
          }
        }
      }
    }
    Path doc = Path.of("/usr/share/doc");
    if (Files.isDirectory(doc)) {
      try (Stream<Path> s = Files.list(doc)) {
        for (Path p : s.sorted().map(d -> d.resolve("copyright")).toList()) {
          if (Files.isRegularFile(p) && seen.add(p.toRealPath())) {
            out.add(p);
          }
        }
      }
    }
    return out;
  }

  /** UTF-8 text of a file, or null when it is not valid UTF-8 (skipped). */
  static String utf8(Path p) throws IOException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(Files.readAllBytes(p)))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** The jobs' stage lines, for the test log. */
  private static void progress(CliRunner.Result r) {
    r.err()
        .lines()
        .filter(l -> l.contains("[embed]") || l.contains("[attend]"))
        .forEach(System.out::println);
  }

  @Test
  void embedAndAttendALongRealText() throws IOException {
    StringBuilder text = new StringBuilder();
    List<String> tokens = new ArrayList<>();
    for (Path p : sources()) {
      if (tokens.size() >= MIN_TOKENS) { // enough: keeps the test fast
        break;
      }
      String t = utf8(p);
      if (t != null) {
        text.append(t).append('\n');
        tokens.addAll(EmbedEndToEndTest.tokens(t));
      }
    }
    assertTrue(
        tokens.size() >= MIN_TOKENS,
        "need >= "
            + MIN_TOKENS
            + " tokens of real text from /usr/share/common-licenses and"
            + " /usr/share/doc/*/copyright (Debian base-files), found "
            + tokens.size());
    Path in = tmp.resolve("texts");
    Files.createDirectories(in);
    Files.writeString(in.resolve("debian-licenses.txt"), text, StandardCharsets.UTF_8);

    Path out = tmp.resolve("tokens");
    CliRunner.Result r =
        CliRunner.run(
            "embed",
            "--input",
            in.toString(),
            "--output",
            out.toString(),
            "--heads",
            "2",
            "--head-dim",
            "8",
            "--vector-size",
            "16",
            "--min-count",
            "3",
            "--seed",
            "1");
    assertEquals(0, r.code(), r.err());
    progress(r);
    Dataset<Row> table = SparkTestSession.get().read().parquet(out.toString());
    List<Row> rows = table.select("pos", "token").orderBy("pos").collectAsList();
    assertEquals(tokens.size(), rows.size());
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(i, rows.get(i).getInt(0));
      assertEquals(tokens.get(i), rows.get(i).getString(1), "token at pos " + i);
    }

    Path att = tmp.resolve("attention");
    r =
        AttendRun.of(out.toString(), att.toString())
            .heads(2)
            .pattern("longformer")
            .flag("--window", 64)
            .blockSize(64)
            .stats()
            .run();
    assertEquals(0, r.code(), r.err());
    progress(r);
    Dataset<Row> attention = SparkTestSession.get().read().parquet(att.toString());
    assertEquals(tokens.size(), attention.count());
    assertEquals(
        0,
        attention
            .filter(col("pos").lt(0).or(col("pos").geq(tokens.size())).or(col("out").isNull()))
            .count());
  }
}
