package org.longattn.jobs.attend;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.InputException;
import org.longattn.kernels.hyena.BlockConvolution;
import org.longattn.kernels.hyena.HyenaFilter;
import org.longattn.kernels.hyena.HyenaOperator;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;
import scala.Tuple2;

/**
 * The task functions of {@code SpectralExecution}, one per kind of task (see {@link
 * BlockConvolution} for the math):
 *
 * <ul>
 *   <li>{@link #firstStep}: per span, from the routed token rows: u = q ⊙ v, then the span stage of
 *       step 1;
 *   <li>{@link #frequency}: per (document, frequency chunk): the filter-segment spectra G_Δ from
 *       the filter blocks' A, then Y_T = Σ_{S ≤ T} X_S ⊙ G_{T−S} for every target span T, in
 *       source-span order, emitted keyed by T;
 *   <li>{@link #nextStep}: per span: z = IFFT(Y_T), u = x_step ⊙ z, then the span stage of the
 *       step;
 *   <li>{@link #output}: per span after the last step: the output rows.
 * </ul>
 *
 * A span stage emits its source spectra and the spectra of its own filter block (lags [S·L,
 * (S+1)·L)) cut into chunks keyed (document, chunk), and the gate rows later steps need. Every task
 * orders what it receives by span or chunk index before computing, so results never depend on
 * partitioning. Filters are generated where they are used (from the seed); nothing but the small
 * per-document plan is broadcast.
 */
final class HyenaTasks implements java.io.Serializable {
  private final Broadcast<Map<String, DocPlan>> plans;
  private final AttendParams params;
  private final HeadShape shape;
  private final LongAccumulator spectraBytes;
  private final LongAccumulator gateBytes;

  HyenaTasks(
      Broadcast<Map<String, DocPlan>> plans,
      AttendParams params,
      HeadShape shape,
      LongAccumulator spectraBytes,
      LongAccumulator gateBytes) {
    this.plans = plans;
    this.params = params;
    this.shape = shape;
    this.spectraBytes = spectraBytes;
    this.gateBytes = gateBytes;
  }

  private int order() {
    return params.pattern().order();
  }

  private int spanTokens() {
    return params.spanBlocks() * params.pattern().blockSize();
  }

  /** Per-document objects of one task: the filters and the FFT plan. */
  private final class Docs {
    private final Map<String, Doc> docs = new HashMap<>();

    Doc get(String id) {
      return docs.computeIfAbsent(id, Doc::new);
    }
  }

  private final class Doc {
    final String id;
    final HyenaFilter filter;
    final BlockConvolution conv;

    Doc(String id) {
      this.id = id;
      int n = plans.value().get(id).n();
      this.filter = new HyenaFilter(params.pattern().seed(), order(), shape.heads(), shape.d(), n);
      this.conv = new BlockConvolution(n, spanTokens());
    }
  }

  /** Span stage of step 1 from the routed token rows of the partition's spans. */
  Iterator<Tuple2<SpanKey, byte[]>> firstStep(Iterator<Tuple2<SpanKey, byte[]>> records) {
    TreeMap<SpanKey, SpanAssembler> spans = new TreeMap<>();
    int block = params.pattern().blockSize();
    while (records.hasNext()) {
      Tuple2<SpanKey, byte[]> r = records.next();
      spans
          .computeIfAbsent(
              r._1(), k -> new SpanAssembler(plans.value().get(k.docId()), block, shape))
          .add(r._2());
    }
    Docs docs = new Docs();
    List<Tuple2<SpanKey, byte[]>> out = new ArrayList<>();
    while (!spans.isEmpty()) {
      Map.Entry<SpanKey, SpanAssembler> e = spans.pollFirstEntry();
      Doc doc = docs.get(e.getKey().docId());
      int span = e.getKey().span();
      float[][] qkv = spanRows(doc, span, e.getValue());
      int len = doc.conv.spanLength(span);
      double[][] u =
          HyenaOperator.sources(
              HyenaOperator.gateIsQ(1) ? qkv[0] : qkv[1], qkv[2], len, shape.qkWidth());
      spanStage(doc, span, 1, u, qkv[0], qkv[1], out);
    }
    return out.iterator();
  }

  /** q, k, v rows of a span, checked complete. */
  private float[][] spanRows(Doc doc, int span, SpanAssembler asm) {
    int block = params.pattern().blockSize();
    int first = doc.conv.spanStart(span);
    int len = doc.conv.spanLength(span);
    int w = shape.qkWidth();
    float[][] qkv = {new float[len * w], new float[len * w], new float[len * w]};
    for (int b = first / block; b * block < first + len; b++) {
      TokenBlock tb = asm.block(b);
      if (tb == null) {
        throw new InputException(
            "doc '"
                + doc.id
                + "' pos "
                + b * block
                + " column 'pos': position missing (positions must be 0.."
                + (doc.filter.n() - 1)
                + " exactly once)");
      }
      int at = (tb.firstPos() - first) * w;
      System.arraycopy(tb.q(), 0, qkv[0], at, tb.n() * w);
      System.arraycopy(tb.k(), 0, qkv[1], at, tb.n() * w);
      System.arraycopy(tb.v(), 0, qkv[2], at, tb.n() * w);
    }
    return qkv;
  }

