package org.longattn.jobs.encode;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.longattn.datasets.AtomicOutput;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.Progress;
import org.longattn.jobs.RunInfo;
import org.longattn.jobs.TableLayout;
import org.longattn.jobs.attend.AttendEngine;
import org.longattn.jobs.attend.AttendParams;
import org.longattn.jobs.attend.AttendResult;
import org.longattn.kernels.model.EncoderConfig;

/**
 * {@code encode}: a pretrained encoder over whole long documents on Spark, every layer's
 * self-attention computed by the attention engine with the chosen pattern.
 *
 * <pre>
 *   ids     = the input's token ids                                   {@link ModelInput}
 *   T₀      = embed + layer 0's q, k, v, per token                    {@link TokenStage#embedding}
 *   for ℓ = 0 .. L−1:
 *     out   = AttendEngine(T_ℓ's doc_id, pos, q, k, v; pattern)       spans, never a whole document
 *     T_ℓ₊₁ = (T_ℓ's x ⋈ out on doc_id, pos) → finish layer ℓ (+ ℓ+1's q, k, v), per token
 *   TOK     = T_L's x (the last hidden state);  DOCS = its mean per document ({@link MeanPool})
 * </pre>
 *
 * Each T_ℓ is persisted (the engine reads it several times) and freed once T_ℓ₊₁ is computed. The
 * per-token stages run on blocks of rows from any documents; the engine's results do not depend on
 * the partitioning; so neither does anything written. Positions past the model's 512 reuse its
 * position embeddings cyclically (p mod 512, Longformer's initialisation). Every output is written
 * atomically, all of them committed only once everything has been computed: a refusal or a failure
 * leaves none of them.
 */
public final class EncodeJob {
  /** The hidden state column of the token output. */
  public static final String HIDDEN = "hidden";

  /** The token string column of the q/k/v dump (what {@code report} shows). */
  public static final String TOKEN = "token";

  /** Tokens per partition of the per-token stages. */
  static final int PARTITION_TOKENS = 16384;

  static final String POSITIONS =
      "position p uses the learned position embedding p mod 512 (Longformer's initialisation:"
          + " the 512 embeddings repeated); exactly the pretrained model up to 512 tokens";

  private EncodeJob() {}

  public static Map<String, Object> run(SparkSession spark, EncodeParams p) {
    Progress progress = new Progress("encode");
    List<String> targets = new ArrayList<>();
    for (String t : new String[] {p.output(), p.pooledOutput(), p.dumpOutput()}) {
      if (t != null) {
        AtomicOutput.checkTarget(spark, t, p.overwrite());
        targets.add(t);
      }
    }
    EncoderConfig config = p.model().encoder().config();
    if (p.dumpLayer() >= config.layers()) {
      throw new InputException(
          "--dump-qkv "
              + p.dumpLayer()
              + ": "
              + p.model().modelName()
              + " has layers 0.."
              + (config.layers() - 1));
    }
    AttendParams attend =
        new AttendParams(
            p.input(),
            targets.get(0),
            false,
            config.heads(),
            p.pattern(),
            false,
            p.backend(),
            p.spanTokens(),
            p.partitions(),
            true);
    AttendEngine.checkParameters(attend);
    progress.stage(
        "model",
        p.model().modelName()
            + ": "
            + config.layers()
            + " layers, hidden "
            + config.hidden()
            + ", heads "
            + config.heads()
            + "x"
            + config.headDim()
            + ", FFN "
            + config.ffn()
            + ", vocabulary "
            + config.vocab());
    ModelInput.Ids ids = ModelInput.read(spark, p.input(), p.model());
    progress.stage("tokenize", ids.documents() + " documents, " + ids.tokens() + " tokens");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int partitions =
        (int)
            Math.max(
                jsc.defaultParallelism(),
                Math.min(4096, (ids.tokens() + PARTITION_TOKENS - 1) / PARTITION_TOKENS));
    Map<String, Object> info = RunInfo.header(spark, "encode");
    info.put("parameters", parameters(p, ids, config));
    info.put("model", model(p, config));
    info.put("pattern", p.pattern().parameters());
    info.put("positions", POSITIONS);
    info.put("documents", ids.documents());
    info.put("rows", ids.tokens());
    Map<String, String> tmp = new LinkedHashMap<>();
    try {
      writeAll(
          spark,
          targets,
          0,
          p.overwrite(),
          tmp,
          t -> compute(spark, p, config, ids, partitions, attend, progress, t, info));
    } finally {
      ids.release();
    }
    progress.done(
        "outputs in "
            + String.join(", ", targets)
            + " ("
            + Math.round(ids.tokens() / Math.max(1e-9, progress.totalSeconds()))
            + " tokens/s)");
    return info;
  }

