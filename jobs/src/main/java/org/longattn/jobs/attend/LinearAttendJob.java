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
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.longattn.datasets.AtomicOutput;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.Progress;
import org.longattn.jobs.RunInfo;
import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.LinearBackends;
import org.longattn.kernels.linear.LinearFamilies;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.span.HeadShape;

/**
 * {@code attend} for the linear-attention families (DESIGN §3): {@code linear}, {@code
 * gated-linear}, {@code performer}, {@code linformer}.
 *
 * <ol>
 *   <li>plan: {@link AttendJob#plan} (document lengths, positions checked);
 *   <li>route: the routing shuffle of {@link AttendJob} with the block-local pattern — every block
 *       travels to its own span only (no halo, no global rows: the {@code global} column is
 *       ignored); gated-linear with a {@code gate} column ships the log-gates after the values;
 *   <li>totals: per span and head the TreeFold of its block states;
 *   <li>inputs: per document, from its span totals, in rounds of 16 ({@link LinearScan}) → causal:
 *       the exclusive TreeScan (carry-ins), non-causal: the document's total; sent to the spans'
 *       partitions;
 *   <li>outputs: per span, zipped with its input: the intra-span scan and the rows;
 *   <li>write: Parquet plus {@code _longattn.json}, atomically.
 * </ol>
 *
 * State traffic is O(spans × heads × state) — at most O(blocks × d²) — and no per-token data
 * reaches the driver.
 */
public final class LinearAttendJob {
  private LinearAttendJob() {}

