package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --preset NAME|FILE}: a preset supplies flag defaults (bundled in the jar, or a path);
 * flags given on the command line win; unknown keys, unknown names and names that reach outside the
 * presets are one-line errors (exit 2).
 */
class PresetTest {
  @TempDir Path tmp;

  private String input() {
    String in = tmp.resolve("in").toString();
    TokenTables.write(
        TokenTables.rows(List.of(TokenTables.random("d", 700, 24, 24, 0, 3)), 0), in, 2);
    return in;
  }

  private JsonNode run(String in, String... extra) throws Exception {
    String out = tmp.resolve("out-" + extra.length).toString();
    String[] args = new String[6 + extra.length];
    System.arraycopy(
        new String[] {"attend", "--input", in, "--output", out, "--overwrite"}, 0, args, 0, 6);
    System.arraycopy(extra, 0, args, 6, extra.length);
    CliRunner.Result r = CliRunner.run(args);
    assertEquals(0, r.code(), r.err());
    return new ObjectMapper().readTree(Path.of(out, "_longattn.json").toFile());
  }

  /** The bundled preset is read from the jar's resources (no conf/presets in the module dir). */
  @Test
  void bundledPresetSuppliesDefaultsAndFlagsWin() throws Exception {
    assertFalse(Files.exists(Path.of("conf", "presets", "bigbird-roberta-base.conf")));
    String in = input();
    JsonNode preset = run(in, "--preset", "bigbird-roberta-base");
    assertEquals("bigbird", preset.get("pattern").get("name").asText());
    assertEquals(3, preset.get("pattern").get("random_blocks").asInt());
    assertEquals(12, preset.get("parameters").get("heads").asInt());
    assertEquals(2, preset.get("parameters").get("head_dim").asInt());

    JsonNode overridden =
        run(in, "--preset", "bigbird-roberta-base", "--random-blocks", "1", "--heads", "4");
    assertEquals(1, overridden.get("pattern").get("random_blocks").asInt());
    assertEquals(4, overridden.get("parameters").get("heads").asInt());
  }

  @Test
  void presetFileByPath() throws Exception {
    Path file = tmp.resolve("mine.conf");
    Files.writeString(file, "# my model\npattern=longformer\nwindow=17\nheads=3\n");
    JsonNode r = run(input(), "--preset", file.toString());
    assertEquals("longformer", r.get("pattern").get("name").asText());
    assertEquals(17, r.get("pattern").get("window").asInt());
    assertEquals(3, r.get("parameters").get("heads").asInt());
  }

  @Test
  void unknownKeyIsAnError() throws Exception {
    Path file = tmp.resolve("typo.conf");
    Files.writeString(file, "pattern=longformer\nfrobnicate=7\nheads=3\n");
    assertOneLine(
        attend(input(), "--preset", file.toString()), file.toString(), "'frobnicate'", "attend");
  }

  @Test
  void unknownOrEscapingPresetsAreErrors() throws Exception {
    String in = input();
    assertOneLine(attend(in, "--preset", "no-such-preset"), "no-such-preset");
    // a NAME never reads a file outside the presets: neither a name nor a path to a .conf file
    assertOneLine(attend(in, "--preset", "../spark-defaults"), "../spark-defaults");
    assertOneLine(attend(in, "--preset", "bigbird-roberta-base.conf"), "a path contains '/'");
    // a path to a file that is not a preset: its keys are not attend's options
    assertOneLine(attend(in, "--preset", "../conf/spark-defaults.conf"), "is not an option");
  }

  /** The old {@code --conf PRESET} is refused with a pointer to --preset. */
  @Test
  void oldConfPresetUsagePointsToPreset() {
    CliRunner.Result r = attend(input(), "--conf", "bigbird-roberta-base");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("KEY=VALUE") && r.err().contains("--preset"), r.err());
  }

  private CliRunner.Result attend(String in, String... extra) {
    String out = tmp.resolve("never").toString();
    String[] args = new String[5 + extra.length];
    System.arraycopy(new String[] {"attend", "--input", in, "--output", out}, 0, args, 0, 5);
    System.arraycopy(extra, 0, args, 5, extra.length);
    CliRunner.Result r = CliRunner.run(args);
    assertFalse(Files.exists(Path.of(out)), "nothing written");
    return r;
  }

  private static void assertOneLine(CliRunner.Result r, String... named) {
    assertEquals(2, r.code(), r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("longattn: error:")).toList();
    assertEquals(1, errors.size(), r.err());
    for (String n : named) {
      assertTrue(errors.get(0).contains(n), "'" + errors.get(0) + "' should name " + n);
    }
  }
}
