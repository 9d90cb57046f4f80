package org.longattn.jobs.attend;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.longattn.datasets.FloatBytes;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.Backends;
import org.longattn.kernels.InputRangeException;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.score.ScoreFunction;
import org.longattn.kernels.span.ConvBandSpan;
import org.longattn.kernels.span.Globals;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.SpanAttention;
import org.longattn.kernels.span.SpanResult;
import org.longattn.kernels.state.SoftmaxState;
import scala.Tuple2;

/**
 * The reduce side of the routing shuffle: per span, assemble its blocks and compute (a) the output
 * rows of its non-global positions and (b) the partial states of the document's global rows; then
 * (c) emit the global rows from the partials folded over spans by {@link GlobalFold}.
 */
public final class SpanTasks implements java.io.Serializable {
  private final Broadcast<Map<String, DocPlan>> plans;
  private final AttendParams params;
  private final HeadShape shape;
  private final ScoreFunction score;

  public SpanTasks(Broadcast<Map<String, DocPlan>> plans, AttendParams params, HeadShape shape) {
    this(plans, params, shape, ScoreFunction.scaledDot());
  }

  /** Tasks scoring with {@code score} (built for {@code shape} on the driver). */
  public SpanTasks(
      Broadcast<Map<String, DocPlan>> plans,
      AttendParams params,
      HeadShape shape,
      ScoreFunction score) {
    this.plans = plans;
    this.params = params;
    this.shape = shape;
    this.score = score;
  }

  /**
   * What one span produced, compact (flat arrays, Kryo-friendly plain class): its rows — global
   * positions among them are placeholders, skipped by {@link #rows} — and the partial states of the
   * document's global rows over its keys (null when the document has no global token).
   */
  public static final class SpanOutput implements java.io.Serializable {
    final String docId;
    final int firstPos;
    final int rows;
    final float[] out;
    final float[] entropy;
    final float[] meanDistance;
    final float[] maxWeight;
    final float[] globalMass;
    final byte[] partials;

    SpanOutput(String docId, SpanResult r, byte[] partials) {
      this.docId = docId;
      this.firstPos = r.firstPos();
      this.rows = r.rows();
      this.out = r.out();
      this.entropy = r.entropy();
      this.meanDistance = r.meanDistance();
      this.maxWeight = r.maxWeight();
      this.globalMass = r.globalMass();
      this.partials = partials;
    }

    /** (document, [span, per-head states]) for the global-row fold, or null. */
    public Tuple2<String, byte[]> partial() {
      return partials == null ? null : new Tuple2<>(docId, partials);
    }

    public boolean hasPartials() {
      return partials != null;
    }
  }

  /**
   * (a+b) Per span of the partition: its rows and its global partials, in one pass. Records stream
   * into one assembler per span (usually the partition's only span), in any order.
   */
  public Iterator<SpanOutput> compute(Iterator<Tuple2<SpanKey, byte[]>> records) {
    AttentionPattern pattern = params.pattern().build();
    java.util.TreeMap<SpanKey, SpanAssembler> assemblers = new java.util.TreeMap<>();
    while (records.hasNext()) {
      Tuple2<SpanKey, byte[]> rec = records.next();
      assemblers
          .computeIfAbsent(
              rec._1(),
              k -> new SpanAssembler(plans.value().get(k.docId()), pattern.blockSize(), shape))
          .add(rec._2());
    }
    Iterator<java.util.Map.Entry<SpanKey, SpanAssembler>> spans = assemblers.entrySet().iterator();
    AttentionBackend backend = Backends.create(params.backend(), assignedGpu());
    SpanAttention attention = new SpanAttention(pattern, shape, params.stats(), backend, score);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        if (!spans.hasNext()) {
          backend.close();
          return false;
        }
        return true;
      }

