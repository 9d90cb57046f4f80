package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;

/** {@code pattern} prints exactly the object {@code attend} routes with. */
class PatternCommandTest {
  @Test
  void printsThePatternTheJobUses() throws Exception {
    CliRunner.Result r =
        CliRunner.run(
            "pattern",
            "--pattern",
            "bigbird",
            "--tokens",
            "1000",
            "--block-size",
            "32",
            "--random-blocks",
            "2",
            "--seed",
            "9",
            "--heads",
            "2",
            "--doc-id",
            "x",
            "--globals",
            "500,7");
    assertEquals(0, r.code(), r.err());
    JsonNode json = new ObjectMapper().readTree(r.out());
    AttentionPattern p =
        PatternSpec.of(
                "bigbird", 32, 9, false, false, Map.of(Param.WINDOW, 0, Param.RANDOM_BLOCKS, 2))
            .build();
    int[] gpos = p.globalPositions(1000, new int[] {7, 500});
    assertEquals(gpos.length, json.get("global_positions").size());
    assertEquals(32, json.get("blocks").asInt());
    for (int h = 0; h < 2; h++) {
      JsonNode blocks = json.get("heads").get(h).get("query_blocks");
      for (int qb = 1; qb < 31; qb++) {
        JsonNode kb = blocks.get(qb).get("key_blocks");
        int[] got = new int[kb.size()];
        for (int i = 0; i < got.length; i++) {
          got[i] = kb.get(i).asInt();
        }
        assertArrayEquals(
            p.localKeyBlocks(1000, Seeds.docHash("x"), h, qb), got, "head " + h + " block " + qb);
      }
      assertEquals("all", blocks.get(0).get("key_blocks").asText(), "first block is global");
    }
  }
}
