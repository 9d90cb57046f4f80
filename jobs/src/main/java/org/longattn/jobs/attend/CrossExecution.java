package org.longattn.jobs.attend;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenRecord;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.RunInfo;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TileAttention;
import org.longattn.kernels.span.TokenBlock;
import org.longattn.kernels.state.SoftmaxState;
import scala.Tuple2;

/**
 * Tiles for cross-attention ({@code attend --queries FILE}): exact cross-attention of a (small)
 * query table against the long documents of the token table (README, "Cross-attention").
 *
 * <ol>
 *   <li>queries: read on the driver (validated like token rows; at most {@link #MAX_QUERY_FLOATS}
 *       values) and broadcast;
 *   <li>keys: each input block once to its key chunk (the spans of the document), one shuffle;
 *       documents no query reads are dropped before it;
 *   <li>tiles: per key chunk, every query document reading it, row group by row group, the partial
 *       softmax state over that chunk ({@link TileAttention});
 *   <li>merge: per (query document, key document, row group) the partial states folded over chunk
 *       ids ({@link StateMerge}) — bitwise the same for any partitioning.
 * </ol>
 */
final class CrossExecution {
  /**
   * Query values broadcast at most (256 MB of float32): queries are a few to many thousand rows.
   */
  static final long MAX_QUERY_FLOATS = 1L << 26;

  private CrossExecution() {}

  /**
   * Cross-attention of the query table {@code c.queries()} against a planned token table (the keys
   * and values).
   */
  static AttendResult run(PlannedInput in, CrossParams c) {
    AttendParams p = in.params();
    HeadShape shape = in.shape();
    JavaSparkContext jsc = in.jsc();
    Map<String, QueryDoc> queries = readQueries(in.spark(), c.queries(), shape);
    Map<String, DocPlan> plans = in.plans();
    for (DocPlan d : plans.values()) {
      if (d.padding().length > 0) {
        // The key chunks are read whole; padded keys would be attended to. Refuse, don't guess.
        throw new InputException(
            "doc '"
                + d.docId()
                + "' column 'mask': padding (mask = false at pos "
                + d.padding()[0]
                + ") is not supported in the keys of cross-attention (--queries)");
      }
    }
    Map<String, List<String>> readers = readers(c, queries, plans);
    Routing blocks = in.blockLocal();
    long queryRows = queries.values().stream().mapToLong(QueryDoc::rows).sum();
    long chunks = 0;
    long outRows = 0;
    for (Map.Entry<String, List<String>> e : readers.entrySet()) {
      chunks += blocks.spans(plans.get(e.getKey()).n());
      for (String qd : e.getValue()) {
        outRows += queries.get(qd).rows();
      }
    }
    int partitions =
        p.partitions() > 0 ? p.partitions() : (int) Math.max(1, Math.min(chunks, 1 << 16));
    String device = in.device();
    in.progress()
        .stage(
            "plan",
            queries.size()
                + " query documents ("
                + queryRows
                + " rows) x "
                + readers.size()
                + " key documents ("
                + chunks
                + " key chunks of "
                + blocks.spanTokens()
                + " tokens), --cross "
                + c.cross()
                + ", backend "
                + device);

    Broadcast<Map<String, DocPlan>> bPlans = jsc.broadcast(plans);
    Broadcast<Map<String, QueryDoc>> bQueries = jsc.broadcast(queries);
    Broadcast<Map<String, List<String>>> bReaders = jsc.broadcast(readers);
    LongAccumulator kvBytes = jsc.sc().longAccumulator("kv bytes");
    LongAccumulator unused = jsc.sc().longAccumulator("kv bytes to other spans (none here)");
    LongAccumulator kvShipped = jsc.sc().longAccumulator("kv bytes shipped to chunks");
    int group = TileExecution.groupRows(blocks.blockSize(), blocks.spanBlocks());
    StateMerge merge = new StateMerge(shape, group, c.all(), new SpanTasks(bPlans, p, shape));
    KeyChunks tiles = new KeyChunks(bPlans, bQueries, bReaders, p, shape, group);
    JavaRDD<Row> rows =
        in.tokens()
            .queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitionsToPair(
                new RouteRows(in.decoder(), bPlans, blocks, shape, kvBytes, unused))
            .flatMapToPair(
                rec -> {
                  byte[] own = rec._2();
                  String doc = rec._1().docId();
                  if (own[0] != RoutedRecord.OWN || !bReaders.value().containsKey(doc)) {
                    return Collections.emptyIterator();
                  }
                  byte[] kv = RoutedRecord.keyPart(own, shape.qkWidth());
                  kvShipped.add(RoutedRecord.keyValueBytes(kv, shape.qkWidth()));
                  int span = rec._1().span();
                  long slot = bPlans.value().get(doc).firstSpan() + span;
                  return List.of(new Tuple2<>(new TileKey(doc, "", 0, span, slot), kv)).iterator();
                })
            .repartitionAndSortWithinPartitions(new SlotPartitioner(partitions), TileKey.ORDER)
            .mapPartitionsToPair(recs -> TileStream.run(recs, tiles, shape, Band.ALL, p))
            .repartitionAndSortWithinPartitions(
                new SlotPartitioner(
                    Math.max(1, Math.min(partitions, (int) Math.min(outRows, 1 << 16)))),
                TileKey.ORDER)
            .mapPartitions(merge::rows);
    StructType schema = TokenTable.outputSchema(shape.heads(), p.stats(), p.binaryOutput());
    Dataset<Row> out =
        in.spark().createDataFrame(rows, c.all() ? TileExecution.withTargetColumn(schema) : schema);

    long chunkCount = chunks;
    long queryBytes = 4 * queryRows * shape.qkWidth();
    Map<String, Object> cross = new LinkedHashMap<>();
    cross.put("queries", c.queries());
    cross.put("mode", c.cross());
    cross.put("query_documents", queries.size());
    cross.put("query_rows", queryRows);
    cross.put("key_documents_read", readers.size());
    cross.put("output_rows", outRows);
    AttendResult.RunRecord record =
        bytesWritten -> {
          Map<String, Object> info =
              RunInfo.attend(
                  in.spark(),
                  p,
                  shape,
                  plans.size(),
                  in.tokenCount(),
                  chunkCount,
                  partitions,
                  device);
          info.put("cross", cross);
          info.put("exact_path", "tiles");
          Map<String, Object> shuffle = new LinkedHashMap<>();
          shuffle.put("bytes_written", bytesWritten);
          long kv = kvBytes.value();
          shuffle.put("kv_bytes", kv);
          shuffle.put("kv_bytes_shipped", kvShipped.value());
          shuffle.put("duplication_factor", kv == 0 ? 0.0 : kvShipped.value() / (double) kv);
          shuffle.put("query_bytes_broadcast", queryBytes);
          info.put("shuffle", shuffle);
          return info;
        };
    return new AttendResult(out, outRows, in.progress(), record, () -> {});
  }