  /**
   * The span stage of {@code step}: source and filter spectra by chunk, and the gates steps after
   * this one still need (q for odd steps, k for even ones).
   */
  private void spanStage(
      Doc doc,
      int span,
      int step,
      double[][] u,
      float[] q,
      float[] k,
      List<Tuple2<SpanKey, byte[]>> out) {
    BlockConvolution conv = doc.conv;
    float[][] xs = conv.sourceChunks(u, conv.spanLength(span));
    float[][] gs = conv.filterChunks(doc.filter, step, span);
    for (int c = 0; c < conv.chunks(); c++) {
      SpanKey key = new SpanKey(doc.id, c);
      byte[] x = HyenaRecord.encode(HyenaRecord.SOURCE, span, xs[c]);
      byte[] g = HyenaRecord.encode(HyenaRecord.FILTER, span, gs[c]);
      out.add(new Tuple2<>(key, x));
      out.add(new Tuple2<>(key, g));
      spectraBytes.add(x.length + g.length);
    }
    boolean needQ = false;
    boolean needK = false;
    for (int later = step + 1; later <= order(); later++) {
      needQ |= HyenaOperator.gateIsQ(later);
      needK |= !HyenaOperator.gateIsQ(later);
    }
    SpanKey via = new SpanKey(doc.id, span % conv.chunks());
    if (needQ) {
      byte[] r = HyenaRecord.encode(HyenaRecord.GATE_Q, span, q);
      out.add(new Tuple2<>(via, r));
      gateBytes.add(r.length);
    }
    if (needK) {
      byte[] r = HyenaRecord.encode(HyenaRecord.GATE_K, span, k);
      out.add(new Tuple2<>(via, r));
      gateBytes.add(r.length);
    }
  }

  /** Frequency tasks: per (document, chunk), the spectra of every target span. */
  Iterator<Tuple2<SpanKey, byte[]>> frequency(Iterator<Tuple2<SpanKey, Iterable<byte[]>>> groups) {
    Docs docs = new Docs();
    List<Tuple2<SpanKey, byte[]>> out = new ArrayList<>();
    while (groups.hasNext()) {
      Tuple2<SpanKey, Iterable<byte[]>> g = groups.next();
      Doc doc = docs.get(g._1().docId());
      int chunk = g._1().span();
      int spans = doc.conv.spans();
      float[][] xs = new float[spans][];
      float[][] gs = new float[spans][];
      for (byte[] r : g._2()) {
        switch (HyenaRecord.kind(r)) {
          case HyenaRecord.SOURCE -> xs[HyenaRecord.index(r)] = HyenaRecord.values(r);
          case HyenaRecord.FILTER -> gs[HyenaRecord.index(r)] = HyenaRecord.values(r);
          default -> out.add(new Tuple2<>(new SpanKey(doc.id, HyenaRecord.index(r)), r));
        }
      }
      for (int s = 0; s < spans; s++) {
        if (xs[s] == null || gs[s] == null) {
          throw new IllegalStateException(
              "doc '" + doc.id + "' chunk " + chunk + ": spectra of span " + s + " missing");
        }
      }
      float[][] ys = doc.conv.causalSum(chunk, xs, gs, shape.qkWidth());
      for (int t = 0; t < spans; t++) {
        byte[] y = HyenaRecord.encode(HyenaRecord.SPECTRUM, chunk, ys[t]);
        out.add(new Tuple2<>(new SpanKey(doc.id, t), y));
        spectraBytes.add(y.length);
      }
    }
    return out.iterator();
  }

  /** What a span task receives after a frequency stage. */
  private final class Received {
    final Doc doc;
    final int span;
    final float[][] ys;
    float[] q;
    float[] k;

    Received(Docs docs, Tuple2<SpanKey, Iterable<byte[]>> g) {
      this.doc = docs.get(g._1().docId());
      this.span = g._1().span();
      this.ys = new float[doc.conv.chunks()][];
      for (byte[] r : g._2()) {
        switch (HyenaRecord.kind(r)) {
          case HyenaRecord.SPECTRUM -> ys[HyenaRecord.index(r)] = HyenaRecord.values(r);
          case HyenaRecord.GATE_Q -> q = HyenaRecord.values(r);
          case HyenaRecord.GATE_K -> k = HyenaRecord.values(r);
          default -> throw new IllegalStateException("unexpected record kind " + r[0]);
        }
      }
    }

    /** z = the previous step's convolution on this span. */
    double[][] convolved() {
      return doc.conv.inverse(span, ys, shape.qkWidth());
    }
  }

  /** Span stage of {@code step} ≥ 2: gate the previous convolution, then its spectra. */
  Iterator<Tuple2<SpanKey, byte[]>> nextStep(
      int step, Iterator<Tuple2<SpanKey, Iterable<byte[]>>> groups) {
    Docs docs = new Docs();
    List<Tuple2<SpanKey, byte[]>> out = new ArrayList<>();
    while (groups.hasNext()) {
      Received r = new Received(docs, groups.next());
      int len = r.doc.conv.spanLength(r.span);
      double[][] u =
          HyenaOperator.gate(HyenaOperator.gateIsQ(step) ? r.q : r.k, r.convolved(), len);
      spanStage(r.doc, r.span, step, u, r.q, r.k, out);
    }
    return out.iterator();
  }

  /** Output rows of each span after the last step. */
  Iterator<Row> output(Iterator<Tuple2<SpanKey, Iterable<byte[]>>> groups) {
    Docs docs = new Docs();
    List<Row> rows = new ArrayList<>();
    int w = shape.vWidth();
    while (groups.hasNext()) {
      Received r = new Received(docs, groups.next());
      int len = r.doc.conv.spanLength(r.span);
      float[] out = HyenaOperator.rows(r.convolved(), len);
      int first = r.doc.conv.spanStart(r.span);
      for (int t = 0; t < len; t++) {
        Object value;
        if (params.binaryOutput()) {
          byte[] bytes = new byte[4 * w];
          FloatBytes.encodeFloats(out, t * w, w, bytes);
          value = bytes;
        } else {
          value = java.util.Arrays.copyOfRange(out, t * w, (t + 1) * w);
        }
        rows.add(RowFactory.create(r.doc.id, first + t, value));
      }
    }
    return rows.iterator();
  }
}
