package org.longattn.jobs.attend;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.Backends;
import org.longattn.kernels.InputRangeException;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TileAttention;
import scala.Tuple2;

/**
 * The tile stage of the tiled exact paths, over one partition of records sorted by tile key: one
 * tile is assembled at a time, computed and let go, so a task holds one tile's inputs at most. The
 * backend is created on first use and closed when the partition is done.
 */
final class TileStream {
  private TileStream() {}

  /** What a path does with its tiles. */
  interface Work extends java.io.Serializable {
    /** An empty assembler for tile {@code t}. */
    TileAssembler assembler(TileKey t);

    /** The (merge key, partial states) records of an assembled tile. */
    List<Tuple2<TileKey, byte[]>> compute(TileKey t, TileAssembler asm, TileAttention attention);
  }

  static Iterator<Tuple2<TileKey, byte[]>> run(
      Iterator<Tuple2<TileKey, byte[]>> records,
      Work work,
      HeadShape shape,
      Band band,
      AttendParams params) {
    return new Iterator<>() {
      private final ArrayDeque<Tuple2<TileKey, byte[]>> ready = new ArrayDeque<>();
      private Tuple2<TileKey, byte[]> pending;
      private AttentionBackend backend;
      private TileAttention attention;

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && (pending != null || records.hasNext())) {
          Tuple2<TileKey, byte[]> first = pending != null ? pending : records.next();
          pending = null;
          TileAssembler asm = work.assembler(first._1());
          asm.add(first._2());
          while (records.hasNext()) {
            Tuple2<TileKey, byte[]> rec = records.next();
            if (!rec._1().equals(first._1())) {
              pending = rec;
              break;
            }
            asm.add(rec._2());
          }
          if (attention == null) {
            backend = Backends.create(params.backend(), SpanTasks.assignedGpu());
            attention = new TileAttention(shape, band, params.stats(), backend);
          }
          try {
            ready.addAll(work.compute(first._1(), asm, attention));
          } catch (InputRangeException e) {
            throw RangeRefusal.of(first._1().doc(), e);
          }
        }
        if (ready.isEmpty() && backend != null) {
          backend.close();
          backend = null;
        }
        return !ready.isEmpty();
      }

      @Override
      public Tuple2<TileKey, byte[]> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.poll();
      }
    };
  }
}
