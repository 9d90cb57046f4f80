package org.longattn.jobs.encode;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenTable;
import org.longattn.datasets.model.PretrainedModel;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.Backends;
import org.longattn.kernels.cpu.JavaAttentionBackend;
import org.longattn.kernels.model.Encoder;
import org.longattn.kernels.model.EncoderConfig;
import org.longattn.kernels.model.LocalSelfAttention;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.pattern.BlockLocalPattern;
import org.longattn.kernels.pattern.LongformerPattern;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * {@code encode} for patterns whose reach is bounded — {@code longformer} (any window, dilation,
 * direction; {@code encode}'s input has no global tokens) and {@code blocked} — with every layer in
 * one pass instead of one engine run per layer: after L layers a token depends only on the tokens
 * within L reaches of it, so a span of a document can run all layers from its own rows plus a halo.
 *
 * <pre>
 *   span t of a document = positions [t·S, (t+1)·S)          S = --span-tokens (whole query chunks)
 *   halo of span t       = {@link LocalSelfAttention#reach}(t·S, (t+1)·S, L) ∖ span t
 *   rows   → every span whose span + halo holds them (a row goes to its span and to neighbours
 *            whose halo reaches it), range-partitioned by (doc_id, span) (balanced spans per
 *            task), sorted by (doc_id, span, pos)
 *   span t → {@link Encoder#forwardWindow}: embed + L layers on the span and its halo, each layer
 *            only where the later ones need it → x (and a dumped layer's q, k, v) of span t's rows
 * </pre>
 *
 * The attention is the engine's kernel ({@link AttentionBackend#accumulate}) over the same keys;
 * each query's keys and their order depend on its position alone (the query-chunk grid of {@link
 * LocalSelfAttention}), so every output is bitwise the same for any S and any partitioning, and
 * equal to the whole document computed in one piece. The halo costs extra work only: with a window
 * w on the chunk grid, ≈ L(L+1)·w rows of one layer per span (11 % for 6 layers, w = 256, S =
 * 16,384). No task ever holds more than one span and its halo; nothing is N×N.
 */
public final class WindowedEncode {
  static final String SPAN = "_span";

  private static final StructType ROUTED =
      new StructType()
          .add(TokenTable.DOC_ID, DataTypes.StringType, false)
          .add(SPAN, DataTypes.IntegerType, false)
          .add(TokenTable.POS, DataTypes.IntegerType, false)
          .add(ModelInput.TOKEN_ID, DataTypes.IntegerType, false);

  /** The attention of one layer, as the tasks rebuild it: a band, within blocks or not. */
  public record Reach(int left, int right, int dilation, int blockSize) implements Serializable {
    /** The layer's attention with these kernels. */
    public LocalSelfAttention attention(AttentionBackend backend) {
      return new LocalSelfAttention(backend, new Band(left, right, dilation), blockSize);
    }

    /** For the reach arithmetic only (never attends). */
    LocalSelfAttention geometry() {
      return attention(new JavaAttentionBackend());
    }
  }

  private WindowedEncode() {}

  /** The pattern's reach when every layer can run in one pass, else null (the engine's route). */
  public static Reach reach(PatternSpec spec) {
    AttentionPattern p = spec.family().build(spec);
    if (p.columnGroups() != null || p.globalPositions(1 << 20, new int[0]).length > 0) {
      return null;
    }
    Band b = p.band();
    if (p instanceof LongformerPattern) {
      return new Reach(b.left(), b.right(), b.dilation(), 0);
    }
    if (p instanceof BlockLocalPattern) {
      return new Reach(b.left(), b.right(), b.dilation(), p.blockSize());
    }
    return null;
  }

  /** S: {@code spanTokens} rounded down to whole query chunks (at least one). */
  public static int spanTokens(int spanTokens) {
    int chunk = LocalSelfAttention.CHUNK;
    return Math.max(chunk, spanTokens / chunk * chunk);
  }

  /**
   * Checks that every document's positions are 0..n−1 exactly once (the spans assume it): one
   * aggregation per document, and only on a failure a search for the position to name.
   */
  static void checkPositions(Dataset<Row> ids, String input) {
    Dataset<Row> perDoc =
        ids.groupBy(col(TokenTable.DOC_ID))
            .agg(
                min(TokenTable.POS).as("lo"),
                max(TokenTable.POS).as("hi"),
                count(lit(1)).as("rows"),
                count(TokenTable.POS).as("positions"));
    List<Row> bad =
        perDoc
            .where(
                col(TokenTable.DOC_ID)
                    .isNull()
                    .or(col("positions").notEqual(col("rows")))
                    .or(col("lo").notEqual(lit(0)))
                    .or(col("hi").plus(lit(1L)).notEqual(col("rows"))))
            .limit(1)
            .collectAsList();
    if (bad.isEmpty()) {
      return;
    }
    Row b = bad.get(0);
    if (b.isNullAt(0)) {
      throw new InputException("input '" + input + "' column 'doc_id': null document id");
    }
    String doc = b.getString(0);
    if (b.getLong(4) != b.getLong(3)) {
      throw new InputException("doc '" + doc + "' column 'pos': null position");
    }
    int lo = b.getInt(1);
    int hi = b.getInt(2);
    long rows = b.getLong(3);
    if (lo < 0) {
      throw new InputException("doc '" + doc + "' pos " + lo + " column 'pos': negative position");
    }
    Dataset<Row> positions = ids.where(col(TokenTable.DOC_ID).equalTo(doc));
    List<Row> dup =
        positions
            .groupBy(TokenTable.POS)
            .count()
            .where(col("count").gt(1))
            .orderBy(TokenTable.POS)
            .limit(1)
            .collectAsList();
    if (!dup.isEmpty()) {
      throw new InputException(
          "doc '" + doc + "' pos " + dup.get(0).getInt(0) + " column 'pos': duplicate position");
    }
    long missing =
        ids.sparkSession()
            .range(0, (long) hi + 1)
            .toDF()
            .except(positions.select(col(TokenTable.POS).cast(DataTypes.LongType)))
            .orderBy("id")
            .first()
            .getLong(0);
    throw new InputException(
        "doc '"
            + doc
            + "' pos "
            + missing
            + " column 'pos': position missing (positions must be 0.."
            + (rows - 1)
            + " exactly once; found "
            + rows
            + " rows up to pos "
            + hi
            + ")");
  }

  /**
   * Rows (doc_id, pos, token_id, x [, q, k, v]) as {@link TokenStage#schema(boolean)}: x after
   * {@code layers} layers, and with {@code captureLayer} ≥ 0 that layer's q, k, v.
   */
  static Dataset<Row> run(
      Dataset<Row> ids,
      String input,
      PretrainedModel model,
      Reach reach,
      String backend,
      int spanTokens,
      int layers,
      int captureLayer,
      int partitions) {
    int span = spanTokens(spanTokens);
    Route route =
        new Route(reach, span, layers, input, model.modelName(), model.encoder().config().vocab());
    Dataset<Row> routed =
        ids.flatMap(route, Encoders.row(ROUTED))
            .repartitionByRange(partitions, col(TokenTable.DOC_ID), col(SPAN))
            .sortWithinPartitions(TokenTable.DOC_ID, SPAN, TokenTable.POS);
    SpanTask task = new SpanTask(model, reach, backend, span, layers, captureLayer);
    return routed.mapPartitions(task, Encoders.row(TokenStage.schema(captureLayer >= 0)));
  }

  /** The halo on each side of a span: rows of one layer's reach, times the layers. */
  static long[] halo(Reach reach, int spanTokens, int layers) {
    int span = spanTokens(spanTokens);
    long[] r = reach.geometry().reach(span, 2L * span, layers);
    return new long[] {span - r[0], r[1] - 2L * span};
  }

  /** A row → (doc_id, span, pos, token_id) for its span and every span whose halo holds it. */
  private static final class Route implements FlatMapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final Reach reach;
    private final int span;
    private final int layers;
    private final String input;
    private final String modelName;
    private final int vocab;
    private transient LocalSelfAttention geometry;

    Route(Reach reach, int span, int layers, String input, String modelName, int vocab) {
      this.reach = reach;
      this.span = span;
      this.layers = layers;
      this.input = input;
      this.modelName = modelName;
      this.vocab = vocab;
    }

    @Override
    public Iterator<Row> call(Row r) {
      TokenStage.check(r, input, modelName, vocab);
      if (geometry == null) {
        geometry = reach.geometry();
      }
      String doc = r.getString(0);
      int pos = r.getInt(1);
      int id = r.getInt(2);
      int home = pos / span;
      List<Row> out = new ArrayList<>(3);
      for (int t = home - 1; t >= 0 && reachOf(t)[1] > pos; t--) {
        out.add(RowFactory.create(doc, t, pos, id));
      }
      out.add(RowFactory.create(doc, home, pos, id));
      for (int t = home + 1; reachOf(t)[0] <= pos; t++) {
        out.add(RowFactory.create(doc, t, pos, id));
      }
      return out.iterator();
    }

    private long[] reachOf(int t) {
      return geometry.reach((long) t * span, (long) (t + 1) * span, layers);
    }
  }

  /** Runs the spans of one partition (rows sorted by doc_id, span, pos). */
  private static final class SpanTask implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final PretrainedModel model;
    private final Reach reach;
    private final String backend;
    private final int span;
    private final int layers;
    private final int captureLayer;

    SpanTask(
        PretrainedModel model,
        Reach reach,
        String backend,
        int span,
        int layers,
        int captureLayer) {
      this.model = model;
      this.reach = reach;
      this.backend = backend;
      this.span = span;
      this.layers = layers;
      this.captureLayer = captureLayer;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      if (!rows.hasNext()) {
        return Collections.emptyIterator();
      }
      Encoder encoder = model.encoder();
      AttentionBackend kernels = Backends.create(backend);
      LocalSelfAttention attention = reach.attention(kernels);
      return new Iterator<>() {
        Row pending = rows.next();
        Iterator<Row> ready = Collections.emptyIterator();
        boolean closed;

        @Override
        public boolean hasNext() {
          while (!ready.hasNext() && pending != null) {
            ready = nextSpan();
          }
          if (!ready.hasNext() && !closed) {
            closed = true;
            kernels.close();
          }
          return ready.hasNext();
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return ready.next();
        }

        private Iterator<Row> nextSpan() {
          String doc = pending.getString(0);
          int t = pending.getInt(1);
          int first = pending.getInt(2);
          long[] want = attention.reach((long) t * span, (long) (t + 1) * span, layers);
          if (first > want[0]) {
            throw missing(doc, (int) want[0]);
          }
          int[] ids = new int[1024];
          int m = 0;
          while (pending != null && pending.getInt(1) == t && pending.getString(0).equals(doc)) {
            int pos = pending.getInt(2);
            if (pos != first + m) {
              throw pos < first + m
                  ? new InputException(
                      "doc '" + doc + "' pos " + pos + " column 'pos': duplicate position")
                  : missing(doc, first + m);
            }
            if (m == ids.length) {
              ids = Arrays.copyOf(ids, 2 * m);
            }
            ids[m++] = pending.getInt(3);
            pending = rows.hasNext() ? rows.next() : null;
          }
          int c0 = t * span;
          int c1 = (int) Math.min((long) c0 + span, (long) first + m);
          if (c1 <= c0) {
            return Collections.emptyIterator(); // the document ends before this span
          }
          Encoder.Window w =
              encoder.forwardWindow(ids, first, m, c0, c1, layers, attention, captureLayer);
          return rows(doc, c0, c1, ids, first, w);
        }
      };
    }

    private Iterator<Row> rows(String doc, int c0, int c1, int[] ids, int first, Encoder.Window w) {
      EncoderConfig c = model.encoder().config();
      int h = c.hidden();
      List<Row> out = new ArrayList<>(c1 - c0);
      for (int p = c0; p < c1; p++) {
        int i = p - c0;
        byte[] x = new byte[4 * h];
        FloatBytes.encodeFloats(w.x(), i * h, h, x);
        if (w.qkv() == null) {
          out.add(RowFactory.create(doc, p, ids[p - first], x));
          continue;
        }
        byte[] q = new byte[4 * h];
        byte[] k = new byte[4 * h];
        byte[] v = new byte[4 * h];
        FloatBytes.encodeFloats(w.qkv(), i * 3 * h, h, q);
        FloatBytes.encodeFloats(w.qkv(), i * 3 * h + h, h, k);
        FloatBytes.encodeFloats(w.qkv(), i * 3 * h + 2 * h, h, v);
        out.add(RowFactory.create(doc, p, ids[p - first], x, q, k, v));
      }
      return out.iterator();
    }

    private static InputException missing(String doc, int pos) {
      return new InputException(
          "doc '"
              + doc
              + "' pos "
              + pos
              + " column 'pos': position missing (positions must be 0..n-1 exactly once)");
    }
  }
}
