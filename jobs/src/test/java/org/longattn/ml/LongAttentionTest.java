package org.longattn.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.longattn.datasets.InputException;
import org.longattn.jobs.CliRunner;

/**
 * {@link LongAttention}: its rows equal {@code attend}'s bitwise for the same parameters, it keeps
 * every param through save → load, works in a {@code Pipeline}, and refuses bad input in {@code
 * transformSchema} with {@code attend}'s one-line messages.
 */
class LongAttentionTest {
  @TempDir static Path tmp;
  static String tokensPath;
  static Dataset<Row> tokens;

  @BeforeAll
  static void tokens() {
    tokensPath = MlTokens.write(tmp);
    tokens = MlTokens.read(tokensPath);
  }

  /** attend's flags for the case, and the same parameters set on the Transformer. */
  @ParameterizedTest
  @CsvSource({
    "longformer, --window 40 --stats",
    "bigbird, --block-size 32 --random-blocks 2 --seed 5",
    "linear, --causal",
    "longformer, --window 16 --dilation 2 --score dot",
    "sink, --sinks 4 --window 7 --block-size 16 --stats",
    "sink, --sinks 1 --window 64 --causal --score dot"
  })
  void transformEqualsAttendBitwise(String pattern, String flags) {
    List<String> args = new ArrayList<>(List.of("attend", "--input", tokensPath));
    String out = tmp.resolve("cli-" + pattern + "-" + flags.hashCode()).toString();
    args.addAll(List.of("--output", out, "--pattern", pattern, "--heads", "3"));
    args.addAll(List.of(flags.split(" ")));
    CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());

