package org.longattn.datasets;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlap check on canonical paths: every spelling of "the same or nested" is refused. */
class OutputPathsTest {
  @TempDir Path dir;
  private Path tok;

  @BeforeEach
  void tokens() throws IOException {
    tok = Files.createDirectories(dir.resolve("tok"));
    Files.writeString(tok.resolve("part-0.parquet"), "x");
  }

  private static OutputPaths check() {
    return OutputPaths.check(new Configuration());
  }

  private static String refused(String output, String input) {
    InputException e =
        assertThrows(
            InputException.class,
            () -> check().writes("--output", output).reads("--input", input).verify(),
            output + " vs " + input);
    assertTrue(e.getMessage().contains("--output '" + output + "'"), e.getMessage());
    assertTrue(e.getMessage().contains("--input '" + input + "'"), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    return e.getMessage();
  }

  private static void accepted(String output, String input) {
    assertDoesNotThrow(() -> check().writes("--output", output).reads("--input", input).verify());
  }

  /** {@code p} relative to the working directory (the JVM's, which Hadoop also uses). */
  private static String relative(Path p) {
    return Path.of("").toAbsolutePath().relativize(p.toAbsolutePath()).toString();
  }

  @Test
  void samePathInEverySpelling() {
    String t = tok.toString();
    assertTrue(refused(t + "/", t).contains("is the same path as"));
    refused(t + "//", t);
    refused(t, t + "/");
    refused(t + "/.", t);
    refused(dir + "/./tok", t);
    refused(dir + "/other/../tok", t);
    refused("file://" + t, t);
    refused("file:" + t + "/", t);
    refused(relative(tok), t);
    refused(t + "/", relative(tok));
    refused(relative(tok) + "/", "file://" + t);
  }

  @Test
  void outputInsideInputAndInputInsideOutput() {
    String t = tok.toString();
    assertTrue(refused(t + "/att", t).contains("lies inside"));
    refused(t + "/a/b/../c", t + "/");
    assertTrue(refused(dir.toString(), t).contains("contains"));
    refused(dir + "/", relative(tok) + "/part-0.parquet");
    refused(t + "/part-0.parquet", t); // a file input inside... and the file itself
    refused(t + "/part-0.parquet", t + "/part-0.parquet");
  }

  @Test
  void symbolicLinksAreResolvedBothWays() throws IOException {
    Path link = Files.createSymbolicLink(dir.resolve("link"), tok);
    Path linkToDir = Files.createSymbolicLink(dir.resolve("dirlink"), dir);
    refused(link.toString(), tok.toString());
    refused(tok.toString(), link + "/");
    refused(link + "/new-output", tok.toString()); // output does not exist yet: its prefix does
    refused(linkToDir.toString(), tok.toString()); // the output contains the input
    refused(tok + "/x", linkToDir + "/tok");
    refused(relative(link), linkToDir + "/tok/");
  }

  @Test
  void neighboursAndDifferentFileSystemsDoNotOverlap() throws IOException {
    Files.createDirectories(dir.resolve("tok2"));
    accepted(dir + "/tok2", tok.toString());
    accepted(tok + "-att", tok.toString());
    accepted(dir + "/att", tok + "/");
    accepted(dir + "/att", "hdfs://namenode:8020" + tok); // another file system
  }

  @Test
  void otherFileSystemsCompareQualifiedPaths() {
    refused("hdfs://nn:8020/data/tok/", "hdfs://nn:8020/data/tok");
    refused("hdfs://nn:8020/data/tok/./att", "hdfs://nn:8020/data/x/../tok");
    refused("hdfs://nn:8020/data", "hdfs://nn:8020/data/tok");
    accepted("hdfs://nn:8020/data/tok", "hdfs://other:8020/data/tok");
    accepted("hdfs://nn:8020/data/tok2", "hdfs://nn:8020/data/tok");
    Configuration conf = new Configuration();
    conf.set("fs.defaultFS", "hdfs://nn:8020");
    assertThrows(
        InputException.class,
        () ->
            OutputPaths.check(conf)
                .writes("--output", "hdfs:///data/tok")
                .reads("--input", "hdfs://nn:8020/data/tok/")
                .verify());
  }

  @Test
  void outputsMustNotOverlapEachOther() {
    InputException e =
        assertThrows(
            InputException.class,
            () ->
                check()
                    .writes("--output", dir + "/out")
                    .writes("--save-word2vec", dir + "/out/model")
                    .verify());
    assertTrue(e.getMessage().startsWith("--output '"), e.getMessage());
    assertTrue(e.getMessage().contains("--save-word2vec"), e.getMessage());
  }

  @Test
  void anOutputContainingTheWorkingDirectoryIsRefused() {
    Path cwd = Path.of("").toAbsolutePath();
    InputException e =
        assertThrows(
            InputException.class,
            () -> check().writes("--output", cwd.getParent().toString()).verify());
    assertTrue(e.getMessage().contains("working directory"), e.getMessage());
    assertThrows(InputException.class, () -> check().writes("--output", ".").verify());
    assertDoesNotThrow(() -> check().writes("--output", "some-new-dir/x").verify());
  }

  @Test
  void absentOptionalFlagsAndBareNamesAreIgnored() throws IOException {
    assertDoesNotThrow(
        () -> check().writes("--output", dir + "/out").reads("--queries", null).verify());
    // a preset given by name is not a path; given as a file it is an input
    assertDoesNotThrow(
        () ->
            check().writes("--output", dir + "/p").readsFile("--conf", dir + "/p/x.conf").verify());
    Files.createDirectories(dir.resolve("p"));
    Files.writeString(dir.resolve("p/x.conf"), "heads=2\n");
    assertThrows(
        InputException.class,
        () ->
            check().writes("--output", dir + "/p").readsFile("--conf", dir + "/p/x.conf").verify());
  }

  @Test
  void hostilePathsKeepTheMessageOnOneLine() {
    String t = tok.toString();
    InputException e =
        assertThrows(
            InputException.class,
            () -> check().writes("--output", t + "/a\nb").reads("--input", t).verify());
    assertTrue(
        !e.getMessage().contains("\n") && e.getMessage().contains("\\u000a"), e.getMessage());
  }
}