  /** Runs the writer with a temporary directory for every target, committed innermost first. */
  private static void writeAll(
      SparkSession spark,
      List<String> targets,
      int i,
      boolean overwrite,
      Map<String, String> tmp,
      Consumer<Map<String, String>> writer) {
    if (i == targets.size()) {
      writer.accept(tmp);
      return;
    }
    AtomicOutput.write(
        spark,
        targets.get(i),
        overwrite,
        dir -> {
          tmp.put(targets.get(i), dir);
          writeAll(spark, targets, i + 1, overwrite, tmp, writer);
        });
  }

  private static void compute(
      SparkSession spark,
      EncodeParams p,
      EncoderConfig config,
      ModelInput.Ids ids,
      int partitions,
      AttendParams attend,
      Progress progress,
      Map<String, String> tmp,
      Map<String, Object> info) {
    WindowedEncode.Reach reach = p.perLayer() ? null : WindowedEncode.reach(p.pattern());
    Dataset<Row> layer;
    if (reach != null) {
      layer = windowed(spark, p, config, ids, partitions, reach, progress, tmp, info);
    } else {
      info.put("route", "per layer: one attention engine run per layer, then the per-token work");
      layer = perLayer(spark, p, config, ids, partitions, attend, progress, tmp, info);
    }
    try {
      if (p.output() != null) {
        String dir = tmp.get(p.output());
        hidden(layer).write().parquet(dir);
        Map<String, Object> rec = new LinkedHashMap<>(info);
        rec.put(
            "output",
            "last_hidden_state per token: doc_id, pos, hidden (array<float>, "
                + config.hidden()
                + ")");
        rec.put("timings_s", progress.timings());
        AtomicOutput.writeText(spark, dir, "_longattn.json", RunInfo.toJson(rec));
        progress.stage("write", ids.tokens() + " rows to " + p.output());
      }
      if (p.pooledOutput() != null) {
        String dir = tmp.get(p.pooledOutput());
        MeanPool.of(layer, TokenStage.X, partitions).write().parquet(dir);
        Map<String, Object> rec = new LinkedHashMap<>(info);
        rec.put(
            "output",
            "mean of each document's last hidden states (no normalisation): doc_id,"
                + " embedding (array<float>, "
                + config.hidden()
                + ")");
        rec.put("rows", ids.documents());
        rec.put("timings_s", progress.timings());
        AtomicOutput.writeText(spark, dir, "_longattn.json", RunInfo.toJson(rec));
        progress.stage("pool", ids.documents() + " documents to " + p.pooledOutput());
      }
    } finally {
      layer.unpersist();
    }
    info.put("timings_s", progress.timings());
  }