  /** Runs the job for {@code p.pattern()}, one of {@link PatternSpec#LINEAR_FAMILIES}. */
  public static Map<String, Object> run(SparkSession spark, AttendParams p) {
    Progress progress = new Progress("attend");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    AtomicOutput.checkTarget(spark, p.output(), p.overwrite());
    PatternSpec spec = p.pattern();
    if (!LinearFamilies.supportsBackend(spec.name(), p.backend())) {
      throw new InputException(
          "--backend "
              + p.backend()
              + " is not supported by --pattern "
              + spec.name()
              + " (OpenCL kernels exist for linear and performer)");
    }
    Dataset<Row> df = TokenTable.read(spark, p.input());
    int[] lengths = TokenTable.probeLengths(df, p.input());
    HeadShape shape = AttendJob.headShape(lengths, p.heads());
    TokenRowDecoder decoder =
        TokenRowDecoder.forSchema(df.schema(), p.heads(), lengths[0], lengths[1]);
    boolean gateColumn = spec.name().equals("gated-linear") && decoder.hasGate();
    if (gateColumn) {
      decoder = decoder.withGateInValues();
    }
    HeadShape routedShape =
        gateColumn ? new HeadShape(shape.heads(), shape.d(), shape.dv() + shape.d()) : shape;
    LinearFamilies.create(spec, shape, gateColumn); // checks the family's parameters now

    // Routing view: block-local, so a block goes to its own span and nowhere else.
    PatternSpec routingSpec =
        new PatternSpec("blocked", spec.blockSize(), 0, 1, 0, spec.seed(), false);
    AttendParams routing =
        new AttendParams(
            p.input(),
            p.output(),
            p.overwrite(),
            p.heads(),
            routingSpec,
            false,
            p.backend(),
            p.spanTokens(),
            p.partitions(),
            p.binaryOutput());
    AttentionPattern blocks = routingSpec.build();
    int spanBlocks = routing.spanBlocks();
    Map<String, DocPlan> plans = withoutGlobals(AttendJob.plan(df, blocks, spanBlocks));
    long tokens = plans.values().stream().mapToLong(DocPlan::n).sum();
    long spans =
        plans.values().stream()
            .mapToLong(d -> (blocks.numBlocks(d.n()) + spanBlocks - 1) / spanBlocks)
            .sum();
    int partitions =
        p.partitions() > 0 ? p.partitions() : AttendJob.partitions(spans, tokens, routing, jsc);
    // gated-linear and linformer have Java kernels only (--backend opencl is refused for them)
    String backend = LinearFamilies.supportsBackend(spec.name(), "opencl") ? p.backend() : "java";
    String device;
    try (LinearAttentionBackend probe = LinearBackends.create(backend, -1)) {
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
            + spanBlocks * spec.blockSize()
            + " tokens, "
            + spec.name()
            + (spec.causal() || spec.name().equals("gated-linear") ? " causal" : "")
            + ", heads "
            + shape.heads()
            + "x"
            + shape.d()
            + " (v "
            + shape.dv()
            + ")"
            + (spec.name().equals("gated-linear")
                ? gateColumn ? ", gates from column 'gate'" : ", gates projected from k"
                : "")
            + ", backend "
            + device);

    Broadcast<Map<String, DocPlan>> bPlans = jsc.broadcast(plans);
    LongAccumulator ownBytes = jsc.sc().longAccumulator("kv bytes");
    LongAccumulator foreignBytes = jsc.sc().longAccumulator("kv bytes shipped to other spans");
    LongAccumulator stateBytes = jsc.sc().longAccumulator("state bytes");
    SpanPartitioner partitioner = new SpanPartitioner(partitions, bPlans);
    JavaPairRDD<SpanKey, byte[]> routed =
        df.queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitionsToPair(
                new RouteRows(decoder, bPlans, routing, routedShape, ownBytes, foreignBytes))
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
            backend);
    long maxSpans =
        plans.values().stream()
            .mapToLong(d -> (blocks.numBlocks(d.n()) + spanBlocks - 1) / spanBlocks)
            .max()
            .orElse(1);
    java.util.List<JavaPairRDD<?, ?>> persisted = new java.util.ArrayList<>();
    JavaPairRDD<SpanKey, byte[]> inputs =
        LinearScan.spanInputs(
                routed.mapPartitionsToPair(tasks::totals),
                tasks,
                spec.causal() || spec.name().equals("gated-linear"),
                maxSpans,
                (int) Math.max(1, Math.min(partitions, spans)),
                persisted)
            .partitionBy(partitioner);
    JavaRDD<Row> rows = routed.zipPartitions(inputs, tasks::rows);
    Dataset<Row> out =
        spark.createDataFrame(
            rows, TokenTable.outputSchema(shape.heads(), false, p.binaryOutput()));

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
                    spark, p, blocks, shape, plans.size(), tokens, spans, partitions, device));
            Map<String, Object> linear = new LinkedHashMap<>();
            linear.put("family", spec.name());
            linear.put("causal", spec.causal() || spec.name().equals("gated-linear"));
            if (spec.name().equals("gated-linear")) {
              linear.put("gates", gateColumn ? "column" : "projected from k (seeded)");
            }
            if (spec.name().equals("performer")) {
              linear.put("stabiliser", LinearFamilies.PERFORMER_STABILISER);
            }
            linear.put("state_bytes_shipped", stateBytes.value());
            info.put("linear", linear);
            Map<String, Object> shuffle = new LinkedHashMap<>();
            shuffle.put("bytes_written", meter.bytesWritten());
            shuffle.put("kv_bytes", ownBytes.value());
            shuffle.put("kv_bytes_shipped", ownBytes.value() + foreignBytes.value());
            long kv = ownBytes.value();
            shuffle.put(
                "duplication_factor", kv == 0 ? 0.0 : (kv + foreignBytes.value()) / (double) kv);
            info.put("shuffle", shuffle);
            info.put(
                "compute",
                Map.of("flops", PlanEstimate.flops(p, blocks, shape, plans.values(), false)));
            info.put("timings_s", progress.timings());
            AtomicOutput.writeText(spark, tmp, "_longattn.json", RunInfo.toJson(info));
          });
    } finally {
      meter.stop();
      persisted.forEach(JavaPairRDD::unpersist);
    }
    progress.done("output in " + p.output());
    return info;
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
