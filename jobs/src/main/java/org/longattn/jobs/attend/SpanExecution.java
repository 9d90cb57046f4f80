package org.longattn.jobs.attend;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.RunInfo;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.Backends;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.score.ScoreFunction;
import org.longattn.kernels.span.HeadShape;

/**
 * Span routing (DESIGN §1–3): the softmax patterns and conv-band.
 *
 * <ol>
 *   <li>route: one shuffle of flat binary records keyed by (document, span), routed by the pattern
 *       ({@link Routing#byPattern}): each block to its own span, to every span that reads it as
 *       keys, global rows to every span of the document;
 *   <li>compute: each span's rows; global rows from per-span partial states folded in span order.
 * </ol>
 */
final class SpanExecution implements Execution {
  static final SpanExecution INSTANCE = new SpanExecution();

  private SpanExecution() {}

  @Override
  public String device(AttendParams p) {
    try (AttentionBackend probe = Backends.create(p.backend())) {
      return probe.name() + " on " + probe.device();
    }
  }

  @Override
  public String describe(PlannedInput in) {
    HeadShape shape = in.shape();
    return in.sizes()
        + ", heads "
        + shape.heads()
        + "x"
        + shape.d()
        + " (v "
        + shape.dv()
        + "), backend "
        + in.device();
  }

  @Override
  public AttendResult run(PlannedInput in) {
    AttendParams p = in.params();
    HeadShape shape = in.shape();
    JavaSparkContext jsc = in.jsc();
    AttentionPattern pattern = p.pattern().build();
    ScoreFunction score = ScoreWeights.load(p, shape);
    Map<String, DocPlan> plans = in.plans();
    int partitions = in.partitions();
    Broadcast<Map<String, DocPlan>> bPlans = jsc.broadcast(plans);
    LongAccumulator ownBytes = jsc.sc().longAccumulator("kv bytes");
    LongAccumulator foreignBytes = jsc.sc().longAccumulator("kv bytes shipped to other spans");
    StageProfile profile = StageProfile.register(jsc.sc());
    JavaPairRDD<SpanKey, byte[]> routed =
        in.tokens()
            .queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitionsToPair(
                new RouteRows(
                        in.decoder(), bPlans, Routing.byPattern(p), shape, ownBytes, foreignBytes)
                    .profiled(profile))
            .partitionBy(new SpanPartitioner(partitions, bPlans));
    SpanTasks tasks = new SpanTasks(bPlans, p, shape, score).profiled(profile);
    // Each span is computed once; its compact result feeds both the rows and the global fold.
    // On disk, not in memory: span results of a long document would fill the unified memory
    // region and starve the span tasks' own arrays (user memory, outside Spark's accounting) —
    // a 2 GiB heap ran out at 8M tokens. Memory per task is now bounded by the span.
    JavaRDD<SpanTasks.SpanOutput> spanOutputs =
        routed.mapPartitions(tasks::compute).persist(StorageLevel.DISK_ONLY());
    JavaRDD<InternalRow> spanRows = spanOutputs.flatMap(tasks::rows);
    JavaRDD<InternalRow> globalRows =
        StateRounds.up(
                spanOutputs
                    .filter(SpanTasks.SpanOutput::hasPartials)
                    .mapToPair(SpanTasks.SpanOutput::partial),
                spansWithGlobals(plans, pattern, in.blockLocal()),
                new SoftmaxStates(shape.heads()),
                partitions,
                null,
                null)
            .totals()
            .flatMap(tasks::globalRows);
    // Internal rows straight to the writer: Row objects of float[] would be converted value by
    // value into boxed arrays first (createDataFrame's converters).
    Dataset<Row> out =
        ((org.apache.spark.sql.classic.SparkSession) in.spark())
            .internalCreateDataFrame(
                profile.timeRows(spanRows.union(globalRows)).rdd(),
                TokenTable.outputSchema(
                    shape.heads(),
                    p.stats(),
                    p.binaryOutput(),
                    TokenTable.has(in.tokens().schema(), TokenTable.MASK)),
                false);
    boolean convBand = p.pattern().family().convolutionKernel();
    AttendResult.RunRecord record =
        bytesWritten -> {
          Map<String, Object> info =
              RunInfo.attend(
                  in.spark(),
                  p,
                  shape,
                  plans.size(),
                  in.tokenCount(),
                  in.spans(),
                  partitions,
                  in.device());
          Map<String, Object> shuffle = new LinkedHashMap<>();
          long kv = ownBytes.value();
          shuffle.put("bytes_written", bytesWritten);
          shuffle.put("kv_bytes", kv);
          shuffle.put("kv_bytes_shipped", kv + foreignBytes.value());
          shuffle.put(
              "duplication_factor", kv == 0 ? 0.0 : (kv + foreignBytes.value()) / (double) kv);
          info.put("shuffle", shuffle);
          info.put("profile", profile.toMap());
          info.put(
              "compute",
              Map.of(
                  "flops",
                  FlopCount.of(p, pattern, shape, plans.values(), /* denseTiles= */ false)));
          if (convBand) {
            info.put(
                "conv_band",
                Map.of(
                    "kernel", p.convOrDefault().phi(),
                    "iterations", p.convOrDefault().iterations()));
          }
          info.put(
              "score",
              convBand
                  ? Map.of("name", "dot (A = QK^T, conv-band)")
                  : p.scoreWeights() == null
                      ? Map.of("name", p.score())
                      : Map.of("name", p.score(), "weights", p.scoreWeights()));
          return info;
        };
    return new AttendResult(out, in.tokenCount(), in.progress(), record, spanOutputs::unpersist);
  }

  /** Span counts of the documents that have global rows (they are the ones with partials). */
  private static long[] spansWithGlobals(
      Map<String, DocPlan> plans, AttentionPattern pattern, Routing blocks) {
    return plans.values().stream()
        .filter(d -> d.globalPositions(pattern).length > 0)
        .mapToLong(d -> blocks.spans(d.n()))
        .toArray();
  }
}