    LongAttention att = new LongAttention().setPattern(pattern).setNumAttentionHeads(3);
    String[] f = flags.split(" ");
    for (int i = 0; i < f.length; i++) {
      switch (f[i]) {
        case "--window" -> att.setAttentionWindow(Integer.parseInt(f[++i]));
        case "--sinks" -> att.setSinks(Integer.parseInt(f[++i]));
        case "--dilation" -> att.setDilation(Integer.parseInt(f[++i]));
        case "--block-size" -> att.setBlockSize(Integer.parseInt(f[++i]));
        case "--random-blocks" -> att.setNumRandomBlocks(Integer.parseInt(f[++i]));
        case "--seed" -> att.setSeed(Long.parseLong(f[++i]));
        case "--score" -> att.setScoreFunction(f[++i]);
        case "--causal" -> att.setCausal(true);
        case "--stats" -> att.setStats(true);
        default -> throw new IllegalArgumentException(f[i]);
      }
    }
    Dataset<Row> transformed = att.transform(tokens);
    Dataset<Row> written = MlTokens.read(out);
    assertEquals(List.of(written.columns()), List.of(transformed.columns()));
    List<String> expected = MlTokens.bits(written);
    assertEquals(1001, expected.size());
    assertEquals(expected, MlTokens.bits(transformed));
  }

  @Test
  void customColumnNamesInAndOut() {
    Dataset<Row> renamed =
        tokens
            .withColumnRenamed("doc_id", "document")
            .withColumnRenamed("pos", "position")
            .withColumnRenamed("q", "query")
            .withColumnRenamed("k", "key")
            .withColumnRenamed("v", "value");
    LongAttention att =
        new LongAttention()
            .setPattern("blocked")
            .setNumAttentionHeads(3)
            .setDocIdCol("document")
            .setPosCol("position")
            .setQueryCol("query")
            .setKeyCol("key")
            .setValueCol("value")
            .setOutputCol("context");
    Dataset<Row> out = att.transform(renamed);
    assertEquals(List.of("document", "position", "context"), List.of(out.columns()));
    assertEquals(
        List.of("document", "position", "context"),
        List.of(att.transformSchema(renamed.schema()).fieldNames()));
    Dataset<Row> plain =
        new LongAttention().setPattern("blocked").setNumAttentionHeads(3).transform(tokens);
    assertEquals(MlTokens.bits(plain), MlTokens.bits(out));
  }

  @Test
  void saveLoadKeepsEveryParam() throws Exception {
    LongAttention att =
        new LongAttention()
            .setPattern("bigbird")
            .setNumAttentionHeads(3)
            .setAttentionWindow(7)
            .setBlockSize(32)
            .setNumRandomBlocks(2)
            .setDilation(3)
            .setSinks(9)
            .setCausal(true)
            .setScoreFunction("bilinear")
            .setSeed(42L)
            .setStats(true)
            .setDocIdCol("d")
            .setPosCol("p")
            .setQueryCol("qq")
            .setKeyCol("kk")
            .setValueCol("vv")
            .setOutputCol("oo");
    String path = tmp.resolve("saved").toString();
    att.write().overwrite().save(path);
    LongAttention back = LongAttention.load(path);
    assertEquals(att.uid(), back.uid());
    assertEquals(17, att.params().length); // every one is set above
    for (Param<?> p : att.params()) {
      assertTrue(back.isSet(back.getParam(p.name())), p.name() + " not set after load");
      assertEquals(att.getOrDefault(p), back.getOrDefault(back.getParam(p.name())), p.name());
    }
    assertEquals("bigbird", back.getPattern());
    assertEquals(3, back.getNumAttentionHeads());
    assertEquals(7, back.getAttentionWindow());
    assertEquals(32, back.getBlockSize());
    assertEquals(2, back.getNumRandomBlocks());
    assertEquals(3, back.getDilation());
    assertEquals(9, back.getSinks());
    assertTrue(back.getCausal());
    assertEquals("bilinear", back.getScoreFunction());
    assertEquals(42L, back.getSeed());
    assertTrue(back.getStats());
    assertEquals(
        List.of("d", "p", "qq", "kk", "vv", "oo"),
        List.of(
            back.getDocIdCol(),
            back.getPosCol(),
            back.getQueryCol(),
            back.getKeyCol(),
            back.getValueCol(),
            back.getOutputCol()));
    // defaults survive too, and an unset required param stays unset
    LongAttention plain = new LongAttention().setPattern("dense");
    String plainPath = tmp.resolve("saved-plain").toString();
    plain.save(plainPath);
    LongAttention plainBack = LongAttention.load(plainPath);
    assertEquals(256, plainBack.getAttentionWindow());
    assertTrue(!plainBack.isDefined(plainBack.numAttentionHeads()));
  }

  @Test
  void worksInAPipelineAndThePipelineSavesAndLoads() throws Exception {
    LongAttention att =
        new LongAttention().setPattern("longformer").setAttentionWindow(24).setNumAttentionHeads(3);
    PipelineModel m = new Pipeline().setStages(new PipelineStage[] {att}).fit(tokens);
    List<String> direct = MlTokens.bits(att.transform(tokens));
    assertEquals(direct, MlTokens.bits(m.transform(tokens)));
    String path = tmp.resolve("pipeline").toString();
    m.write().overwrite().save(path);
    PipelineModel back = PipelineModel.load(path);
    assertEquals(direct, MlTokens.bits(back.transform(tokens)));
    LongAttention stage = (LongAttention) back.stages()[0];
    assertEquals(24, stage.getAttentionWindow());
  }

  @Test
  void transformSchemaRefusesBadColumnsWithAttendsMessages() {
    Dataset<Row> noV = tokens.drop("v");
    String cliOut = tmp.resolve("no-v-out").toString();
    String noVPath = tmp.resolve("no-v").toString();
    noV.write().parquet(noVPath);
    CliRunner.Result r =
        CliRunner.run(
            "attend", "--input", noVPath, "--output", cliOut, "--pattern", "dense", "--heads", "3");
    assertEquals(2, r.code());
    LongAttention att = new LongAttention().setPattern("dense").setNumAttentionHeads(3);
    InputException e = assertThrows(InputException.class, () -> att.transformSchema(noV.schema()));
    String cliLine =
        r.err().lines().filter(l -> l.startsWith("longattn: error: ")).findFirst().get();
    assertEquals(
        cliLine.substring("longattn: error: ".length()).replace(noVPath, "dataset"),
        e.getMessage());

    StructType wrongType = tokens.withColumn("pos", tokens.col("pos").cast("string")).schema();
    assertEquals(
        "input 'dataset' column 'pos': type string, expected int",
        assertThrows(InputException.class, () -> att.transformSchema(wrongType)).getMessage());
    LongAttention renamed = new LongAttention().setPattern("dense").setNumAttentionHeads(3);
    renamed.setQueryCol("query");
    assertTrue(
        assertThrows(InputException.class, () -> renamed.transformSchema(tokens.schema()))
            .getMessage()
            .startsWith("input 'dataset' column 'query': missing"));
  }

  @Test
  void refusesMissingAndMismatchedParams() {
    StructType s = tokens.schema();
    assertTrue(
        assertThrows(
                InputException.class,
                () -> new LongAttention().setNumAttentionHeads(3).transformSchema(s))
            .getMessage()
            .startsWith("pattern is required"));
    assertTrue(
        assertThrows(
                InputException.class,
                () -> new LongAttention().setPattern("dense").transformSchema(s))
            .getMessage()
            .startsWith("numAttentionHeads is required"));
    assertTrue(
        assertThrows(
                InputException.class,
                () ->
                    new LongAttention()
                        .setPattern("sink")
                        .setAttentionWindow(0)
                        .setNumAttentionHeads(3)
                        .transformSchema(s))
            .getMessage()
            .contains("--window"));
    assertEquals(
        "sinks only applies to pattern sink (got pattern longformer)",
        assertThrows(
                InputException.class,
                () ->
                    new LongAttention()
                        .setPattern("longformer")
                        .setSinks(4)
                        .setNumAttentionHeads(3)
                        .transformSchema(s))
            .getMessage());
    assertEquals(
        "attentionWindow only applies to pattern longformer or sink (got pattern bigbird)",
        assertThrows(
                InputException.class,
                () ->
                    new LongAttention()
                        .setPattern("bigbird")
                        .setAttentionWindow(8)
                        .setNumAttentionHeads(3)
                        .transformSchema(s))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> new LongAttention().setPattern("nope"));
    assertThrows(IllegalArgumentException.class, () -> new LongAttention().setSinks(0));
    assertNotEquals(new LongAttention().uid(), new LongAttention().uid());
  }
}
