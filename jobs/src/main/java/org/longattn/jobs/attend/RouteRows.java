package org.longattn.jobs.attend;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.util.LongAccumulator;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenRecord;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.span.HeadShape;
import scala.Tuple2;

/**
 * Map side of the routing shuffle: decodes (and so validates) token rows, packs runs of adjacent
 * rows of one block into a record, and emits it to the block's own span (q, k, v), to every other
 * span that reads the block as keys (k, v), and — for global rows — to every span of the document;
 * block-local {@link Routing} sends each block to its own span only. Input order only changes how
 * rows are packed, never what a span receives.
 */
public final class RouteRows
    implements PairFlatMapFunction<Iterator<InternalRow>, SpanKey, byte[]> {
  private final TokenRowDecoder decoder;
  private final Broadcast<Map<String, DocPlan>> plans;
  private final Routing routing;
  private final HeadShape shape;
  private final LongAccumulator ownBytes;
  private final LongAccumulator foreignBytes;
  private StageProfile profile;

  public RouteRows(
      TokenRowDecoder decoder,
      Broadcast<Map<String, DocPlan>> plans,
      Routing routing,
      HeadShape shape,
      LongAccumulator ownBytes,
      LongAccumulator foreignBytes) {
    this.decoder = decoder;
    this.plans = plans;
    this.routing = routing;
    this.shape = shape;
    this.ownBytes = ownBytes;
    this.foreignBytes = foreignBytes;
  }

  /** Times read, decode and route into {@code p} (this object, for chaining). */
  public RouteRows profiled(StageProfile p) {
    this.profile = p;
    return this;
  }

  @Override
  public Iterator<Tuple2<SpanKey, byte[]>> call(Iterator<InternalRow> rows) {
    return new Router(rows);
  }

  /** Per-document facts derived once per task. */
  private record DocRoute(DocPlan plan, SpanRouting routing, int[] globals) {}

  private final class Router implements Iterator<Tuple2<SpanKey, byte[]>> {
    private final Iterator<InternalRow> rows;
    private final AttentionPattern pattern =
        routing.isBlockLocal() ? null : routing.pattern().build();
    private final int block = routing.blockSize();
    private final Map<String, DocRoute> routes = new HashMap<>();
    private final ArrayDeque<Tuple2<SpanKey, byte[]>> ready = new ArrayDeque<>();
    private final int[] pos = new int[block];
    private final float[][] q = new float[block][];
    private final float[][] k = new float[block][];
    private final float[][] v = new float[block][];
    private DocRoute current;
    private int currentBlock = -1;
    private int count;
    private long readNs;
    private long decodeNs;
    private long routeNs;
    private long routeBytes;
    private long rowsRead;

    Router(Iterator<InternalRow> rows) {
      this.rows = rows;
    }

    @Override
    public boolean hasNext() {
      while (ready.isEmpty()) {
        if (profile == null) {
          if (!rows.hasNext()) {
            flush();
            return !ready.isEmpty();
          }
          add(decoder.decode(rows.next()));
          continue;
        }
        long t0 = System.nanoTime();
        if (!rows.hasNext()) {
          readNs += System.nanoTime() - t0;
          flush();
          report();
          return !ready.isEmpty();
        }
        InternalRow row = rows.next();
        long t1 = System.nanoTime();
        TokenRecord t = decoder.decode(row);
        long t2 = System.nanoTime();
        readNs += t1 - t0;
        decodeNs += t2 - t1;
        rowsRead++;
        add(t);
      }
      return true;
    }

    @Override
    public Tuple2<SpanKey, byte[]> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    private void add(TokenRecord t) {
      DocRoute route = routes.computeIfAbsent(t.docId(), this::route);
      if (t.pos() >= route.plan().n()) {
        throw new InputException(
            "doc '"
                + t.docId()
                + "' pos "
                + t.pos()
                + " column 'pos': beyond the document's "
                + route.plan().n()
                + " tokens (positions must be 0..n-1)");
      }
      int b = t.pos() / block;
      if (route != current || b != currentBlock) {
        flush();
        current = route;
        currentBlock = b;
      }
      pos[count] = t.pos();
      q[count] = t.q();
      k[count] = t.k();
      v[count] = t.v();
      count++;
      if (count == block) {
        flush(); // a block holds at most `block` distinct rows; more would be duplicates
      }
    }

    private DocRoute route(String docId) {
      DocPlan plan = plans.value().get(docId);
      if (plan == null) {
        throw new IllegalStateException("no plan for document '" + docId + "'");
      }
      if (pattern == null) {
        return new DocRoute(
            plan,
            SpanRouting.blockLocal(routing.numBlocks(plan.n()), routing.spanBlocks()),
            new int[0]);
      }
      SpanRouting spans =
          SpanRouting.of(pattern, plan.n(), plan.docHash(), shape.heads(), routing.spanBlocks());
      return new DocRoute(plan, spans, plan.globalPositions(pattern));
    }

    /** Adds this task's read, decode and route time to the profile (once, at the end). */
    private void report() {
      if (rowsRead < 0) {
        return;
      }
      profile.add("read", readNs, -1, 0);
      profile.add("decode", decodeNs, -1, rowsRead);
      profile.add("route", routeNs, -1, routeBytes);
      rowsRead = -1;
    }

    private void flush() {
      if (count == 0) {
        return;
      }
      long t0 = profile == null ? 0 : System.nanoTime();
      int queued = ready.size();
      flushBlock();
      if (profile != null) {
        routeNs += System.nanoTime() - t0;
        for (Tuple2<SpanKey, byte[]> r : ready) {
          if (queued-- <= 0) {
            routeBytes += r._2().length;
          }
        }
      }
    }

    private void flushBlock() {
      int qk = shape.qkWidth();
      int vw = shape.vWidth();
      String doc = current.plan().docId();
      SpanRouting routing = current.routing();
      byte[] own =
          RoutedRecord.encode(RoutedRecord.OWN, currentBlock, pos, q, k, v, 0, count, qk, vw);
      ready.add(new Tuple2<>(new SpanKey(doc, routing.ownSpan(currentBlock)), own));
      ownBytes.add(4L * count * (qk + vw));
      int[] foreign = routing.foreignSpans(currentBlock);
      if (foreign.length > 0) {
        byte[] keys =
            RoutedRecord.encode(RoutedRecord.KEY, currentBlock, pos, q, k, v, 0, count, qk, vw);
        for (int span : foreign) {
          ready.add(new Tuple2<>(new SpanKey(doc, span), keys));
        }
        foreignBytes.add(4L * count * (qk + vw) * foreign.length);
      }
      emitGlobals(doc, routing, qk, vw);
      Arrays.fill(q, 0, count, null);
      Arrays.fill(k, 0, count, null);
      Arrays.fill(v, 0, count, null);
      count = 0;
    }

    /** Global rows of the chunk go to every span of the document. */
    private void emitGlobals(String doc, SpanRouting routing, int qk, int vw) {
      int[] globals = current.globals();
      int[] gpos = new int[count];
      float[][] gq = new float[count][];
      float[][] gk = new float[count][];
      float[][] gv = new float[count][];
      int g = 0;
      for (int r = 0; r < count; r++) {
        if (Arrays.binarySearch(globals, pos[r]) >= 0) {
          gpos[g] = pos[r];
          gq[g] = q[r];
          gk[g] = k[r];
          gv[g] = v[r];
          g++;
        }
      }
      if (g == 0) {
        return;
      }
      byte[] rec = RoutedRecord.encode(RoutedRecord.GLOBAL, -1, gpos, gq, gk, gv, 0, g, qk, vw);
      for (int span = 0; span < routing.spans(); span++) {
        ready.add(new Tuple2<>(new SpanKey(doc, span), rec));
      }
    }
  }
}