      @Override
      public SpanOutput next() {
        java.util.Map.Entry<SpanKey, SpanAssembler> span = spans.next();
        spans.remove(); // let the span's blocks go once computed
        try {
          return computeSpan(span.getKey(), span.getValue(), pattern, attention);
        } catch (InputRangeException e) {
          throw RangeRefusal.of(span.getKey().docId(), e);
        }
      }
    };
  }

  /**
   * The GPU Spark assigned to this task ({@code spark.task.resource.gpu.amount}), as an index among
   * the OpenCL GPUs; -1 (the default device) outside Spark's resource scheduling.
   */
  static int assignedGpu() {
    TaskContext tc = TaskContext.get();
    if (tc == null || !tc.resourcesJMap().containsKey("gpu")) {
      return -1;
    }
    String[] addresses = tc.resourcesJMap().get("gpu").addresses();
    return addresses.length == 0 ? -1 : Integer.parseInt(addresses[0]);
  }

  private SpanOutput computeSpan(
      SpanKey key, SpanAssembler asm, AttentionPattern pattern, SpanAttention attention) {
    DocPlan doc = plans.value().get(key.docId());
    int[] range = blockRange(doc, key.span(), pattern);
    Globals globals = asm.globals().withPadding(doc.padding());
    SpanResult r =
        params.pattern().family().convolutionKernel()
            ? new ConvBandSpan(pattern, shape, params.convOrDefault())
                .computeRows(doc.n(), range[0], range[1], asm::block, globals)
            : attention.computeRows(
                doc.n(), doc.docHash(), range[0], range[1], asm::block, globals);
    byte[] partialBytes = null;
    if (globals.size() > 0) {
      partialBytes =
          GlobalFold.record(
              key.span(), attention.computeGlobalPartials(range[0], range[1], asm::block, globals));
    }
    return new SpanOutput(doc.docId(), r, partialBytes);
  }

  /** Whether rows carry the stats columns. */
  boolean stats() {
    return params.stats();
  }

  /** Output rows of a span's non-global positions. */
  public Iterator<Row> rows(SpanOutput o) {
    DocPlan doc = plans.value().get(o.docId);
    int[] gpos = doc.globalPositions(params.pattern().build());
    List<Row> out = new ArrayList<>(o.rows);
    for (int i = 0; i < o.rows; i++) {
      int p = o.firstPos + i;
      if (doc.padded(p)) {
        out.add(paddingRow(o.docId, p));
      } else if (java.util.Arrays.binarySearch(gpos, p) < 0) {
        out.add(row(o.docId, p, o.out, i, o.entropy, o.meanDistance, o.maxWeight, o.globalMass));
      }
    }
    return out.iterator();
  }

  /** (c) Emits one document's global rows from its fully folded partial states. */
  public Iterator<Row> globalRows(Tuple2<String, byte[]> docFolded) {
    DocPlan doc = plans.value().get(docFolded._1());
    AttentionPattern pattern = params.pattern().build();
    int heads = shape.heads();
    SoftmaxState[] folded = GlobalFold.states(docFolded._2(), heads);
    int[] gpos = doc.globalPositions(pattern);
    int g = gpos.length;
    boolean stats = params.stats();
    float[] out = new float[g * shape.vWidth()];
    float[] ent = stats ? new float[g * heads] : null;
    float[] dist = stats ? new float[g * heads] : null;
    float[] maxw = stats ? new float[g * heads] : null;
    float[] gm = stats ? new float[g * heads] : null;
    try {
      SpanAttention.finishGlobalRows(shape, folded, r -> gpos[r], out, ent, dist, maxw, gm);
    } catch (InputRangeException e) {
      throw RangeRefusal.of(doc.docId(), e);
    }
    List<Row> rows = new ArrayList<>(g);
    for (int i = 0; i < g; i++) {
      rows.add(row(doc.docId(), gpos[i], out, i, ent, dist, maxw, gm));
    }
    return rows.iterator();
  }

  private int[] blockRange(DocPlan doc, int span, AttentionPattern pattern) {
    int sb = params.spanBlocks();
    return new int[] {span * sb, Math.min(pattern.numBlocks(doc.n()), (span + 1) * sb)};
  }

  /** A padding row: {@code out} and the stats are null. */
  private Row paddingRow(String docId, int pos) {
    return params.stats()
        ? RowFactory.create(docId, pos, null, null, null, null, null)
        : RowFactory.create(docId, pos, null);
  }

  Row row(
      String docId,
      int pos,
      float[] out,
      int r,
      float[] ent,
      float[] dist,
      float[] maxw,
      float[] gm) {
    int vw = shape.vWidth();
    Object outValue;
    if (params.binaryOutput()) {
      byte[] bytes = new byte[4 * vw];
      FloatBytes.encodeFloats(out, r * vw, vw, bytes);
      outValue = bytes;
    } else {
      outValue = java.util.Arrays.copyOfRange(out, r * vw, (r + 1) * vw);
    }
    if (ent == null) {
      return RowFactory.create(docId, pos, outValue);
    }
    int h = shape.heads();
    return RowFactory.create(
        docId,
        pos,
        outValue,
        java.util.Arrays.copyOfRange(ent, r * h, (r + 1) * h),
        java.util.Arrays.copyOfRange(dist, r * h, (r + 1) * h),
        java.util.Arrays.copyOfRange(maxw, r * h, (r + 1) * h),
        java.util.Arrays.copyOfRange(gm, r * h, (r + 1) * h));
  }
}
