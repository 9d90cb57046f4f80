package org.longattn.ml;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.attend.AttendEngine;
import org.longattn.jobs.attend.AttendParams;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.score.ScoreFunction;

/**
 * Attention over very long documents as a Spark ML {@link Transformer}: a token table in (one row
 * per token: document id, position, q, k, v; optional {@code global}, {@code mask}, {@code gate}),
 * the output table out (document id, position, output vector; with {@link #setStats} the per-head
 * {@code entropy}, {@code mean_distance}, {@code max_weight}, {@code global_mass}) — the same
 * engine and the same rows, bitwise, as {@code attend} with the same parameters. Nothing is fitted;
 * it saves and loads with its parameters ({@link #write()}, {@link #load}) and works in a {@code
 * Pipeline}.
 *
 * <p>Parameters are named after the Hugging Face configs where one exists ({@code
 * num_attention_heads}, {@code attention_window}, {@code block_size}, {@code num_random_blocks});
 * each maps to the {@code attend} flag of the same meaning: {@code attentionWindow} is the
 * one-sided window w of {@code --window} (a Hugging Face {@code attention_window} of 512 is 256
 * here). {@code pattern} and {@code numAttentionHeads} have no default.
 */
public final class LongAttention extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  /** Names the input in messages, where {@code attend} names its path. */
  static final String INPUT_LABEL = "dataset";

  private static final List<String> PATTERNS = Families.names(f -> true);

  private final String uid;
  private final Param<String> pattern;
  private final IntParam numAttentionHeads;
  private final IntParam attentionWindow;
  private final IntParam blockSize;
  private final IntParam numRandomBlocks;
  private final IntParam dilation;
  private final IntParam sinks;
  private final BooleanParam causal;
  private final Param<String> scoreFunction;
  private final LongParam seed;
  private final BooleanParam stats;
  private final Param<String> docIdCol;
  private final Param<String> posCol;
  private final Param<String> queryCol;
  private final Param<String> keyCol;
  private final Param<String> valueCol;
  private final Param<String> outputCol;

  public LongAttention() {
    this(Identifiable$.MODULE$.randomUID("longAttention"));
  }

  public LongAttention(String uid) {
    this.uid = uid;
    pattern =
        new Param<>(
            uid,
            "pattern",
            "attention family: " + String.join(" | ", PATTERNS) + " (required)",
            ParamValidators.inArray(PATTERNS.toArray(new String[0])));
    numAttentionHeads =
        new IntParam(
            uid,
            "numAttentionHeads",
            "heads q, k, v split into: head_dim = len(q) / heads (required)",
            ParamValidators.gtEq(1));
    attentionWindow =
        new IntParam(
            uid,
            "attentionWindow",
            "longformer: one-sided window w, |i - j| <= w * dilation; sink: window W, i - j < W",
            ParamValidators.gtEq(0));
    blockSize = new IntParam(uid, "blockSize", "tokens per block", ParamValidators.gtEq(1));
    numRandomBlocks =
        new IntParam(
            uid,
            "numRandomBlocks",
            "bigbird: random key blocks per query block",
            ParamValidators.gtEq(0));
    dilation = new IntParam(uid, "dilation", "longformer: dilation", ParamValidators.gtEq(1));
    sinks =
        new IntParam(uid, "sinks", "sink: first tokens every query reads", ParamValidators.gtEq(1));
    causal = new BooleanParam(uid, "causal", "only keys j <= i");
    scoreFunction =
        new Param<>(
            uid,
            "scoreFunction",
            "score s(q, k) of the softmax patterns: " + String.join(" | ", ScoreFunction.NAMES),
            ParamValidators.inArray(ScoreFunction.NAMES.toArray(new String[0])));
    seed = new LongParam(uid, "seed", "seed of random blocks, features and filters");
    stats =
        new BooleanParam(
            uid, "stats", "also output entropy, mean_distance, max_weight, global_mass per head");
    docIdCol = new Param<>(uid, "docIdCol", "document id column (string)");
    posCol = new Param<>(uid, "posCol", "position column (int, 0..n-1 per document)");
    queryCol = new Param<>(uid, "queryCol", "query vector column (heads x head_dim values)");
    keyCol = new Param<>(uid, "keyCol", "key vector column (heads x head_dim values)");
    valueCol = new Param<>(uid, "valueCol", "value vector column (heads x value_dim values)");
    outputCol = new Param<>(uid, "outputCol", "output vector column (heads x value_dim values)");
    setDefault(attentionWindow, (Object) 256);
    setDefault(blockSize, (Object) 64);
    setDefault(numRandomBlocks, (Object) 3);
    setDefault(dilation, (Object) 1);
    setDefault(sinks, (Object) 4);
    setDefault(causal, (Object) false);
    setDefault(scoreFunction, "scaled-dot");
    setDefault(seed, (Object) 0L);
    setDefault(stats, (Object) false);
    setDefault(docIdCol, TokenTable.DOC_ID);
    setDefault(posCol, TokenTable.POS);
    setDefault(queryCol, TokenTable.Q);
    setDefault(keyCol, TokenTable.K);
    setDefault(valueCol, TokenTable.V);
    setDefault(outputCol, TokenTable.OUT);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** Reads a saved {@code LongAttention} (Spark ML's params format). */
  public static MLReader<LongAttention> read() {
    return new DefaultParamsReader<>();
  }

  public static LongAttention load(String path) {
    return read().load(path);
  }

  // Spark ML finds the params through their public no-argument accessors.

  public Param<String> pattern() {
    return pattern;
  }

  public IntParam numAttentionHeads() {
    return numAttentionHeads;
  }

  public IntParam attentionWindow() {
    return attentionWindow;
  }

  public IntParam blockSize() {
    return blockSize;
  }

  public IntParam numRandomBlocks() {
    return numRandomBlocks;
  }

  public IntParam dilation() {
    return dilation;
  }

  public IntParam sinks() {
    return sinks;
  }

  public BooleanParam causal() {
    return causal;
  }

  public Param<String> scoreFunction() {
    return scoreFunction;
  }

  public LongParam seed() {
    return seed;
  }

  public BooleanParam stats() {
    return stats;
  }

  public Param<String> docIdCol() {
    return docIdCol;
  }

  public Param<String> posCol() {
    return posCol;
  }

  public Param<String> queryCol() {
    return queryCol;
  }

  public Param<String> keyCol() {
    return keyCol;
  }

  public Param<String> valueCol() {
    return valueCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  // Getters and chaining setters.

  public String getPattern() {
    return $(pattern);
  }

  public LongAttention setPattern(String value) {
    return put(pattern, value);
  }

  public int getNumAttentionHeads() {
    return (Integer) $(numAttentionHeads);
  }

  public LongAttention setNumAttentionHeads(int value) {
    return put(numAttentionHeads, value);
  }

  public int getAttentionWindow() {
    return (Integer) $(attentionWindow);
  }

  public LongAttention setAttentionWindow(int value) {
    return put(attentionWindow, value);
  }

  public int getBlockSize() {
    return (Integer) $(blockSize);
  }

  public LongAttention setBlockSize(int value) {
    return put(blockSize, value);
  }

  public int getNumRandomBlocks() {
    return (Integer) $(numRandomBlocks);
  }

  public LongAttention setNumRandomBlocks(int value) {
    return put(numRandomBlocks, value);
  }

  public int getDilation() {
    return (Integer) $(dilation);
  }

  public LongAttention setDilation(int value) {
    return put(dilation, value);
  }

  public int getSinks() {
    return (Integer) $(sinks);
  }

  public LongAttention setSinks(int value) {
    return put(sinks, value);
  }

  public boolean getCausal() {
    return (Boolean) $(causal);
  }

  public LongAttention setCausal(boolean value) {
    return put(causal, value);
  }

  public String getScoreFunction() {
    return $(scoreFunction);
  }

  public LongAttention setScoreFunction(String value) {
    return put(scoreFunction, value);
  }

  public long getSeed() {
    return (Long) $(seed);
  }

  public LongAttention setSeed(long value) {
    return put(seed, value);
  }

  public boolean getStats() {
    return (Boolean) $(stats);
  }

  public LongAttention setStats(boolean value) {
    return put(stats, value);
  }

  public String getDocIdCol() {
    return $(docIdCol);
  }

  public LongAttention setDocIdCol(String value) {
    return put(docIdCol, value);
  }

  public String getPosCol() {
    return $(posCol);
  }

  public LongAttention setPosCol(String value) {
    return put(posCol, value);
  }

  public String getQueryCol() {
    return $(queryCol);
  }

  public LongAttention setQueryCol(String value) {
    return put(queryCol, value);
  }

  public String getKeyCol() {
    return $(keyCol);
  }

  public LongAttention setKeyCol(String value) {
    return put(keyCol, value);
  }

  public String getValueCol() {
    return $(valueCol);
  }

  public LongAttention setValueCol(String value) {
    return put(valueCol, value);
  }

  public String getOutputCol() {
    return $(outputCol);
  }

  public LongAttention setOutputCol(String value) {
    return put(outputCol, value);
  }

  private <T> LongAttention put(Param<T> param, Object value) {
    @SuppressWarnings("unchecked")
    Param<Object> p = (Param<Object>) (Param<?>) param;
    set(p, value);
    return this;
  }

  // The transformation.

  @Override
  public LongAttention copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /**
   * The output schema: document id, position and output columns (as named by {@code docIdCol},
   * {@code posCol}, {@code outputCol}), then the statistics with {@code stats}.
   *
   * @throws InputException (one line, as {@code attend} words it) for a missing or mistyped column
   *     or a parameter combination the family refuses
   */
  @Override
  public StructType transformSchema(StructType schema) {
    AttendParams p = attendParams();
    StructType tokens = renamed(schema);
    try {
      TokenTable.checkSchema(tokens, INPUT_LABEL);
    } catch (InputException e) {
      throw new InputException(userNames(e.getMessage()));
    }
    AttendEngine.checkParameters(p);
    StructType out =
        TokenTable.outputSchema(
            p.heads(), p.stats(), false, TokenTable.has(tokens, TokenTable.MASK));
    return renameOutput(out);
  }

  /**
   * The output rows, lazy: computed when an action runs them. What the engine persists on the way
   * (span outputs) is freed by Spark's cleaner once the returned Dataset is unreachable.
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    Dataset<Row> tokens = dataset.select(renamedColumns(dataset.schema()));
    Dataset<Row> out = AttendEngine.attend(tokens, attendParams());
    for (String[] r : outputNames()) {
      if (!r[0].equals(r[1])) {
        out = out.withColumnRenamed(r[0], r[1]);
      }
    }
    return out;
  }

  /** The engine's parameters, checked as {@code attend} checks its flags. */
  AttendParams attendParams() {
    if (!isDefined(pattern)) {
      throw new InputException(
          "pattern is required (setPattern): one of " + String.join(", ", PATTERNS));
    }
    if (!isDefined(numAttentionHeads)) {
      throw new InputException(
          "numAttentionHeads is required (setNumAttentionHeads): q, k and v hold heads x"
              + " head_dim values");
    }
    String name = getPattern();
    Family family = Families.of(name);
    onlyFor(attentionWindow, family, org.longattn.kernels.pattern.Param.WINDOW);
    onlyFor(dilation, family, org.longattn.kernels.pattern.Param.DILATION);
    onlyFor(numRandomBlocks, family, org.longattn.kernels.pattern.Param.RANDOM_BLOCKS);
    onlyFor(sinks, family, org.longattn.kernels.pattern.Param.SINKS);
    PatternSpec spec =
        PatternSpec.of(
            name,
            getBlockSize(),
            getSeed(),
            getCausal(),
            false,
            Map.of(
                org.longattn.kernels.pattern.Param.WINDOW, getAttentionWindow(),
                org.longattn.kernels.pattern.Param.DILATION, getDilation(),
                org.longattn.kernels.pattern.Param.RANDOM_BLOCKS, getNumRandomBlocks(),
                org.longattn.kernels.pattern.Param.SINKS, getSinks()));
    if (getCausal() && family.causalRefusal() != null) {
      throw new InputException(
          "causal is not supported by pattern " + name + ": " + family.causalRefusal());
    }
    try {
      if (family.shape() != Shape.SCAN) {
        spec.build(); // rejects bad parameters now
      }
    } catch (IllegalArgumentException e) {
      throw new InputException(e.getMessage());
    }
    if (getStats() && (family.shape() == Shape.SCAN || family.convolutionKernel())) {
      throw new InputException(
          "stats is not defined for pattern "
              + name
              + " (entropy, distance and max weight need every pair's weight)");
    }
    String score = getScoreFunction();
    boolean attention = family.shape() != Shape.SCAN && family.shape() != Shape.SPECTRAL;
    if (isSet(scoreFunction) && (!attention || family.convolutionKernel())) {
      throw new InputException("scoreFunction applies to softmax patterns, not to pattern " + name);
    }
    return new AttendParams(
        INPUT_LABEL,
        null,
        false,
        getNumAttentionHeads(),
        spec,
        getStats(),
        score.equals("additive") ? "java" : "auto", // additive: the java backend only, as attend
        32768,
        0,
        false,
        score,
        null,
        null);
  }

  private void onlyFor(
      Param<?> param, Family family, org.longattn.kernels.pattern.Param familyParam) {
    if (isSet(param) && !family.params().contains(familyParam)) {
      throw new InputException(
          param.name()
              + " only applies to pattern "
              + Families.taking(familyParam)
              + " (got pattern "
              + getPattern()
              + ")");
    }
  }

  /** (table column, user's column) for the five renamed input columns. */
  private String[][] inputNames() {
    return new String[][] {
      {TokenTable.DOC_ID, getDocIdCol()},
      {TokenTable.POS, getPosCol()},
      {TokenTable.Q, getQueryCol()},
      {TokenTable.K, getKeyCol()},
      {TokenTable.V, getValueCol()}
    };
  }

  private String[][] outputNames() {
    return new String[][] {
      {TokenTable.DOC_ID, getDocIdCol()},
      {TokenTable.POS, getPosCol()},
      {TokenTable.OUT, getOutputCol()}
    };
  }

  /** The input schema as the engine sees it: the five columns under the token table's names. */
  private StructType renamed(StructType schema) {
    StructType out = new StructType();
    for (String[] r : inputNames()) {
      if (TokenTable.has(schema, r[1])) {
        out = out.add(r[0], schema.apply(r[1]).dataType(), schema.apply(r[1]).nullable());
      }
    }
    for (String c : List.of(TokenTable.GLOBAL, TokenTable.GATE, TokenTable.MASK)) {
      if (TokenTable.has(schema, c)) {
        out = out.add(schema.apply(c));
      }
    }
    return out;
  }

  private Column[] renamedColumns(StructType schema) {
    List<Column> cols = new ArrayList<>();
    for (String[] r : inputNames()) {
      cols.add(col(r[1]).as(r[0]));
    }
    for (String c : List.of(TokenTable.GLOBAL, TokenTable.GATE, TokenTable.MASK)) {
      if (TokenTable.has(schema, c)) {
        cols.add(col(c));
      }
    }
    return cols.toArray(new Column[0]);
  }

  private StructType renameOutput(StructType out) {
    Map<String, String> names = new java.util.HashMap<>();
    for (String[] r : outputNames()) {
      names.put(r[0], r[1]);
    }
    StructType s = new StructType();
    for (StructField f : out.fields()) {
      s = s.add(names.getOrDefault(f.name(), f.name()), f.dataType(), f.nullable());
    }
    return s;
  }

  /** A message about the table's columns, naming the user's columns instead. */
  private String userNames(String message) {
    String m = message;
    for (String[] r : inputNames()) {
      m = m.replace("column '" + r[0] + "'", "column '" + r[1] + "'");
    }
    return m;
  }
}