  /**
   * Query documents by id: rows decoded and checked (positions 0..m−1 each once, q of the keys'
   * width), q laid out in position order.
   */
  static Map<String, QueryDoc> readQueries(SparkSession spark, String path, HeadShape shape) {
    try {
      Dataset<Row> qdf = TokenTable.readQueries(spark, path);
      int qLen = TokenTable.probeLengths(qdf, path)[0];
      if (qLen != shape.qkWidth()) {
        throw new InputException(
            "column 'q': length "
                + qLen
                + " differs from the keys' length "
                + shape.qkWidth()
                + " (column 'k' of --input; --heads "
                + shape.heads()
                + " x head_dim must match)");
      }
      long count = qdf.count();
      if (count * qLen > MAX_QUERY_FLOATS) {
        throw new InputException(
            count
                + " rows x "
                + qLen
                + " values exceed the "
                + MAX_QUERY_FLOATS
                + " query values broadcast at most; split the query table");
      }
      TokenRowDecoder decoder = TokenRowDecoder.forSchema(qdf.schema(), shape.heads(), qLen, qLen);
      Map<String, List<TokenRecord>> byDoc = new TreeMap<>();
      for (Row r : qdf.collectAsList()) {
        TokenRecord t = decoder.decode(r);
        byDoc.computeIfAbsent(t.docId(), d -> new ArrayList<>()).add(t);
      }
      Map<String, QueryDoc> docs = new HashMap<>();
      for (Map.Entry<String, List<TokenRecord>> e : byDoc.entrySet()) {
        docs.put(e.getKey(), queryDoc(e.getKey(), e.getValue(), qLen));
      }
      return docs;
    } catch (InputException e) {
      throw new InputException("--queries '" + path + "': " + e.getMessage());
    }
  }

