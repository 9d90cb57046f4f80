package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code _longattn.json} of a span run holds the per-stage profile: every engine stage with its
 * wall time and the counts it saw (rows decoded, output bytes of the kernel — checked against the
 * token count), the Parquet write derived from Spark's stage metrics, and those metrics per stage.
 */
class ProfileRecordTest {
  @TempDir static Path tmp;

  @Test
  void runRecordHoldsTheStageProfile() throws Exception {
    int heads = 2;
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("a", 700, heads * OracleCase.D, heads * OracleCase.DV, 2, 3),
            TokenTables.random("b", 130, heads * OracleCase.D, heads * OracleCase.DV, 1, 4));
    String in = tmp.resolve("in").toString();
    TokenTables.write(TokenTables.rows(docs, 5), in, 2);
    String out = tmp.resolve("out").toString();
    CliRunner.Result r =
        AttendRun.of(in, out)
            .pattern("bigbird")
            .heads(heads)
            .blockSize(16)
            .spanTokens(128)
            .flag("--random-blocks", 2)
            .flag("--output-encoding", "binary")
            .run();
    assertEquals(0, r.code(), r.err());
    JsonNode p =
        new ObjectMapper().readTree(Path.of(out, "_longattn.json").toFile()).get("profile");
    for (String s :
        new String[] {
          "read",
          "decode",
          "route",
          "shuffle_read",
          "assemble",
          "kernel",
          "row_build",
          "rows_in",
          "parquet_write"
        }) {
      assertTrue(p.has(s), s + " missing from " + p);
      assertTrue(p.get(s).get("wall_s").asDouble() >= 0, s);
    }
    long tokens = 830;
    assertEquals(tokens, p.get("decode").get("rows").asLong());
    assertEquals(tokens, p.get("rows_in").get("rows").asLong());
    // every span returns 4 B per value of its rows (global positions included as placeholders)
    assertEquals(4 * tokens * heads * OracleCase.DV, p.get("kernel").get("bytes").asLong());
    assertTrue(p.get("kernel").get("cpu_s").asDouble() > 0, p.toString());
    // what the route emitted is what the span tasks read
    assertEquals(p.get("route").get("bytes").asLong(), p.get("shuffle_read").get("bytes").asLong());
    JsonNode stages = p.get("spark_stages");
    assertTrue(stages.size() >= 2, stages.toString());
    long shuffled = 0;
    long written = 0;
    for (JsonNode st : stages) {
      shuffled += st.get("shuffle_write_bytes").asLong();
      written += st.get("output_bytes").asLong();
    }
    assertTrue(shuffled >= p.get("route").get("bytes").asLong() / 2, stages.toString());
    assertEquals(written, p.get("parquet_write").get("bytes").asLong());
    assertTrue(written > 4 * tokens * heads * OracleCase.DV / 2, stages.toString());
  }
}
