package org.longattn.jobs.attend;

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
import org.longattn.kernels.hyena.HyenaFilter;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.span.HeadShape;

/**
 * {@code attend --pattern hyena}: the Hyena operator of order N (see {@code HyenaOperator}) over a
 * token table, distributed by spans.
 *
 * <ol>
 *   <li>plan and route as {@link AttendJob} does, each block to its own span only (no halo);
 *   <li>N times: span tasks emit spectra chunks (source, filter segment) keyed (document, chunk) →
 *       frequency tasks sum them causally over spans and emit each target span's spectrum chunk
 *       keyed (document, span) → span tasks invert, gate, and go on (or write rows).
 * </ol>
 *
 * Shuffles: 1 + 2N, all with {@link SpanPartitioner} (span and chunk ids are dense per document);
 * no task ever holds more than one span's tokens or one chunk of every span's spectra.
 */
public final class HyenaAttendJob {
  private HyenaAttendJob() {}

  /** Whether {@link AttendJob} hands these parameters to this job. */
  public static boolean handles(AttendParams p) {
    return p.pattern().name().equals("hyena");
  }

  public static Map<String, Object> run(SparkSession spark, AttendParams p) {
    if (p.stats()) {
      throw new InputException(
          "--stats: not available for --pattern hyena (a convolution has no attention weights:"
              + " no entropy, distance, max weight or global mass)");
    }
    if (p.backend().equals("opencl")) {
      throw new InputException(
          "--backend opencl: --pattern hyena runs its FFTs on the JVM; use --backend auto or java");
    }
    Progress progress = new Progress("attend");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    AtomicOutput.checkTarget(spark, p.output(), p.overwrite());
    Dataset<Row> df = TokenTable.read(spark, p.input());
    int[] lengths = TokenTable.probeLengths(df, p.input());
    HeadShape shape = AttendJob.headShape(lengths, p.heads());
    if (shape.dv() != shape.d()) {
      throw new InputException(
          "column 'v': length "
              + lengths[1]
              + " differs from column 'q' ("
              + lengths[0]
              + "): --pattern hyena gates v by q element-wise, so they need the same width");
    }
    TokenRowDecoder decoder =
        TokenRowDecoder.forSchema(df.schema(), p.heads(), lengths[0], lengths[1]);
    AttentionPattern pattern = p.pattern().build();
    Map<String, DocPlan> plans = AttendJob.plan(df, pattern, p.spanBlocks());
    long tokens = plans.values().stream().mapToLong(DocPlan::n).sum();
    int spanBlocks = p.spanBlocks();
    long spans =
        plans.values().stream()
            .mapToLong(d -> (pattern.numBlocks(d.n()) + spanBlocks - 1) / spanBlocks)
            .sum();
    int partitions =
        p.partitions() > 0 ? p.partitions() : AttendJob.partitions(spans, tokens, p, jsc);
    String device = "java (JTransforms FFT, double)";
    int order = p.pattern().order();
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
            + ", hyena order "
            + order);

    Broadcast<Map<String, DocPlan>> bPlans = jsc.broadcast(plans);
    LongAccumulator kvBytes = jsc.sc().longAccumulator("hyena k, v bytes routed");
    LongAccumulator unused = jsc.sc().longAccumulator("hyena foreign token bytes");
    LongAccumulator spectraBytes = jsc.sc().longAccumulator("hyena spectra bytes");
    LongAccumulator gateBytes = jsc.sc().longAccumulator("hyena gate bytes");
    SpanPartitioner partitioner = new SpanPartitioner(partitions, bPlans);
    HyenaTasks tasks = new HyenaTasks(bPlans, p, shape, spectraBytes, gateBytes);
    JavaPairRDD<SpanKey, byte[]> toChunks =
        df.queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitionsToPair(new RouteRows(decoder, bPlans, p, shape, kvBytes, unused))
            .partitionBy(partitioner)
            .mapPartitionsToPair(tasks::firstStep);
    JavaRDD<Row> rows = null;
    for (int step = 1; step <= order; step++) {
      JavaPairRDD<SpanKey, Iterable<byte[]>> toSpans =
          toChunks
              .groupByKey(partitioner)
              .mapPartitionsToPair(tasks::frequency)
              .groupByKey(partitioner);
      if (step < order) {
        int next = step + 1;
        toChunks = toSpans.mapPartitionsToPair(it -> tasks.nextStep(next, it));
      } else {
        rows = toSpans.mapPartitions(tasks::output);
      }
    }
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
                    spark, p, pattern, shape, plans.size(), tokens, spans, partitions, device));
            info.put("hyena", hyenaInfo(order, p));
            Map<String, Object> shuffle = new LinkedHashMap<>();
            shuffle.put("bytes_written", meter.bytesWritten());
            shuffle.put("kv_bytes", kvBytes.value()); // as attend reports it; q travels too
            shuffle.put("spectra_bytes", spectraBytes.value());
            shuffle.put("gate_bytes", gateBytes.value());
            info.put("shuffle", shuffle);
            info.put("timings_s", progress.timings());
            AtomicOutput.writeText(spark, tmp, "_longattn.json", RunInfo.toJson(info));
          });
    } finally {
      meter.stop();
    }
    progress.done("output in " + p.output());
    return info;
  }

  /** The operator's definition, as recorded in {@code _longattn.json}. */
  private static Map<String, Object> hyenaInfo(int order, AttendParams p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("order", order);
    m.put(
        "definition",
        "z0 = v; z_i = h_i * (x_i . z_{i-1}); out = z_N; x_i = q (odd i), k (even i)");
    m.put("filter", "FFN(sinusoidal features) x exp(-alpha_j t/(n-1)), seeded");
    m.put("filter_bands", HyenaFilter.BANDS);
    m.put("filter_width", HyenaFilter.WIDTH);
    m.put("filter_seed", p.pattern().seed());
    m.put("span_tokens", p.spanBlocks() * p.pattern().blockSize());
    return m;
  }
}
