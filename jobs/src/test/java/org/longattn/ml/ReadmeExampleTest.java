package org.longattn.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;

/**
 * The README's Java example (section "From Spark code") runs as written: the lines between the
 * markers below are the README's, checked line by line.
 */
class ReadmeExampleTest {
  @TempDir Path tmp;

  @Test
  void theReadmeExampleRuns() throws Exception {
    SparkSession spark = SparkTestSession.get();
    String tokensPath = MlTokens.write(tmp);
    String path = tmp.resolve("long-attention").toString();
    // README example begin
    Dataset<Row> tokens = spark.read().parquet(tokensPath); // doc_id, pos, q, k, v
    LongAttention att =
        new LongAttention().setPattern("longformer").setAttentionWindow(40).setNumAttentionHeads(3);
    Dataset<Row> out = att.transform(tokens); // doc_id, pos, out
    PipelineModel m = new Pipeline().setStages(new PipelineStage[] {att}).fit(tokens);
    att.write().overwrite().save(path);
    LongAttention back = LongAttention.load(path);
    // README example end
    assertEquals(List.of("doc_id", "pos", "out"), List.of(out.columns()));
    assertEquals(1001, out.count());
    assertEquals(MlTokens.bits(out), MlTokens.bits(m.transform(tokens)));
    assertEquals(MlTokens.bits(out), MlTokens.bits(back.transform(tokens)));
  }

  @Test
  void theReadmeShowsThisExample() throws Exception {
    List<String> source =
        Files.readAllLines(Path.of("src/test/java/org/longattn/ml/ReadmeExampleTest.java"));
    List<String> example =
        source
            .subList(
                source.indexOf("    // README example begin") + 1,
                source.indexOf("    // README example end"))
            .stream()
            .map(String::strip)
            .toList();
    assertTrue(example.size() >= 6, "example markers not found");
    List<String> readme =
        Files.readAllLines(Path.of("../README.md")).stream().map(String::strip).toList();
    int at = readme.indexOf(example.get(0));
    assertTrue(at >= 0, "README lacks the example's first line: " + example.get(0));
    assertEquals(example, readme.subList(at, Math.min(readme.size(), at + example.size())));
  }
}
