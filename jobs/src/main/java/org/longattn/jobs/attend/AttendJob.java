package org.longattn.jobs.attend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.longattn.datasets.AtomicOutput;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.Progress;
import org.longattn.jobs.RunInfo;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.Backends;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Seeds;
import org.longattn.kernels.score.ScoreFunction;
import org.longattn.kernels.span.HeadShape;

/**
 * {@code attend}: token table → output table (DESIGN §1–3).
 *
 * <ol>
 *   <li>plan: per document its length (checked: positions 0..n−1) and its global positions — small
 *       aggregates, broadcast;
 *   <li>route: one shuffle of flat binary records keyed by (document, span): each block to its own
 *       span, to every span that reads it as keys, global rows to every span of the document;
 *   <li>compute: each span's rows; global rows from per-span partial states folded in span order;
 *   <li>write: Parquet plus {@code _longattn.json}, atomically.
 * </ol>
 */
public final class AttendJob {
  private AttendJob() {}

  /** Runs the job; returns what went into {@code _longattn.json}. */
  public static Map<String, Object> run(SparkSession spark, AttendParams p) {
    if (HyenaAttendJob.handles(p)) {
      return HyenaAttendJob.run(spark, p); // long convolutions, not attention
    }
    if (p.pattern().isLinearFamily()) {
      return LinearAttendJob.run(spark, p);
    }
    Progress progress = new Progress("attend");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    AtomicOutput.checkTarget(spark, p.output(), p.overwrite());
    Dataset<Row> df = TokenTable.read(spark, p.input());
    int[] lengths = TokenTable.probeLengths(df, p.input());
    HeadShape shape = headShape(lengths, p.heads());
    TokenRowDecoder decoder =
        TokenRowDecoder.forSchema(df.schema(), p.heads(), lengths[0], lengths[1]);
    AttentionPattern pattern = p.pattern().build();
    ScoreFunction score = ScoreWeights.load(p, shape);

    Map<String, DocPlan> plans = plan(df, pattern, p.spanBlocks());
    long tokens = plans.values().stream().mapToLong(DocPlan::n).sum();
    int spanBlocks = p.spanBlocks();
    long spans =
        plans.values().stream()
            .mapToLong(d -> (pattern.numBlocks(d.n()) + spanBlocks - 1) / spanBlocks)
            .sum();
    int partitions = p.partitions() > 0 ? p.partitions() : partitions(spans, tokens, p, jsc);
    String device;
    try (AttentionBackend probe = Backends.create(p.backend())) {
      device = probe.name() + " on " + probe.device();
    }
    progress.stage(
        "plan",
        plans.size()
            + " documents, "
            + tokens
            + " tokens, "
            + spans
            + " spans of "
            + spanBlocks * pattern.blockSize()
            + " tokens, heads "
            + shape.heads()
            + "x"
            + shape.d()
            + " (v "
            + shape.dv()
            + "), backend "
            + device);

    if (DenseTiles.applies(p, pattern, plans, spanBlocks)) {
      return DenseTiles.run(spark, p, df, decoder, shape, plans, device, progress);
    }
    Broadcast<Map<String, DocPlan>> bPlans = jsc.broadcast(plans);
    LongAccumulator ownBytes = jsc.sc().longAccumulator("kv bytes");
    LongAccumulator foreignBytes = jsc.sc().longAccumulator("kv bytes shipped to other spans");
    JavaPairRDD<SpanKey, byte[]> routed =
        df.queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitionsToPair(new RouteRows(decoder, bPlans, p, shape, ownBytes, foreignBytes))
            .partitionBy(new SpanPartitioner(partitions, bPlans));
    SpanTasks tasks = new SpanTasks(bPlans, p, shape, score);
    // Each span is computed once; its compact result feeds both the rows and the global fold.
    JavaRDD<SpanTasks.SpanOutput> spanOutputs =
        routed.mapPartitions(tasks::compute).persist(StorageLevel.MEMORY_AND_DISK_SER());
    JavaRDD<Row> spanRows = spanOutputs.flatMap(tasks::rows);
    JavaRDD<Row> globalRows =
        GlobalFold.fold(
                spanOutputs
                    .filter(SpanTasks.SpanOutput::hasPartials)
                    .mapToPair(SpanTasks.SpanOutput::partial),
                spansWithGlobals(plans, pattern, spanBlocks),
                shape.heads(),
                partitions)
            .flatMap(tasks::globalRows);
    Dataset<Row> out =
        spark.createDataFrame(
            spanRows.union(globalRows),
            TokenTable.outputSchema(
                shape.heads(),
                p.stats(),
                p.binaryOutput(),
                TokenTable.has(df.schema(), TokenTable.MASK)));

    ShuffleMeter meter = ShuffleMeter.start(spark);
    Map<String, Object> info = new LinkedHashMap<>();
    try {
      AtomicOutput.write(
          spark,
          p.output(),
          p.overwrite(),
          tmp -> {
            out.write().parquet(tmp);
            progress.stage("attend+write", tokens + " rows written");
            info.putAll(
                RunInfo.attend(
                    spark, p, pattern, shape, plans.size(), tokens, spans, partitions, device));
            Map<String, Object> shuffle = new LinkedHashMap<>();
            long kv = ownBytes.value();
            shuffle.put("bytes_written", meter.bytesWritten());
            shuffle.put("kv_bytes", kv);
            shuffle.put("kv_bytes_shipped", kv + foreignBytes.value());
            shuffle.put(
                "duplication_factor", kv == 0 ? 0.0 : (kv + foreignBytes.value()) / (double) kv);
            info.put("shuffle", shuffle);
            info.put(
                "compute",
                Map.of("flops", PlanEstimate.flops(p, pattern, shape, plans.values(), false)));
            if (pattern.name().equals("conv-band")) {
              info.put(
                  "conv_band",
                  Map.of(
                      "kernel", p.convOrDefault().phi(),
                      "iterations", p.convOrDefault().iterations()));
            }
            info.put(
                "score",
                pattern.name().equals("conv-band")
                    ? Map.of("name", "dot (A = QK^T, conv-band)")
                    : p.scoreWeights() == null
                        ? Map.of("name", p.score())
                        : Map.of("name", p.score(), "weights", p.scoreWeights()));
            info.put("timings_s", progress.timings());
            AtomicOutput.writeText(spark, tmp, "_longattn.json", RunInfo.toJson(info));
          });
    } finally {
      meter.stop();
      spanOutputs.unpersist();
    }
    progress.done("output in " + p.output());
    return info;
  }

