package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No command writes over what it reads: every spelling of an output that is, lies inside or
 * contains one of its inputs is refused before any work (exit 2, one line naming both flags), and
 * nothing on disk changes. Each case deleted or polluted an input before the check existed.
 */
class OutputOverlapTest {
  @TempDir static Path tmp;
  private static Path data;
  private static Path tok;
  private static Path att;

  @BeforeAll
  static void inputs() {
    data = tmp.resolve("data");
    tok = data.resolve("tok");
    att = tmp.resolve("att");
    ok(
        "generate",
        "--output",
        tok.toString(),
        "--docs",
        "1",
        "--tokens",
        "128",
        "--heads",
        "1",
        "--head-dim",
        "4");
    ok(
        "attend",
        "--input",
        tok.toString(),
        "--output",
        att.toString(),
        "--pattern",
        "dense",
        "--heads",
        "1",
        "--stats");
  }

  private static void ok(String... args) {
    CliRunner.Result r = CliRunner.run(args);
    assertEquals(0, r.code(), r.err());
  }

  /** Every file under the temporary directory with a digest of its bytes, every directory. */
  private static Map<String, String> snapshot() throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(tmp)) {
      for (Path p : s.toList()) {
        String key = tmp.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          m.put(key, "-> " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          m.put(key, "dir");
        } else {
          m.put(key, digest(Files.readAllBytes(p)));
        }
      }
    }
    return m;
  }

  private static String digest(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs the command; expects exit 2, one error line naming each of {@code expected}, no change.
   */
  private static void refused(List<String> args, String... expected) throws IOException {
    Map<String, String> before = snapshot();
    CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("longattn: error: ")).toList();
    assertEquals(1, errors.size(), r.err());
    for (String e : expected) {
      assertTrue(errors.get(0).contains(e), "'" + errors.get(0) + "' should contain '" + e + "'");
    }
    assertEquals(before, snapshot(), "nothing may change on disk: " + String.join(" ", args));
  }

  private static List<String> attend(String input, String output, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "attend",
                "--input",
                input,
                "--output",
                output,
                "--pattern",
                "dense",
                "--heads",
                "1",
                "--overwrite"));
    a.addAll(List.of(more));
    return a;
  }

  /** {@code p} relative to the working directory. */
  private static String relative(Path p) {
    return Path.of("").toAbsolutePath().relativize(p.toAbsolutePath()).toString();
  }

  @Test
  void attendOutputNamingTheInputWithATrailingSlash() throws IOException {
    refused(attend(tok.toString(), tok + "/"), "--output", "same path as --input");
  }

  @Test
  void attendRelativeInputAbsoluteOutput() throws IOException {
    refused(attend(relative(tok), tok.toString()), "same path as --input");
    refused(attend(tok.toString(), relative(tok) + "/."), "same path as --input");
    refused(attend(tok.toString(), data + "/x/../tok"), "same path as --input");
  }

  @Test
  void attendOutputInsideOrAroundTheInput() throws IOException {
    refused(attend(tok.toString(), tok + "/att"), "lies inside --input");
    refused(attend(tok.toString(), data.toString()), "contains --input");
  }

  @Test
  void attendThroughSymbolicLinks() throws IOException {
    Path link = tmp.resolve("link-to-tok");
    if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(link, tok);
    }
    refused(attend(tok.toString(), link.toString()), "same path as --input");
    refused(attend(link + "/", tok.toString()), "same path as --input");
    Path dataLink = tmp.resolve("link-to-data");
    if (!Files.exists(dataLink, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(dataLink, data);
    }
    refused(attend(tok.toString(), dataLink.toString()), "contains --input");
  }

  @Test
  void attendQueriesAndScoreWeights() throws IOException {
    refused(attend(tok.toString(), att + "-q/", "--queries", att + "-q"), "same path as --queries");
    Path weights = Files.createDirectories(tmp.resolve("w"));
    Files.write(weights.resolve("bilinear.npy"), new byte[] {1, 2, 3});
    refused(
        attend(
            tok.toString(),
            weights.toString(),
            "--score",
            "bilinear",
            "--score-weights",
            weights.resolve("bilinear.npy").toString()),
        "contains --score-weights");
  }

  @Test
  void reportOverItsOwnInputOrTheRunsTokenTable() throws IOException {
    refused(
        List.of("report", "--input", att.toString(), "--output", att + "/", "--overwrite"),
        "same path as --input");
    refused(
        List.of("report", "--input", att.toString(), "--output", tok.toString(), "--overwrite"),
        "the token table of --input");
  }

  @Test
  void embedOutputsAgainstEveryInput() throws IOException {
    Path texts = Files.createDirectories(tmp.resolve("texts"));
    Files.writeString(texts.resolve("a.txt"), "the cat sat on the mat");
    List<String> base =
        List.of("embed", "--input", texts.toString(), "--heads", "1", "--head-dim", "4");
    // --min-count 1: on a tiny corpus the run would otherwise stop before it writes
    List<String> a = new ArrayList<>(base);
    a.addAll(List.of("--min-count", "1", "--output", texts + "/", "--overwrite"));
    refused(a, "same path as --input");
    a = new ArrayList<>(base);
    a.addAll(
        List.of("--min-count", "1", "--output", tmp + "/e1", "--save-word2vec", tmp + "/e1/model"));
    refused(a, "--save-word2vec");
    a = new ArrayList<>(base);
    a.addAll(
        List.of("--min-count", "1", "--output", tmp + "/e2", "--save-word2vec", texts + "/model"));
    refused(a, "--save-word2vec", "lies inside --input");
    a = new ArrayList<>(base);
    a.addAll(List.of("--output", tok + "/..", "--word2vec", tok.toString(), "--overwrite"));
    refused(a, "contains --word2vec");
    Path weights = Files.createDirectories(tmp.resolve("weights"));
    a = new ArrayList<>(base);
    a.addAll(
        List.of(
            "--min-count",
            "1",
            "--output",
            weights.toString(),
            "--weights",
            weights + "/",
            "--overwrite"));
    refused(a, "same path as --weights");
  }

  @Test
  void patternOutputOverItsPreset() throws IOException {
    Path preset = tmp.resolve("p.conf");
    Files.writeString(preset, "heads=1\n");
    refused(
        List.of(
            "pattern",
            "--tokens",
            "64",
            "--pattern",
            "dense",
            "--heads",
            "1",
            "--preset",
            preset.toString(),
            "--output",
            preset.toString()),
        "--output",
        "same path as --preset");
  }

  @Test
  void generateAndDemoOverAPresetOrTheWorkingDirectory() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("demo/report"));
    Path preset = dir.resolve("small.conf");
    Files.writeString(preset, "docs=1\ntokens=256\n");
    refused(
        List.of("demo", "--dir", tmp.resolve("demo").toString(), "--preset", preset.toString()),
        "--dir",
        "contains --preset");
    refused(
        List.of(
            "generate",
            "--output",
            tmp.resolve("demo").toString(),
            "--preset",
            preset.toString(),
            "--overwrite",
            "--tokens",
            "64",
            "--heads",
            "1"),
        "contains --preset");
    refused(
        List.of("generate", "--output", "..", "--tokens", "64", "--heads", "1"),
        "working directory");
  }
}
