package org.longattn.jobs.attend;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.RunInfo;
import org.longattn.kernels.Backends;
import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.linear.LinearFamilies;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.span.HeadShape;

/**
 * Scan over monoid states (DESIGN §3): the linear-attention families {@code linear}, {@code
 * gated-linear}, {@code performer}, {@code linformer}.
 *
 * <ol>
 *   <li>route: block-local ({@link Routing#blockLocal}) — every block travels to its own span only
 *       (no halo, no global rows: the {@code global} column is ignored); gated-linear with a {@code
 *       gate} column ships the log-gates after the values;
 *   <li>totals: per span and head the TreeFold of its block states;
 *   <li>inputs: per document, from its span totals, in rounds of 16 ({@link StateRounds}) → causal:
 *       the exclusive TreeScan (carry-ins), non-causal: the document's total; sent to the spans'
 *       partitions;
 *   <li>outputs: per span, zipped with its input: the intra-span scan and the rows.
 * </ol>
 *
 * State traffic is O(spans × heads × state) — at most O(blocks × d²) — and no per-token data
 * reaches the driver.
 */
final class ScanExecution implements Execution {
  static final ScanExecution INSTANCE = new ScanExecution();

  private ScanExecution() {}

  /** The backend {@code auto} resolves to: java for families without OpenCL kernels. */
  private static String backend(AttendParams p) {
    return p.pattern().family().backends().contains("opencl") ? p.backend() : "java";
  }

  @Override
  public String device(AttendParams p) {
    try (LinearAttentionBackend probe = Backends.linear(backend(p), -1)) {
      return probe.name() + " on " + probe.device();
    }
  }

  /** Whether gated-linear reads its log-gates from the table's {@code gate} column. */
  private static boolean gateColumn(PlannedInput in) {
    return in.params().pattern().family().gated() && in.decoder().hasGate();
  }

  private static boolean causal(PatternSpec spec) {
    return spec.family().runsCausal(spec);
  }

  @Override
  public String describe(PlannedInput in) {
    PatternSpec spec = in.params().pattern();
    HeadShape shape = in.shape();
    return in.sizes()
        + ", "
        + spec.name()
        + (causal(spec) ? " causal" : "")
        + ", heads "
        + shape.heads()
        + "x"
        + shape.d()
        + " (v "
        + shape.dv()
        + ")"
        + (spec.family().gated()
            ? gateColumn(in) ? ", gates from column 'gate'" : ", gates projected from k"
            : "")
        + ", backend "
        + in.device();
  }

  @Override
  public AttendResult run(PlannedInput in) {
    AttendParams p = in.params();
    PatternSpec spec = p.pattern();
    HeadShape shape = in.shape();
    JavaSparkContext jsc = in.jsc();
    boolean gateColumn = gateColumn(in);
    TokenRowDecoder decoder = gateColumn ? in.decoder().withGateInValues() : in.decoder();
    HeadShape routedShape =
        gateColumn ? new HeadShape(shape.heads(), shape.d(), shape.dv() + shape.d()) : shape;
    LinearFamilies.create(spec, shape, gateColumn); // checks the family's parameters now
    Routing blocks = in.blockLocal();
    int spanBlocks = blocks.spanBlocks();
    Map<String, DocPlan> plans = withoutGlobals(in.plans());
    long spans = in.spans();
    int partitions = in.partitions();

    Broadcast<Map<String, DocPlan>> bPlans = jsc.broadcast(plans);
    LongAccumulator ownBytes = jsc.sc().longAccumulator("kv bytes");
    LongAccumulator foreignBytes = jsc.sc().longAccumulator("kv bytes shipped to other spans");
    LongAccumulator stateBytes = jsc.sc().longAccumulator("state bytes");
    SpanPartitioner partitioner = new SpanPartitioner(partitions, bPlans);
    JavaPairRDD<SpanKey, byte[]> routed =
        in.tokens()
            .queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitionsToPair(
                new RouteRows(decoder, bPlans, blocks, routedShape, ownBytes, foreignBytes))
            .partitionBy(partitioner);
    LinearSpanTasks tasks =
        new LinearSpanTasks(
            bPlans,
            spec,
            spanBlocks,
            shape,
            routedShape,
            gateColumn,
            p.binaryOutput(),
            stateBytes,
            backend(p));
    java.util.List<JavaPairRDD<?, ?>> persisted = new java.util.ArrayList<>();
    StateRounds rounds =
        StateRounds.up(
            routed.mapPartitionsToPair(tasks::totals),
            plans.values().stream().mapToLong(d -> blocks.spans(d.n())).toArray(),
            tasks,
            partitions,
            stateBytes,
            persisted);
    JavaPairRDD<SpanKey, byte[]> inputs =
        (causal(spec) ? rounds.exclusivePrefixes(tasks) : rounds.totalPerItem())
            .partitionBy(partitioner);
    JavaRDD<Row> rows = routed.zipPartitions(inputs, tasks::rows);
    Dataset<Row> out =
        in.spark()
            .createDataFrame(rows, TokenTable.outputSchema(shape.heads(), false, p.binaryOutput()));

    AttendResult.RunRecord record =
        bytesWritten -> {
          Map<String, Object> info =
              RunInfo.attend(
                  in.spark(),
                  p,
                  shape,
                  plans.size(),
                  in.tokenCount(),
                  spans,
                  partitions,
                  in.device());
          Map<String, Object> linear = new LinkedHashMap<>();
          linear.put("family", spec.name());
          linear.put("causal", causal(spec));
          if (spec.family().gated()) {
            linear.put("gates", gateColumn ? "column" : "projected from k (seeded)");
          }
          linear.putAll(spec.family().runFacts());
          linear.put("state_bytes_shipped", stateBytes.value());
          info.put("linear", linear);
          Map<String, Object> shuffle = new LinkedHashMap<>();
          shuffle.put("bytes_written", bytesWritten);
          shuffle.put("kv_bytes", ownBytes.value());
          shuffle.put("kv_bytes_shipped", ownBytes.value() + foreignBytes.value());
          long kv = ownBytes.value();
          shuffle.put(
              "duplication_factor", kv == 0 ? 0.0 : (kv + foreignBytes.value()) / (double) kv);
          info.put("shuffle", shuffle);
          info.put("compute", Map.of("flops", FlopCount.linear(p, shape, plans.values())));
          return info;
        };
    return new AttendResult(
        out,
        in.tokenCount(),
        in.progress(),
        record,
        () -> persisted.forEach(JavaPairRDD::unpersist));
  }

  /** The plans with no column globals: linear families have no global tokens. */
  private static Map<String, DocPlan> withoutGlobals(Map<String, DocPlan> plans) {
    Map<String, DocPlan> out = new HashMap<>();
    for (DocPlan d : plans.values()) {
      out.put(d.docId(), new DocPlan(d.docId(), d.n(), d.docHash(), new int[0], d.firstSpan()));
    }
    return out;
  }
}
