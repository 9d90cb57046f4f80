package org.longattn.jobs.attend;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
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
 * (c) emit the global rows from the partials folded over spans by {@link StateRounds}.
 */
public final class SpanTasks implements java.io.Serializable {
  private final Broadcast<Map<String, DocPlan>> plans;
  private final AttendParams params;
  private final HeadShape shape;
  private final ScoreFunction score;
  private StageProfile profile;

  /** The pattern, built once per deserialised copy (per task), not per span or document. */
  private transient AttentionPattern pattern;

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

  private AttentionPattern pattern() {
    if (pattern == null) {
      pattern = params.pattern().build();
    }
    return pattern;
  }

  /** Times shuffle read, assembly, kernel and row building into {@code p} (this, for chaining). */
  public SpanTasks profiled(StageProfile p) {
    this.profile = p;
    return this;
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
    AttentionPattern pattern = pattern();
    java.util.TreeMap<SpanKey, SpanAssembler> assemblers = new java.util.TreeMap<>();
    long readNs = 0;
    long asmNs = 0;
    long readBytes = 0;
    long t0 = System.nanoTime();
    while (records.hasNext()) {
      Tuple2<SpanKey, byte[]> rec = records.next();
      long t1 = profile == null ? 0 : System.nanoTime();
      assemblers
          .computeIfAbsent(
              rec._1(),
              k -> new SpanAssembler(plans.value().get(k.docId()), pattern.blockSize(), shape))
          .add(rec._2());
      if (profile != null) {
        long t2 = System.nanoTime();
        readNs += t1 - t0;
        asmNs += t2 - t1;
        readBytes += rec._2().length;
        t0 = t2;
      }
    }
    if (profile != null) {
      profile.add("shuffle_read", readNs + System.nanoTime() - t0, -1, readBytes);
      profile.add("assemble", asmNs, -1, 0);
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
          if (profile == null) {
            return computeSpan(span.getKey(), span.getValue(), pattern, attention);
          }
          StageProfile.Timer t = profile.start("kernel");
          SpanOutput o = computeSpan(span.getKey(), span.getValue(), pattern, attention);
          t.stop(4L * o.rows * shape.vWidth());
          return o;
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
          IndexedStates.record(
              key.span(),
              SoftmaxStates.encode(
                  attention.computeGlobalPartials(range[0], range[1], asm::block, globals)));
    }
    return new SpanOutput(doc.docId(), r, partialBytes);
  }

  /** Whether rows carry the stats columns. */
  boolean stats() {
    return params.stats();
  }

  /**
   * Output rows of a span's non-global positions, as Spark's internal rows (the writer's own form:
   * no boxed floats, no conversion).
   */
  public Iterator<InternalRow> rows(SpanOutput o) {
    if (profile == null) {
      return buildRows(o);
    }
    StageProfile.Timer t = profile.start("row_build");
    Iterator<InternalRow> rows = buildRows(o);
    t.stop(0);
    return rows;
  }

  private Iterator<InternalRow> buildRows(SpanOutput o) {
    DocPlan doc = plans.value().get(o.docId);
    int[] gpos = doc.globalPositions(pattern());
    UTF8String id = UTF8String.fromString(o.docId);
    List<InternalRow> out = new ArrayList<>(o.rows);
    for (int i = 0; i < o.rows; i++) {
      int p = o.firstPos + i;
      if (doc.padded(p)) {
        Object[] padding = new Object[params.stats() ? 7 : 3]; // out and stats null
        padding[0] = id;
        padding[1] = p;
        out.add(new GenericInternalRow(padding));
      } else if (java.util.Arrays.binarySearch(gpos, p) < 0) {
        out.add(internalRow(id, p, o.out, i, o.entropy, o.meanDistance, o.maxWeight, o.globalMass));
      }
    }
    return out.iterator();
  }

  /** (c) Emits one document's global rows from its fully folded partial states. */
  public Iterator<InternalRow> globalRows(Tuple2<String, byte[]> docFolded) {
    DocPlan doc = plans.value().get(docFolded._1());
    AttentionPattern pattern = pattern();
    int heads = shape.heads();
    SoftmaxState[] folded = new SoftmaxStates(heads).decode(docFolded._2());
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
    List<InternalRow> rows = new ArrayList<>(g);
    UTF8String id = UTF8String.fromString(doc.docId());
    for (int i = 0; i < g; i++) {
      rows.add(internalRow(id, gpos[i], out, i, ent, dist, maxw, gm));
    }
    return rows.iterator();
  }

  private int[] blockRange(DocPlan doc, int span, AttentionPattern pattern) {
    int sb = params.spanBlocks();
    return new int[] {span * sb, Math.min(pattern.numBlocks(doc.n()), (span + 1) * sb)};
  }

  /** Row {@code r} of the flat arrays as an internal row (values copied once, no boxing). */
  InternalRow internalRow(
      UTF8String docId,
      int pos,
      float[] out,
      int r,
      float[] ent,
      float[] dist,
      float[] maxw,
      float[] gm) {
    Object[] v = values(out, r, ent, dist, maxw, gm, true);
    v[0] = docId;
    v[1] = pos;
    return new GenericInternalRow(v);
  }

  /** Row {@code r} of the flat arrays as a {@link Row} (float[] values). */
  Row row(
      String docId,
      int pos,
      float[] out,
      int r,
      float[] ent,
      float[] dist,
      float[] maxw,
      float[] gm) {
    Object[] v = values(out, r, ent, dist, maxw, gm, false);
    v[0] = docId;
    v[1] = pos;
    return RowFactory.create(v);
  }

  /**
   * The values of row {@code r} from index 2 on: out, then (with stats) entropy, mean distance, max
   * weight, global mass; arrays as Spark's internal arrays or as float[].
   */
  private Object[] values(
      float[] out, int r, float[] ent, float[] dist, float[] maxw, float[] gm, boolean internal) {
    int vw = shape.vWidth();
    Object[] v = new Object[ent == null ? 3 : 7];
    if (params.binaryOutput()) {
      byte[] bytes = new byte[4 * vw];
      FloatBytes.encodeFloats(out, r * vw, vw, bytes);
      v[2] = bytes;
    } else {
      v[2] = slice(out, r, vw, internal);
    }
    if (ent != null) {
      int h = shape.heads();
      v[3] = slice(ent, r, h, internal);
      v[4] = slice(dist, r, h, internal);
      v[5] = slice(maxw, r, h, internal);
      v[6] = slice(gm, r, h, internal);
    }
    return v;
  }

  /** Row {@code r} of width {@code w} of a flat array: Spark's internal array or a float[]. */
  private static Object slice(float[] a, int r, int w, boolean internal) {
    return internal
        ? UnsafeArrayData.fromPrimitiveArray(a, Platform.FLOAT_ARRAY_OFFSET + 4 * r * w, w, 4)
        : java.util.Arrays.copyOfRange(a, r * w, (r + 1) * w);
  }
}
