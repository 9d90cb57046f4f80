package org.longattn.jobs.attend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
import org.longattn.kernels.state.TreeFold;
import scala.Tuple2;

/**
 * The reduce side of the tiled exact paths: for each group of query rows, its partial softmax
 * states over key chunks 0..c−1 (one per tile) are folded with {@link TreeFold} over the chunk ids
 * — an association that depends on chunk ids only — and turned into output rows.
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

  /**
   * @param withTarget insert the key document ({@link TileKey#target()}) as the third column
   * @param rowMaker builds output rows (its row layout and encoding)
   */
  StateMerge(HeadShape shape, int groupRows, boolean withTarget, SpanTasks rowMaker) {
    this.shape = shape;
    this.groupRows = groupRows;
    this.withTarget = withTarget;
    this.rowMaker = rowMaker;
  }

  /** One head-per-state record of a group's partial states (little-endian). */
  static byte[] encode(SoftmaxState[] perHead) {
    int size = 0;
    for (SoftmaxState st : perHead) {
      size += st.byteSize();
    }
    ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (SoftmaxState st : perHead) {
      st.writeTo(buf);
    }
    return buf.array();
  }

  private SoftmaxState[] decode(byte[] bytes) {
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    SoftmaxState[] perHead = new SoftmaxState[shape.heads()];
    for (int h = 0; h < perHead.length; h++) {
      perHead[h] = SoftmaxState.readFrom(buf);
    }
    return perHead;
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
            if (rec._1().chunk() != chunks.size()) {
              throw new IllegalStateException(
                  "partial state of " + rec._1() + " arrived as chunk #" + chunks.size());
            }
            group = rec._1();
            chunks.add(rec._2());
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
        List<List<SoftmaxState>> perHead = new ArrayList<>();
        for (int h = 0; h < heads; h++) {
          perHead.add(new ArrayList<>(chunks.size()));
        }
        for (byte[] c : chunks) {
          SoftmaxState[] states = decode(c);
          for (int h = 0; h < heads; h++) {
            perHead.get(h).add(states[h]);
          }
        }
        SoftmaxState[] folded = new SoftmaxState[heads];
        for (int h = 0; h < heads; h++) {
          folded[h] = TreeFold.fold(perHead.get(h), SoftmaxState::merge);
        }
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
