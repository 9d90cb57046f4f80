package org.longattn.jobs.attend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.longattn.datasets.FloatBytes;
import org.longattn.kernels.Backends;
import org.longattn.kernels.InputRangeException;
import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.linear.LinearFamilies;
import org.longattn.kernels.linear.LinearSpanAttention;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.span.HeadShape;
import scala.Tuple2;

/**
 * The Spark side of {@link LinearSpanAttention}: per span its total state, per document the span
 * inputs (carry-ins or the document's total), per span its output rows. States travel as bytes of
 * heads × one state; nothing here holds more than one partition's spans or one document's span
 * states.
 */
public final class LinearSpanTasks implements StateMonoid.Scan {
  private final Broadcast<Map<String, DocPlan>> plans;
  private final PatternSpec spec;
  private final int spanBlocks;
  private final HeadShape shape;
  private final HeadShape routedShape;
  private final boolean gateColumn;
  private final boolean binaryOutput;
  private final LongAccumulator stateBytes;
  private final String backend;

  /**
   * @param routedShape the shape of the routed rows (v rows carry the log-gates after the values
   *     when {@code gateColumn})
   */
  public LinearSpanTasks(
      Broadcast<Map<String, DocPlan>> plans,
      PatternSpec spec,
      int spanBlocks,
      HeadShape shape,
      HeadShape routedShape,
      boolean gateColumn,
      boolean binaryOutput,
      LongAccumulator stateBytes,
      String backend) {
    this.plans = plans;
    this.spec = spec;
    this.spanBlocks = spanBlocks;
    this.shape = shape;
    this.routedShape = routedShape;
    this.gateColumn = gateColumn;
    this.binaryOutput = binaryOutput;
    this.stateBytes = stateBytes;
    this.backend = backend;
  }

  /** The backend of this task (the GPU Spark assigned it, if any). */
  private LinearAttentionBackend backend() {
    return Backends.linear(backend, SpanTasks.assignedGpu());
  }

  private LinearSpanAttention<?> attention(LinearAttentionBackend be) {
    return new LinearSpanAttention<>(
        LinearFamilies.create(spec, shape, gateColumn, be), shape.heads(), shape.vWidth());
  }

  /** Every span of the partition, assembled (and checked) from its routed records. */
  private TreeMap<SpanKey, SpanAssembler> assemble(Iterator<Tuple2<SpanKey, byte[]>> records) {
    TreeMap<SpanKey, SpanAssembler> spans = new TreeMap<>();
    while (records.hasNext()) {
      Tuple2<SpanKey, byte[]> rec = records.next();
      spans
          .computeIfAbsent(
              rec._1(),
              k -> new SpanAssembler(plans.value().get(k.docId()), spec.blockSize(), routedShape))
          .add(rec._2());
    }
    return spans;
  }

  private int[] blockRange(SpanKey key) {
    int n = plans.value().get(key.docId()).n();
    int blocks = (n + spec.blockSize() - 1) / spec.blockSize();
    return new int[] {key.span() * spanBlocks, Math.min(blocks, (key.span() + 1) * spanBlocks)};
  }

  /**
   * Step 1: (document, [span | heads × state]) per span of the partition ({@link IndexedStates}).
   */
  public Iterator<Tuple2<String, byte[]>> totals(Iterator<Tuple2<SpanKey, byte[]>> records) {
    TreeMap<SpanKey, SpanAssembler> spans = assemble(records);
    List<Tuple2<String, byte[]>> out = new ArrayList<>();
    try (LinearAttentionBackend be = backend()) {
      totals(attention(be), spans, out);
    }
    return out.iterator();
  }

  private void totals(
      LinearSpanAttention<?> attention,
      TreeMap<SpanKey, SpanAssembler> spans,
      List<Tuple2<String, byte[]>> out) {
    for (Map.Entry<SpanKey, SpanAssembler> span : spans.entrySet()) {
      int[] range = blockRange(span.getKey());
      byte[] total = attention.spanTotal(span.getValue()::block, range[0], range[1]);
      byte[] record = IndexedStates.record(span.getKey().span(), total);
      stateBytes.add(record.length);
      out.add(new Tuple2<>(span.getKey().docId(), record));
    }
  }

  /** Step 2, up ({@link StateRounds}): the fold of an aligned run of sibling payloads. */
  @Override
  public byte[] fold(List<byte[]> items) {
    return attention(org.longattn.kernels.cpu.JavaLinearBackend.INSTANCE).foldRun(items);
  }

  /** Step 2, down ({@link StateRounds}, causal): the exclusive prefixes of an aligned run. */
  @Override
  public List<byte[]> scan(List<byte[]> items, long first, byte[] carryIn) {
    return attention(org.longattn.kernels.cpu.JavaLinearBackend.INSTANCE)
        .scanRun(items, first, carryIn);
  }

  /**
   * Step 3: the output rows of the partition's spans; {@code inputs} holds the same spans' inputs
   * (both sides partitioned by the same {@link SpanPartitioner}).
   */
  public Iterator<Row> rows(
      Iterator<Tuple2<SpanKey, byte[]>> records, Iterator<Tuple2<SpanKey, byte[]>> inputs) {
    TreeMap<SpanKey, SpanAssembler> spans = assemble(records);
    Map<SpanKey, byte[]> in = new java.util.HashMap<>();
    inputs.forEachRemaining(t -> in.put(t._1(), t._2()));
    LinearAttentionBackend be = backend();
    LinearSpanAttention<?> attention = attention(be);
    Iterator<Map.Entry<SpanKey, SpanAssembler>> it = spans.entrySet().iterator();
    return new Iterator<>() {
      private final java.util.ArrayDeque<Row> ready = new java.util.ArrayDeque<>();

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && it.hasNext()) {
          Map.Entry<SpanKey, SpanAssembler> span = it.next();
          it.remove(); // let the span's blocks go once computed
          spanRows(attention, span.getKey(), span.getValue(), in.get(span.getKey()), ready);
        }
        if (ready.isEmpty()) {
          be.close();
          return false;
        }
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return ready.poll();
      }
    };
  }

  private void spanRows(
      LinearSpanAttention<?> attention,
      SpanKey key,
      SpanAssembler asm,
      byte[] input,
      java.util.Collection<Row> rows) {
    if (input == null) {
      throw new IllegalStateException("span " + key + " has no input state");
    }
    int[] range = blockRange(key);
    float[] out;
    try {
      out = attention.outputs(asm::block, range[0], range[1], input);
    } catch (InputRangeException e) {
      throw RangeRefusal.of(key.docId(), e);
    }
    int first = range[0] * spec.blockSize();
    int vw = shape.vWidth();
    for (int i = 0; i < out.length / vw; i++) {
      Object value;
      if (binaryOutput) {
        byte[] bytes = new byte[4 * vw];
        FloatBytes.encodeFloats(out, i * vw, vw, bytes);
        value = bytes;
      } else {
        value = Arrays.copyOfRange(out, i * vw, (i + 1) * vw);
      }
      rows.add(RowFactory.create(key.docId(), first + i, value));
    }
  }
}