  /** Every layer in one pass over spans with a halo ({@link WindowedEncode}). */
  private static Dataset<Row> windowed(
      SparkSession spark,
      EncodeParams p,
      EncoderConfig config,
      ModelInput.Ids ids,
      int partitions,
      WindowedEncode.Reach reach,
      Progress progress,
      Map<String, String> tmp,
      Map<String, Object> info) {
    int attendLayers = p.finalOutputs() ? config.layers() : p.dumpLayer();
    int span = WindowedEncode.spanTokens(p.spanTokens());
    long[] halo = WindowedEncode.halo(reach, span, attendLayers);
    Map<String, Object> route = new LinkedHashMap<>();
    route.put(
        "name",
        "windowed: all "
            + attendLayers
            + " layers in one pass over spans with a halo (the pattern's reach is bounded)");
    route.put("span_tokens", span);
    route.put("halo_tokens", List.of(halo[0], halo[1]));
    info.put("route", route);
    if (ModelInput.IDS_FORMAT.equals(ids.format())) {
      WindowedEncode.checkPositions(ids.rows(), p.input());
    }
    Dataset<Row> out =
        WindowedEncode.run(
            ids.rows(),
            p.input(),
            p.model(),
            reach,
            p.backend(),
            span,
            attendLayers,
            p.dumpLayer(),
            p.partitions() > 0 ? p.partitions() : partitions);
    int consumers =
        (p.output() != null ? 1 : 0)
            + (p.pooledOutput() != null ? 1 : 0)
            + (p.dumpOutput() != null ? 1 : 0);
    Dataset<Row> layer = consumers > 1 ? materialize(out) : out;
    progress.stage(
        "layers",
        attendLayers
            + " layers ("
            + p.pattern().name()
            + ") in one pass: spans of "
            + span
            + " tokens, halo "
            + halo[0]
            + " + "
            + halo[1]
            + (consumers > 1 ? "" : " (computed while writing)"));
    if (p.dumpOutput() != null) {
      writeDump(spark, p, config, layer, tmp.get(p.dumpOutput()), info, progress);
    }
    return layer;
  }

  /** One attention engine run per layer, the per-token work between them. */
  private static Dataset<Row> perLayer(
      SparkSession spark,
      EncodeParams p,
      EncoderConfig config,
      ModelInput.Ids ids,
      int partitions,
      AttendParams attend,
      Progress progress,
      Map<String, String> tmp,
      Map<String, Object> info) {
    TokenStage embedding = TokenStage.embedding(p.model(), p.input());
    Dataset<Row> layer =
        materialize(
            ids.rows()
                .repartition(partitions, col(TokenTable.DOC_ID), col(TokenTable.POS))
                .mapPartitions(embedding, Encoders.row(embedding.schema())));
    progress.stage("embed", ids.tokens() + " tokens, layer 0 q/k/v");
    int layers = p.layersToRun(config.layers());
    for (int l = 0; l < layers; l++) {
      if (l == p.dumpLayer()) {
        writeDump(spark, p, config, layer, tmp.get(p.dumpOutput()), info, progress);
        if (!p.finalOutputs()) {
          break;
        }
      }
      AttendResult attention =
          AttendEngine.run(
              TokenTable.canonical(
                  layer.select(
                      TokenTable.DOC_ID, TokenTable.POS, TokenTable.Q, TokenTable.K, TokenTable.V),
                  p.input()),
              attend);
      Dataset<Row> out = attention.rows();
      Dataset<Row> x =
          layer.select(TokenTable.DOC_ID, TokenTable.POS, ModelInput.TOKEN_ID, TokenStage.X);
      Dataset<Row> joined =
          x.join(
                  out,
                  x.col(TokenTable.DOC_ID)
                      .equalTo(out.col(TokenTable.DOC_ID))
                      .and(x.col(TokenTable.POS).equalTo(out.col(TokenTable.POS))))
              .select(
                  x.col(TokenTable.DOC_ID),
                  x.col(TokenTable.POS),
                  x.col(ModelInput.TOKEN_ID),
                  x.col(TokenStage.X),
                  out.col(TokenTable.OUT));
      TokenStage finish = TokenStage.finishing(p.model(), l, l + 1 < layers);
      Dataset<Row> next = materialize(joined.mapPartitions(finish, Encoders.row(finish.schema())));
      attention.release().run();
      layer.unpersist();
      layer = next;
      progress.stage(
          "layer " + l, "attention (" + p.pattern().name() + ") + projections, FFN, LayerNorms");
    }
    return layer;
  }

  /** Persists and computes. */
  private static Dataset<Row> materialize(Dataset<Row> d) {
    Dataset<Row> p = d.persist(StorageLevel.MEMORY_AND_DISK());
    p.count();
    return p;
  }

