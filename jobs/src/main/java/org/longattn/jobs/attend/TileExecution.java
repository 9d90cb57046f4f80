package org.longattn.jobs.attend;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.RunInfo;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TileAttention;
import org.longattn.kernels.span.TokenBlock;
import org.longattn.kernels.state.SoftmaxState;
import scala.Tuple2;

/**
 * Exact dense attention of long documents as a grid of tiles (README, "Exact dense attention at
 * scale"). A document of S spans (the key chunks are the spans) has the tiles (i, j): query span i
 * against key chunk j, all S² of them, or only j ≤ i when causal (tiles above the diagonal are
 * never formed). Steps:
 *
 * <ol>
 *   <li>route: the rows are packed into block records by {@link RouteRows} (as the span path does,
 *       each block once to its own span), then each record is replicated by key: its q part to the
 *       tiles of its query span, its k, v part to the tiles of its key chunk, one shuffle;
 *   <li>tiles: per tile, per group of query rows, the partial softmax state over its chunk ({@link
 *       TileAttention});
 *   <li>merge: a sort by (document, row group, chunk) brings a group's partial states together in
 *       chunk order; they are folded over chunk ids ({@link StateMerge}) and written as rows.
 * </ol>
 *
 * No task holds more than one query span and one key chunk; nothing is N×N. The association depends
 * on chunk ids only, so the output is bitwise the same for any partitioning.
 */
public final class TileExecution implements Execution {
  static final TileExecution INSTANCE = new TileExecution();

  private TileExecution() {}

  /**
   * Whether the tiles run a planned {@code --pattern dense} input: when some document has more than
   * one span.
   */
  static boolean applies(PlannedInput in) {
    Routing blocks = in.blockLocal();
    return applies(in.params(), in.plans(), blocks::numBlocks, blocks.spanBlocks());
  }

  /**
   * The same decision before the input stage ({@code attend --dry-run}): {@code numBlocks} maps a
   * document length to its block count, {@code spanBlocks} is the span size in blocks.
   */
  static boolean applies(
      AttendParams p,
      Map<String, DocPlan> plans,
      java.util.function.IntUnaryOperator numBlocks,
      int spanBlocks) {
    // The tiles implement the scaled dot product with an optional causal cut. Anything else
    // (anticausal, other score functions, padding) runs on the span path, which handles it all —
    // exact too, at the cost of shipping every key block to every span.
    return p.pattern().family().shape() == Shape.TILES
        && !p.pattern().anticausal()
        && p.score().equals("scaled-dot")
        && plans.values().stream().allMatch(d -> d.padding().length == 0)
        && plans.values().stream().anyMatch(d -> numBlocks.applyAsInt(d.n()) > spanBlocks);
  }

  /** Rows per merge group: whole blocks, at most ~1024 rows, dividing the span. */
  public static int groupRows(int blockSize, int spanBlocks) {
    return blockSize * Math.min(spanBlocks, Integer.highestOneBit(Math.max(1, 1024 / blockSize)));
  }

  /** The tile grid of one document. */
  record Grid(int spans, boolean causal) implements java.io.Serializable {
    int tiles() {
      return causal ? spans * (spans + 1) / 2 : spans * spans;
    }

    int index(int qspan, int kchunk) {
      return causal ? qspan * (qspan + 1) / 2 + kchunk : qspan * spans + kchunk;
    }

    /** Key chunks read by query span i. */
    int chunksOf(int qspan) {
      return causal ? qspan + 1 : spans;
    }
  }

  @Override
  public String device(AttendParams p) {
    return SpanExecution.INSTANCE.device(p);
  }

  /** The span path's plan line: the tiles are chosen after it, from the plan. */
  @Override
  public String describe(PlannedInput in) {
    return SpanExecution.INSTANCE.describe(in);
  }