  private static QueryDoc queryDoc(String doc, List<TokenRecord> rows, int qLen) {
    rows.sort((a, b) -> Integer.compare(a.pos(), b.pos()));
    int m = rows.size();
    float[] q = new float[m * qLen];
    for (int i = 0; i < m; i++) {
      int pos = rows.get(i).pos();
      if (pos != i) {
        throw new InputException(
            "doc '"
                + doc
                + "' pos "
                + (pos < i ? pos : i)
                + " column 'pos': "
                + (pos < i ? "duplicate position" : "position missing")
                + " (positions must be 0.."
                + (m - 1)
                + " exactly once)");
      }
      System.arraycopy(rows.get(i).q(), 0, q, i * qLen, qLen);
    }
    return new QueryDoc(doc, m, q);
  }

  /** Key document → the query documents that read it (sorted), per {@code --cross}. */
  static Map<String, List<String>> readers(
      CrossParams c, Map<String, QueryDoc> queries, Map<String, DocPlan> plans) {
    Map<String, List<String>> readers = new TreeMap<>();
    List<String> queryDocs = new ArrayList<>(new TreeMap<>(queries).keySet());
    if (c.all()) {
      for (String keyDoc : plans.keySet()) {
        readers.put(keyDoc, queryDocs);
      }
      return readers;
    }
    for (String qd : queryDocs) {
      if (!plans.containsKey(qd)) {
        throw new InputException(
            "--queries '"
                + c.queries()
                + "' doc '"
                + qd
                + "': no document '"
                + qd
                + "' in --input '"
                + c.base().input()
                + "' (--cross same-doc reads the document with the same doc_id)");
      }
      readers.put(qd, List.of(qd));
    }
    return readers;
  }

  /** Per key chunk: every query document that reads it, row group by row group. */
  static final class KeyChunks implements TileStream.Work {
    private final Broadcast<Map<String, DocPlan>> plans;
    private final Broadcast<Map<String, QueryDoc>> queries;
    private final Broadcast<Map<String, List<String>>> readers;
    private final AttendParams params;
    private final HeadShape shape;
    private final int groupRows;

    KeyChunks(
        Broadcast<Map<String, DocPlan>> plans,
        Broadcast<Map<String, QueryDoc>> queries,
        Broadcast<Map<String, List<String>>> readers,
        AttendParams params,
        HeadShape shape,
        int groupRows) {
      this.plans = plans;
      this.queries = queries;
      this.readers = readers;
      this.params = params;
      this.shape = shape;
      this.groupRows = groupRows;
    }

    @Override
    public TileAssembler assembler(TileKey t) {
      DocPlan d = plans.value().get(t.doc());
      int spanTokens = params.spanBlocks() * params.pattern().blockSize();
      int k0 = t.chunk() * spanTokens;
      return new TileAssembler(d, shape, 0, 0, k0, Math.min(d.n(), k0 + spanTokens) - k0);
    }

    @Override
    public List<Tuple2<TileKey, byte[]>> compute(
        TileKey t, TileAssembler asm, TileAttention attention) {
      DocPlan d = plans.value().get(t.doc());
      TokenBlock keys = asm.keys();
      byte[] flags = TileExecution.globalFlags(d.columnGlobals(), keys.firstPos(), keys.n());
      List<Tuple2<TileKey, byte[]>> out = new ArrayList<>();
      for (String qd : readers.value().get(t.doc())) {
        QueryDoc q = queries.value().get(qd);
        for (int r0 = 0; r0 < q.rows(); r0 += groupRows) {
          int rows = Math.min(groupRows, q.rows() - r0);
          SoftmaxState[] states = attention.compute(q.q(), 0, r0, rows, keys, flags);
          int g = r0 / groupRows;
          long slot = Objects.hash(qd, t.doc(), g);
          out.add(
              new Tuple2<>(
                  new TileKey(qd, t.doc(), g, t.chunk(), slot),
                  IndexedStates.record(t.chunk(), SoftmaxStates.encode(states))));
        }
      }
      return out;
    }
  }
}
