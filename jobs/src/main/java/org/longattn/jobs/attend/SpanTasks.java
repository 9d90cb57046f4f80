package org.longattn.jobs.attend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.span.Globals;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.SpanAttention;
import org.longattn.kernels.span.SpanResult;
import org.longattn.kernels.state.SoftmaxState;
import org.longattn.kernels.state.TreeFold;
import scala.Tuple2;

/**
 * The reduce side of the routing shuffle: per span, assemble its blocks and compute (a) the output
 * rows of its non-global positions and (b) the partial states of the document's global rows; then
 * (c) fold each document's partials over spans in span order and emit the global rows.
 */
public final class SpanTasks implements java.io.Serializable {
  private final Broadcast<Map<String, DocPlan>> plans;
  private final AttendParams params;
  private final HeadShape shape;

  public SpanTasks(Broadcast<Map<String, DocPlan>> plans, AttendParams params, HeadShape shape) {
    this.plans = plans;
    this.params = params;
    this.shape = shape;
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
    SpanAttention attention = new SpanAttention(pattern, shape, params.stats(), backend);
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
        return computeSpan(span.getKey(), span.getValue(), pattern, attention);
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
    Globals globals = asm.globals();
    SpanResult r =
        attention.computeRows(doc.n(), doc.docHash(), range[0], range[1], asm::block, globals);
    byte[] partialBytes = null;
    if (globals.size() > 0) {
      SoftmaxState[] partials =
          attention.computeGlobalPartials(range[0], range[1], asm::block, globals);
      int size = 4;
      for (SoftmaxState st : partials) {
        size += st.byteSize();
      }
      ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
      buf.putInt(key.span());
      for (SoftmaxState st : partials) {
        st.writeTo(buf);
      }
      partialBytes = buf.array();
    }
    return new SpanOutput(doc.docId(), r, partialBytes);
  }

  /** Output rows of a span's non-global positions. */
  public Iterator<Row> rows(SpanOutput o) {
    DocPlan doc = plans.value().get(o.docId);
    int[] gpos = params.pattern().build().globalPositions(doc.n(), doc.columnGlobals());
    List<Row> out = new ArrayList<>(o.rows);
    for (int i = 0; i < o.rows; i++) {
      int p = o.firstPos + i;
      if (java.util.Arrays.binarySearch(gpos, p) < 0) {
        out.add(row(o.docId, p, o.out, i, o.entropy, o.meanDistance, o.maxWeight, o.globalMass));
      }
    }
    return out.iterator();
  }

  /** (c) Folds one document's span partials in span order and emits its global rows. */
  public Iterator<Row> globalRows(Tuple2<String, Iterable<byte[]>> docPartials) {
    DocPlan doc = plans.value().get(docPartials._1());
    AttentionPattern pattern = params.pattern().build();
    List<ByteBuffer> bySpan = new ArrayList<>();
    for (byte[] b : docPartials._2()) {
      bySpan.add(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN));
    }
    bySpan.sort((a, b) -> Integer.compare(a.getInt(0), b.getInt(0)));
    int heads = shape.heads();
    List<List<SoftmaxState>> perHead = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      perHead.add(new ArrayList<>());
    }
    for (ByteBuffer buf : bySpan) {
      buf.position(4);
      for (int h = 0; h < heads; h++) {
        perHead.get(h).add(SoftmaxState.readFrom(buf));
      }
    }
    SoftmaxState[] folded = new SoftmaxState[heads];
    for (int h = 0; h < heads; h++) {
      folded[h] = TreeFold.fold(perHead.get(h), SoftmaxState::merge);
    }
    int[] gpos = pattern.globalPositions(doc.n(), doc.columnGlobals());
    int g = gpos.length;
    boolean stats = params.stats();
    float[] out = new float[g * shape.vWidth()];
    float[] ent = stats ? new float[g * heads] : null;
    float[] dist = stats ? new float[g * heads] : null;
    float[] maxw = stats ? new float[g * heads] : null;
    float[] gm = stats ? new float[g * heads] : null;
    SpanAttention.finishGlobalRows(shape, folded, out, ent, dist, maxw, gm);
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

  private Row row(
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