  @Override
  public AttendResult run(PlannedInput in) {
    AttendParams p = in.params();
    HeadShape shape = in.shape();
    Map<String, DocPlan> plans = in.plans();
    JavaSparkContext jsc = in.jsc();
    boolean causal = p.pattern().causal();
    int spanBlocks = p.spanBlocks();
    int spanTokens = in.blockLocal().spanTokens();
    int group = groupRows(p.pattern().blockSize(), spanBlocks);
    Map<String, Long> firstTile = new HashMap<>();
    long tiles = 0;
    long spans = 0;
    long tokens = 0;
    for (DocPlan d : new java.util.TreeMap<>(plans).values()) {
      Grid g = grid(in.blockLocal(), d.n(), causal);
      firstTile.put(d.docId(), tiles);
      tiles += g.tiles();
      spans += g.spans();
      tokens += d.n();
    }
    // About four tiles per span, at least one partition per core; tiles stream one at a time.
    int tilePartitions =
        p.partitions() > 0
            ? p.partitions()
            : (int)
                Math.max(
                    1,
                    Math.min(
                        Math.min(tiles, 1 << 16), Math.max(jsc.defaultParallelism(), 4 * spans)));
    long groupSlots = spans * (spanTokens / group);
    int mergePartitions =
        p.partitions() > 0
            ? p.partitions()
            : (int) Math.max(1, Math.min(groupSlots, Math.max(jsc.defaultParallelism(), spans)));
    in.progress()
        .stage(
            "tiles",
            tiles
                + " tiles of "
                + spanTokens
                + " x "
                + spanTokens
                + " tokens"
                + (causal ? " (causal: none above the diagonal)" : "")
                + ", "
                + tilePartitions
                + " partitions");

    Broadcast<Map<String, DocPlan>> bPlans = jsc.broadcast(plans);
    Broadcast<Map<String, Long>> bFirstTile = jsc.broadcast(firstTile);
    LongAccumulator kvBytes = jsc.sc().longAccumulator("kv bytes");
    LongAccumulator unused = jsc.sc().longAccumulator("kv bytes to other spans (none here)");
    LongAccumulator kvShipped = jsc.sc().longAccumulator("kv bytes shipped to tiles");
    LongAccumulator qShipped = jsc.sc().longAccumulator("q bytes shipped to tiles");
    LongAccumulator stateBytes = jsc.sc().longAccumulator("partial state bytes");
    // Block-local routing sends each block once, to its own span only; the tiles replicate it.
    JavaPairRDD<TileKey, byte[]> routed =
        in.tokens()
            .queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitionsToPair(
                new RouteRows(in.decoder(), bPlans, in.blockLocal(), shape, kvBytes, unused))
            .flatMapToPair(new Replicate(bPlans, bFirstTile, p, shape, kvShipped, qShipped))
            .repartitionAndSortWithinPartitions(new SlotPartitioner(tilePartitions), TileKey.ORDER);
    Tiles compute = new Tiles(bPlans, p, shape, group, stateBytes);
    StateMerge merge = new StateMerge(shape, group, false, new SpanTasks(bPlans, p, shape));
    JavaRDD<Row> rows =
        routed
            .mapPartitionsToPair(compute::call)
            .repartitionAndSortWithinPartitions(new SlotPartitioner(mergePartitions), TileKey.ORDER)
            .mapPartitions(merge::rows);
    Dataset<Row> out =
        in.spark()
            .createDataFrame(
                rows, TokenTable.outputSchema(shape.heads(), p.stats(), p.binaryOutput()));

    long tileCount = tiles;
    long spanCount = spans;
    long tokenCount = tokens;
    AttendResult.RunRecord record =
        bytesWritten -> {
          Map<String, Object> info =
              RunInfo.attend(
                  in.spark(),
                  p,
                  shape,
                  plans.size(),
                  tokenCount,
                  spanCount,
                  tilePartitions,
                  in.device());
          info.put("exact_path", "tiles");
          info.put("tiles", tileCount);
          info.put("key_chunk_tokens", spanTokens);
          Map<String, Object> shuffle = new LinkedHashMap<>();
          shuffle.put("bytes_written", bytesWritten);
          long kv = kvBytes.value();
          shuffle.put("kv_bytes", kv);
          shuffle.put("kv_bytes_shipped", kvShipped.value());
          shuffle.put("duplication_factor", kv == 0 ? 0.0 : kvShipped.value() / (double) kv);
          shuffle.put("q_bytes_shipped", qShipped.value());
          shuffle.put("partial_state_bytes", stateBytes.value());
          info.put("shuffle", shuffle);
          return info;
        };
    return new AttendResult(out, tokenCount, in.progress(), record, () -> {});
  }

