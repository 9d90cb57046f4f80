package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --conf FILE}: a preset supplies flag defaults; flags given on the command line win. */
class PresetTest {
  @TempDir Path tmp;

  private static final String BIGBIRD =
      Path.of("..", "conf", "presets", "bigbird-roberta-base.conf").toString();

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

  @Test
  void presetSuppliesDefaultsAndFlagsWin() throws Exception {
    String in = input();
    JsonNode preset = run(in, "--conf", BIGBIRD);
    assertEquals("bigbird", preset.get("pattern").get("name").asText());
    assertEquals(3, preset.get("pattern").get("random_blocks").asInt());
    assertEquals(12, preset.get("parameters").get("heads").asInt());
    assertEquals(2, preset.get("parameters").get("head_dim").asInt());

    JsonNode overridden = run(in, "--conf", BIGBIRD, "--random-blocks", "1", "--heads", "4");
    assertEquals(1, overridden.get("pattern").get("random_blocks").asInt());
    assertEquals(4, overridden.get("parameters").get("heads").asInt());
  }

  @Test
  void unknownPresetIsRejected() {
    CliRunner.Result r =
        CliRunner.run(
            "attend",
            "--input",
            "x",
            "--output",
            tmp.resolve("o").toString(),
            "--conf",
            "no-such-preset");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("no-such-preset"), r.err());
  }
}
