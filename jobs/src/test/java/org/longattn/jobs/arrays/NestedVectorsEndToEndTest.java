package org.longattn.jobs.arrays;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.jobs.AttendRun;
import org.longattn.jobs.CliRunner;

/**
 * q, k, v as array&lt;array&lt;float&gt;&gt; (heads × dim, as PyTorch shapes them; v even as
 * array&lt;array&lt;double&gt;&gt;) give bitwise the output of the same vectors flattened
 * head-major; a heads × dim vector whose head count is not {@code --heads}, or whose heads have
 * different lengths, is refused naming document, position and column.
 */
class NestedVectorsEndToEndTest {
  @TempDir Path tmp;

  private static final int H = 2;
  private static final int D = 4;
  private static final int DV = 3;

  /** {@code c} as heads × dim: head h is values [h·dim, (h+1)·dim). */
  private static org.apache.spark.sql.Column nested(String c, int dim) {
    return expr("transform(sequence(0, "
            + (H - 1)
            + "), h -> slice("
            + c
            + ", h * "
            + dim
            + " + 1, "
            + dim
            + "))")
        .as(c);
  }

  private String flatTable() {
    String flat = tmp.resolve("flat").toString();
    CliRunner.Result g =
        CliRunner.run(
            "generate",
            "--output",
            flat,
            "--docs",
            "2",
            "--min-tokens",
            "40",
            "--max-tokens",
            "90",
            "--heads",
            "2",
            "--head-dim",
            "4",
            "--value-dim",
            "3",
            "--seed",
            "11");
    assertEquals(0, g.code(), g.err());
    return flat;
  }

  private static Map<String, List<Float>> outputs(String dir) {
    Map<String, List<Float>> m = new HashMap<>();
    for (Row r : SparkTestSession.get().read().parquet(dir).collectAsList()) {
      m.put(r.getString(0) + "#" + r.getInt(1), r.getList(2));
    }
    return m;
  }

  private CliRunner.Result attend(String input, String output, String heads) {
    return AttendRun.of(input, output)
        .flag("--heads", heads)
        .pattern("longformer")
        .flag("--window", 8)
        .blockSize(16)
        .run();
  }

  @Test
  void headsTimesDimVectorsGiveTheFlatVectorsOutputBitwise() {
    String flat = flatTable();
    String nestedDir = tmp.resolve("nested").toString();
    Dataset<Row> t = SparkTestSession.get().read().parquet(flat);
    t.select(
            col("doc_id"),
            col("pos"),
            nested("q", D),
            nested("k", D),
            nested("v", DV).cast("array<array<double>>").as("v"),
            col("global"))
        .write()
        .parquet(nestedDir);
    assertEquals(
        "array<array<float>>",
        SparkTestSession.get()
            .read()
            .parquet(nestedDir)
            .schema()
            .apply("q")
            .dataType()
            .simpleString());
    String a = tmp.resolve("att-flat").toString();
    String b = tmp.resolve("att-nested").toString();
    assertEquals(0, attend(flat, a, "2").code());
    CliRunner.Result r = attend(nestedDir, b, "2");
    assertEquals(0, r.code(), r.err());
    Map<String, List<Float>> x = outputs(a);
    Map<String, List<Float>> y = outputs(b);
    assertEquals(x.keySet(), y.keySet());
    for (String key : x.keySet()) {
      assertEquals(H * DV, x.get(key).size());
      assertArrayEquals(x.get(key).toArray(), y.get(key).toArray(), key);
    }
  }

  @Test
  void aHeadCountOtherThanHeadsOrRaggedHeadsAreRefused() {
    String flat = flatTable();
    Dataset<Row> t = SparkTestSession.get().read().parquet(flat);
    String nestedDir = tmp.resolve("nested").toString();
    t.select(col("doc_id"), col("pos"), nested("q", D), nested("k", D), nested("v", DV))
        .write()
        .parquet(nestedDir);
    String out = tmp.resolve("out").toString();
    // 8 values per q and 6 per v split evenly into 1 head, but the vectors say 2 heads.
    CliRunner.Result r = attend(nestedDir, out, "1");
    assertEquals(2, r.code(), r.err());
    assertTrue(
        r.err().contains("2 heads in an array<array<float>> (heads × dim) vector, --heads is 1"),
        r.err());
    assertTrue(r.err().contains("doc '"), r.err());
    assertFalse(Files.exists(Path.of(out)));

    String ragged = tmp.resolve("ragged").toString();
    t.select(
            col("doc_id"),
            col("pos"),
            expr("if(pos = 7, array(slice(q, 1, 4), slice(q, 5, 3)), transform(sequence(0, 1),"
                    + " h -> slice(q, h * 4 + 1, 4)))")
                .as("q"),
            nested("k", D),
            nested("v", DV))
        .write()
        .parquet(ragged);
    r = attend(ragged, out, "2");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("pos 7 column 'q': head 1 has 3 values, head 0 has 4"), r.err());
    assertFalse(Files.exists(Path.of(out)));
  }
}