  static Grid grid(Routing blocks, int n, boolean causal) {
    return new Grid(blocks.spans(n), causal);
  }

  /** Output schema with a {@code target_doc_id} column after {@code pos}. */
  static StructType withTargetColumn(StructType s) {
    StructType r = new StructType().add(s.fields()[0]).add(s.fields()[1]);
    r = r.add("target_doc_id", org.apache.spark.sql.types.DataTypes.StringType, false);
    for (int i = 2; i < s.fields().length; i++) {
      r = r.add(s.fields()[i]);
    }
    return r;
  }

  /**
   * Replicates each block record (keyed by its span) to the tiles that read it: the q part to the
   * tiles (i, j) of its span i, the k, v part to the tiles (i', i) of its chunk; the diagonal tile
   * gets the record whole. Global-row records are dropped: dense rows read every key anyway (the
   * global flag only feeds the global_mass statistic, set from the plan).
   */
  static final class Replicate
      implements PairFlatMapFunction<Tuple2<SpanKey, byte[]>, TileKey, byte[]> {
    private final Broadcast<Map<String, DocPlan>> plans;
    private final Broadcast<Map<String, Long>> firstTile;
    private final AttendParams params;
    private final HeadShape shape;
    private final LongAccumulator kvShipped;
    private final LongAccumulator qShipped;

    Replicate(
        Broadcast<Map<String, DocPlan>> plans,
        Broadcast<Map<String, Long>> firstTile,
        AttendParams params,
        HeadShape shape,
        LongAccumulator kvShipped,
        LongAccumulator qShipped) {
      this.plans = plans;
      this.firstTile = firstTile;
      this.params = params;
      this.shape = shape;
      this.kvShipped = kvShipped;
      this.qShipped = qShipped;
    }

    @Override
    public Iterator<Tuple2<TileKey, byte[]>> call(Tuple2<SpanKey, byte[]> rec) {
      byte[] own = rec._2();
      if (own[0] != RoutedRecord.OWN) {
        return java.util.Collections.emptyIterator();
      }
      String doc = rec._1().docId();
      int i = rec._1().span();
      Grid g =
          grid(Routing.blockLocal(params), plans.value().get(doc).n(), params.pattern().causal());
      long base = firstTile.value().get(doc);
      List<Tuple2<TileKey, byte[]>> out = new ArrayList<>();
      byte[] qPart = RoutedRecord.queryPart(own, shape.qkWidth());
      byte[] kvPart = RoutedRecord.keyPart(own, shape.qkWidth());
      long kvLen = RoutedRecord.keyValueBytes(own, shape.qkWidth());
      long qLen = own.length - kvPart.length; // the q values
      for (int j = 0; j < g.chunksOf(i); j++) {
        byte[] r = j == i ? own : qPart;
        out.add(new Tuple2<>(new TileKey(doc, "", i, j, base + g.index(i, j)), r));
      }
      for (int i2 = 0; i2 < g.spans(); i2++) {
        if (i2 != i && i < g.chunksOf(i2)) {
          out.add(new Tuple2<>(new TileKey(doc, "", i2, i, base + g.index(i2, i)), kvPart));
        }
      }
      int readers = 0;
      for (int i2 = 0; i2 < g.spans(); i2++) {
        readers += i < g.chunksOf(i2) ? 1 : 0;
      }
      kvShipped.add(kvLen * readers);
      qShipped.add(qLen * g.chunksOf(i));
      return out.iterator();
    }
  }

