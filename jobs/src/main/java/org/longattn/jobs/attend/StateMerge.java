package org.longattn.jobs.attend;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.longattn.kernels.InputRangeException;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.SpanAttention;
import org.longattn.kernels.state.SoftmaxState;
import scala.Tuple2;

/**
 * The reduce side of the tiled exact paths: for each group of query rows, its partial softmax
 * states over key chunks 0..c−1 (one per tile, an {@link IndexedStates} record at the chunk's
 * index) are folded by {@link SoftmaxStates} ({@code TreeFold} over the chunk ids — an association
 * that depends on chunk ids only) and turned into output rows.
 *
 * <p>Input: records sorted by {@link TileKey#ORDER} (a group's records are adjacent, in chunk
 * order). Row r of group g is position g·groupRows + r of the query document. Only one group's
 * states are held at a time.
 */
final class StateMerge implements java.io.Serializable {
  private final HeadShape shape;
  private final int groupRows;
  private final boolean withTarget;
  private final SpanTasks rowMaker;
  private final SoftmaxStates states;

  /**
   * @param withTarget insert the key document ({@link TileKey#target()}) as the third column
   * @param rowMaker builds output rows (its row layout and encoding)
   */
  StateMerge(HeadShape shape, int groupRows, boolean withTarget, SpanTasks rowMaker) {
    this.shape = shape;
    this.groupRows = groupRows;
    this.withTarget = withTarget;
    this.rowMaker = rowMaker;
    this.states = new SoftmaxStates(shape.heads());
  }

  /** Output rows of the sorted records of one partition, group by group. */
  Iterator<Row> rows(Iterator<Tuple2<TileKey, byte[]>> sorted) {
    return new Iterator<>() {
      private final ArrayDeque<Row> ready = new ArrayDeque<>();
      private Tuple2<TileKey, byte[]> pending;

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && (pending != null || sorted.hasNext())) {
          TileKey group = null;
          List<byte[]> chunks = new ArrayList<>();
          while (pending != null || sorted.hasNext()) {
            Tuple2<TileKey, byte[]> rec = pending != null ? pending : sorted.next();
            pending = null;
            if (group != null && !group.sameRows(rec._1())) {
              pending = rec;
              break;
            }
            if (rec._1().chunk() != chunks.size()
                || IndexedStates.index(rec._2()) != rec._1().chunk()) {
              throw new IllegalStateException(
                  "partial state of " + rec._1() + " arrived as chunk #" + chunks.size());
            }
            group = rec._1();
            chunks.add(IndexedStates.payload(rec._2()));
          }
          emit(group, chunks);
        }
        return !ready.isEmpty();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.poll();
      }

      private void emit(TileKey group, List<byte[]> chunks) {
        int heads = shape.heads();
        SoftmaxState[] folded = states.foldStates(chunks);
        int rows = folded[0].rows;
        boolean stats = rowMaker.stats();
        float[] out = new float[rows * shape.vWidth()];
        float[] ent = stats ? new float[rows * heads] : null;
        float[] dist = stats ? new float[rows * heads] : null;
        float[] maxw = stats ? new float[rows * heads] : null;
        float[] gm = stats ? new float[rows * heads] : null;
        int first = group.row() * groupRows;
        try {
          SpanAttention.finishGlobalRows(shape, folded, r -> first + r, out, ent, dist, maxw, gm);
        } catch (InputRangeException e) {
          throw RangeRefusal.of(group.doc(), e);
        }
        for (int r = 0; r < rows; r++) {
          Row row = rowMaker.row(group.doc(), first + r, out, r, ent, dist, maxw, gm);
          ready.add(withTarget ? insertTarget(row, group.target()) : row);
        }
      }
    };
  }

  /** The row with {@code target} inserted as its third value. */
  private static Row insertTarget(Row row, String target) {
    Object[] values = new Object[row.size() + 1];
    values[0] = row.get(0);
    values[1] = row.get(1);
    values[2] = target;
    for (int i = 2; i < row.size(); i++) {
      values[i + 1] = row.get(i);
    }
    return RowFactory.create(values);
  }
}