  /**
   * Partitions of the routing shuffle: about one span's worth of tokens each — one partition per
   * span for long documents, many small documents sharing one — and at least one per core.
   */
  static int partitions(long spans, long tokens, AttendParams p, JavaSparkContext jsc) {
    long spanTokens = (long) p.spanBlocks() * p.pattern().blockSize();
    long byTokens = (tokens + spanTokens - 1) / spanTokens;
    long wanted = Math.max(jsc.defaultParallelism(), byTokens);
    return (int) Math.max(1, Math.min(Math.min(spans, wanted), 1 << 16));
  }

  /** Span counts of the documents that have global rows (they are the ones with partials). */
  static long[] spansWithGlobals(
      Map<String, DocPlan> plans, AttentionPattern pattern, int spanBlocks) {
    return plans.values().stream()
        .filter(d -> d.globalPositions(pattern).length > 0)
        .mapToLong(d -> (pattern.numBlocks(d.n()) + spanBlocks - 1) / spanBlocks)
        .toArray();
  }

  static HeadShape headShape(int[] lengths, int heads) {
    if (heads < 1) {
      throw new InputException("--heads must be >= 1, got " + heads);
    }
    if (lengths[0] % heads != 0) {
      throw new InputException(
          "column 'q': length " + lengths[0] + " is not divisible by --heads " + heads);
    }
    if (lengths[1] % heads != 0) {
      throw new InputException(
          "column 'v': length " + lengths[1] + " is not divisible by --heads " + heads);
    }
    return new HeadShape(heads, lengths[0] / heads, lengths[1] / heads);
  }

  /** Document lengths (positions checked) and global positions; small, computed on the driver. */
  static Map<String, DocPlan> plan(Dataset<Row> df, AttentionPattern pattern, int spanBlocks) {
    // One pass over doc_id, pos, global (and mask): counts, position range, the global positions
    // (and the padding positions).
    boolean masked = TokenTable.has(df.schema(), TokenTable.MASK);
    List<Row> meta =
        df.groupBy(col(TokenTable.DOC_ID))
            .agg(
                count("*"),
                min(TokenTable.POS),
                max(TokenTable.POS),
                collect_list(when(col(TokenTable.GLOBAL), col(TokenTable.POS))),
                masked
                    ? collect_list(when(not(col(TokenTable.MASK)), col(TokenTable.POS)))
                    : collect_list(lit(null).cast("int")))
            .collectAsList();
    meta = new java.util.ArrayList<>(meta);
    meta.sort(java.util.Comparator.comparing(r -> r.isNullAt(0) ? "" : r.getString(0)));
    Map<String, DocPlan> plans = new HashMap<>();
    long firstSpan = 0;
    for (Row r : meta) {
      if (r.isNullAt(0)) {
        throw new InputException("column 'doc_id': null document id in " + r.getLong(1) + " rows");
      }
      String doc = r.getString(0);
      long n = r.getLong(1);
      if (r.isNullAt(2)) {
        throw new InputException("doc '" + doc + "' column 'pos': null position");
      }
      TokenTable.checkPositions(
          doc, (int) Math.min(n, Integer.MAX_VALUE), n, r.getInt(2), r.getInt(3));
      int[] globals = r.<Integer>getList(4).stream().mapToInt(Integer::intValue).sorted().toArray();
      int[] padding = r.<Integer>getList(5).stream().mapToInt(Integer::intValue).sorted().toArray();
      plans.put(doc, new DocPlan(doc, (int) n, Seeds.docHash(doc), globals, firstSpan, padding));
      firstSpan += (pattern.numBlocks((int) n) + spanBlocks - 1) / spanBlocks;
    }
    return plans;
  }
}