  /** The token output: doc_id, pos, hidden (array&lt;float&gt;). */
  private static Dataset<Row> hidden(Dataset<Row> layer) {
    StructType schema =
        new StructType()
            .add(TokenTable.DOC_ID, DataTypes.StringType, false)
            .add(TokenTable.POS, DataTypes.IntegerType, false)
            .add(HIDDEN, DataTypes.createArrayType(DataTypes.FloatType, false), false);
    return layer
        .select(TokenTable.DOC_ID, TokenTable.POS, TokenStage.X)
        .map(
            (MapFunction<Row, Row>)
                r ->
                    RowFactory.create(
                        r.getString(0), r.getInt(1), FloatBytes.decodeFloats((byte[]) r.getAs(2))),
            Encoders.row(schema));
  }

  /**
   * Layer ℓ's q, k, v as a token table: doc_id, pos, q, k, v (array&lt;float&gt;, heads × 32,
   * head-major), token (the word piece), with a {@code _longattn.json} stating the heads.
   */
  private static void writeDump(
      SparkSession spark,
      EncodeParams p,
      EncoderConfig config,
      Dataset<Row> layer,
      String dir,
      Map<String, Object> info,
      Progress progress) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<String[]> vocabulary = jsc.broadcast(p.model().vocabulary());
    StructType schema =
        new StructType()
            .add(TokenTable.DOC_ID, DataTypes.StringType, false)
            .add(TokenTable.POS, DataTypes.IntegerType, false)
            .add(TokenTable.Q, DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add(TokenTable.K, DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add(TokenTable.V, DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add(TOKEN, DataTypes.StringType, false);
    try {
      layer
          .select(
              TokenTable.DOC_ID,
              TokenTable.POS,
              TokenTable.Q,
              TokenTable.K,
              TokenTable.V,
              ModelInput.TOKEN_ID)
          .map(
              (MapFunction<Row, Row>)
                  r ->
                      RowFactory.create(
                          r.getString(0),
                          r.getInt(1),
                          FloatBytes.decodeFloats((byte[]) r.getAs(2)),
                          FloatBytes.decodeFloats((byte[]) r.getAs(3)),
                          FloatBytes.decodeFloats((byte[]) r.getAs(4)),
                          vocabulary.value()[r.getInt(5)]),
              Encoders.row(schema))
          .write()
          .parquet(dir);
    } finally {
      vocabulary.destroy();
    }
    Map<String, Object> rec = new LinkedHashMap<>(info);
    rec.put(
        "output",
        "layer "
            + p.dumpLayer()
            + "'s q, k, v (after their biases; softmax scale 1/sqrt(head_dim) not applied) and"
            + " token strings");
    rec.put("layer", p.dumpLayer());
    rec.put(
        TableLayout.SECTION,
        TableLayout.section(config.heads(), config.headDim(), config.headDim()));
    rec.put("timings_s", progress.timings());
    AtomicOutput.writeText(spark, dir, "_longattn.json", RunInfo.toJson(rec));
    progress.stage("dump-qkv", "layer " + p.dumpLayer() + " q/k/v to " + p.dumpOutput());
  }

  private static Map<String, Object> parameters(
      EncodeParams p, ModelInput.Ids ids, EncoderConfig config) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("input", p.input());
    m.put("input_format", ids.format());
    m.put("output", p.output());
    m.put("pooled_output", p.pooledOutput());
    m.put("dump_qkv", p.dumpLayer() < 0 ? null : p.dumpLayer());
    m.put("dump_output", p.dumpOutput());
    m.put("backend", p.backend());
    m.put("span_tokens", p.spanTokens());
    m.put("partitions", p.partitions());
    m.put("layers_run", p.layersToRun(config.layers()));
    return m;
  }

  private static Map<String, Object> model(EncodeParams p, EncoderConfig c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", p.model().modelName());
    m.put("source", p.model().source());
    m.put("layers", c.layers());
    m.put("hidden", c.hidden());
    m.put("heads", c.heads());
    m.put("head_dim", c.headDim());
    m.put("ffn", c.ffn());
    m.put("vocabulary", c.vocab());
    m.put("max_positions", c.maxPositions());
    m.put("pooling", "mean over every token of the document, not normalised");
    return m;
  }
}
