package org.longattn.jobs.attend;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.RunInfo;
import org.longattn.kernels.hyena.HyenaFilter;
import org.longattn.kernels.span.HeadShape;

/**
 * Spectral execution ({@code attend --pattern hyena}): the Hyena operator of order N (see {@code
 * HyenaOperator}) over a token table, distributed by spans.
 *
 * <ol>
 *   <li>route block-local ({@link Routing#blockLocal}): each block to its own span only (no halo);
 *   <li>N times: span tasks emit spectra chunks (source, filter segment) keyed (document, chunk) →
 *       frequency tasks sum them causally over spans and emit each target span's spectrum chunk
 *       keyed (document, span) → span tasks invert, gate, and go on (or write rows).
 * </ol>
 *
 * Shuffles: 1 + 2N, all with {@link SpanPartitioner} (span and chunk ids are dense per document);
 * no task ever holds more than one span's tokens or one chunk of every span's spectra.
 */
final class SpectralExecution implements Execution {
  static final SpectralExecution INSTANCE = new SpectralExecution();

  private SpectralExecution() {}

  @Override
  public void checkParameters(AttendParams p) {
    if (p.stats()) {
      throw new InputException(
          "--stats: not available for --pattern hyena (a convolution has no attention weights:"
              + " no entropy, distance, max weight or global mass)");
    }
  }

  @Override
  public void checkShape(HeadShape shape, int[] lengths) {
    if (shape.dv() != shape.d()) {
      throw new InputException(
          "column 'v': length "
              + lengths[1]
              + " differs from column 'q' ("
              + lengths[0]
              + "): --pattern hyena gates v by q element-wise, so they need the same width");
    }
  }

  @Override
  public String device(AttendParams p) {
    return "java (JTransforms FFT, double)";
  }

  @Override
  public String describe(PlannedInput in) {
    HeadShape shape = in.shape();
    return in.sizes()
        + ", heads "
        + shape.heads()
        + "x"
        + shape.d()
        + ", hyena order "
        + in.params().pattern().order();
  }

  @Override
  public AttendResult run(PlannedInput in) {
    AttendParams p = in.params();
    HeadShape shape = in.shape();
    JavaSparkContext jsc = in.jsc();
    int order = p.pattern().order();
    Broadcast<Map<String, DocPlan>> bPlans = jsc.broadcast(in.plans());
    LongAccumulator kvBytes = jsc.sc().longAccumulator("hyena k, v bytes routed");
    LongAccumulator unused = jsc.sc().longAccumulator("hyena foreign token bytes");
    LongAccumulator spectraBytes = jsc.sc().longAccumulator("hyena spectra bytes");
    LongAccumulator gateBytes = jsc.sc().longAccumulator("hyena gate bytes");
    SpanPartitioner partitioner = new SpanPartitioner(in.partitions(), bPlans);
    HyenaTasks tasks = new HyenaTasks(bPlans, p, shape, spectraBytes, gateBytes);
    JavaPairRDD<SpanKey, byte[]> toChunks =
        in.tokens()
            .queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitionsToPair(
                new RouteRows(in.decoder(), bPlans, in.blockLocal(), shape, kvBytes, unused))
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
        in.spark()
            .createDataFrame(rows, TokenTable.outputSchema(shape.heads(), false, p.binaryOutput()));

    AttendResult.RunRecord record =
        bytesWritten -> {
          Map<String, Object> info =
              RunInfo.attend(
                  in.spark(),
                  p,
                  shape,
                  in.plans().size(),
                  in.tokenCount(),
                  in.spans(),
                  in.partitions(),
                  in.device());
          info.put("hyena", hyenaInfo(order, p));
          Map<String, Object> shuffle = new LinkedHashMap<>();
          shuffle.put("bytes_written", bytesWritten);
          shuffle.put("kv_bytes", kvBytes.value()); // as attend reports it; q travels too
          shuffle.put("spectra_bytes", spectraBytes.value());
          shuffle.put("gate_bytes", gateBytes.value());
          info.put("shuffle", shuffle);
          return info;
        };
    return new AttendResult(out, in.tokenCount(), in.progress(), record, () -> {});
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