  /** The tile stage: per partition, assemble each tile, compute its row groups' partial states. */
  static final class Tiles implements TileStream.Work {
    private final Broadcast<Map<String, DocPlan>> plans;
    private final AttendParams params;
    private final HeadShape shape;
    private final int groupRows;
    private final LongAccumulator stateBytes;

    Tiles(
        Broadcast<Map<String, DocPlan>> plans,
        AttendParams params,
        HeadShape shape,
        int groupRows,
        LongAccumulator stateBytes) {
      this.plans = plans;
      this.params = params;
      this.shape = shape;
      this.groupRows = groupRows;
      this.stateBytes = stateBytes;
    }

    Iterator<Tuple2<TileKey, byte[]>> call(Iterator<Tuple2<TileKey, byte[]>> records) {
      AttentionPattern pattern = params.pattern().build();
      Band band = pattern.causal() ? Band.ALL.causal() : Band.ALL;
      return TileStream.run(records, this, shape, band, params);
    }

    @Override
    public TileAssembler assembler(TileKey t) {
      return assembler(t, params.spanBlocks() * params.pattern().blockSize());
    }

    @Override
    public List<Tuple2<TileKey, byte[]>> compute(
        TileKey t, TileAssembler asm, TileAttention attention) {
      return compute(t, asm, params.spanBlocks() * params.pattern().blockSize(), attention);
    }

    private TileAssembler assembler(TileKey t, int spanTokens) {
      DocPlan d = plans.value().get(t.doc());
      int q0 = t.row() * spanTokens;
      int k0 = t.chunk() * spanTokens;
      return new TileAssembler(
          d,
          shape,
          q0,
          Math.min(d.n(), q0 + spanTokens) - q0,
          k0,
          Math.min(d.n(), k0 + spanTokens) - k0);
    }

    private List<Tuple2<TileKey, byte[]>> compute(
        TileKey t, TileAssembler asm, int spanTokens, TileAttention attention) {
      DocPlan d = plans.value().get(t.doc());
      float[] q = asm.queries();
      TokenBlock keys = asm.keys();
      byte[] flags = globalFlags(d.columnGlobals(), keys.firstPos(), keys.n());
      int qFirst = t.row() * spanTokens;
      int qn = Math.min(d.n(), qFirst + spanTokens) - qFirst;
      long groupsPerSpan = spanTokens / groupRows;
      List<Tuple2<TileKey, byte[]>> out = new ArrayList<>();
      for (int r0 = 0; r0 < qn; r0 += groupRows) {
        int rows = Math.min(groupRows, qn - r0);
        SoftmaxState[] states = attention.compute(q, qFirst, r0, rows, keys, flags);
        byte[] bytes = IndexedStates.record(t.chunk(), SoftmaxStates.encode(states));
        stateBytes.add(bytes.length);
        int g = (qFirst + r0) / groupRows;
        long slot = (d.firstSpan() + t.row()) * groupsPerSpan + r0 / groupRows;
        out.add(new Tuple2<>(new TileKey(t.doc(), "", g, t.chunk(), slot), bytes));
      }
      return out;
    }
  }

  /** {@link KeyRows#GLOBAL} for the sorted global positions inside [first, first + n); or null. */
  static byte[] globalFlags(int[] globals, int first, int n) {
    byte[] flags = null;
    for (int g : globals) {
      if (g >= first && g < first + n) {
        if (flags == null) {
          flags = new byte[n];
        }
        flags[g - first] = KeyRows.GLOBAL;
      }
    }
    return flags;
  }
}
