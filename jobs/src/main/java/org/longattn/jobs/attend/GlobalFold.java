package org.longattn.jobs.attend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.longattn.kernels.state.SoftmaxState;
import org.longattn.kernels.state.TreeFold;
import scala.Tuple2;

/**
 * Folds the per-span partial states of each document's global rows into one state per document, as
 * a tree of shuffles: each round groups {@link #FANOUT} consecutive aligned items (key (document,
 * index / FANOUT)) and folds them with {@link TreeFold}, until one item per document is left. A
 * task holds at most FANOUT partials, so a 100M-token document with thousands of spans is never
 * gathered into one task.
 *
 * <p>Because FANOUT is a power of two and groups are aligned, folding groups and then the group
 * results is exactly {@code TreeFold} over all spans (see its Javadoc): the association order, and
 * so every bit of the result, depends on span ids only — not on partitions, rounds or executors.
 *
 * <p>Record layout (little-endian): int index, then one {@link SoftmaxState} per head.
 */
public final class GlobalFold {
  /** Partials folded per task and round; a power of two. */
  static final int FANOUT = 16;

  private GlobalFold() {}

  /**
   * Folds {@code partials} (document → [span index, per-head states]) until one record per
   * document; {@code spansPerDoc} holds the span count of every document that has global rows (it
   * sizes each round's shuffle).
   */
  public static JavaPairRDD<String, byte[]> fold(
      JavaPairRDD<String, byte[]> partials, long[] spansPerDoc, int heads, int maxPartitions) {
    JavaPairRDD<String, byte[]> level = partials;
    long[] items = spansPerDoc.clone();
    long most;
    do {
      long keys = 0;
      most = 0;
      for (int i = 0; i < items.length; i++) {
        items[i] = (items[i] + FANOUT - 1) / FANOUT;
        keys += items[i];
        most = Math.max(most, items[i]);
      }
      int parts = (int) Math.max(1, Math.min(maxPartitions, keys));
      level =
          level
              .mapToPair(p -> new Tuple2<>(new Tuple2<>(p._1(), index(p._2()) / FANOUT), p._2()))
              .groupByKey(parts)
              .mapToPair(g -> new Tuple2<>(g._1()._1(), foldGroup(g._1()._2(), g._2(), heads)));
    } while (most > 1);
    return level;
  }

  static int index(byte[] record) {
    return ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
  }

  /**
   * Folds one aligned group (any arrival order; sorted by index first) into a record at {@code
   * parent}.
   */
  static byte[] foldGroup(int parent, Iterable<byte[]> records, int heads) {
    List<byte[]> sorted = new ArrayList<>();
    records.forEach(sorted::add);
    sorted.sort((a, b) -> Integer.compare(index(a), index(b)));
    List<List<SoftmaxState>> perHead = new ArrayList<>(heads);
    for (int h = 0; h < heads; h++) {
      perHead.add(new ArrayList<>(sorted.size()));
    }
    for (byte[] r : sorted) {
      ByteBuffer buf = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
      buf.position(4);
      for (int h = 0; h < heads; h++) {
        perHead.get(h).add(SoftmaxState.readFrom(buf));
      }
    }
    SoftmaxState[] folded = new SoftmaxState[heads];
    for (int h = 0; h < heads; h++) {
      folded[h] = TreeFold.fold(perHead.get(h), SoftmaxState::merge);
    }
    return record(parent, folded);
  }

  /** The record of one span's (or one group's) per-head states at {@code index}. */
  static byte[] record(int index, SoftmaxState[] states) {
    int size = 4;
    for (SoftmaxState st : states) {
      size += st.byteSize();
    }
    ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(index);
    for (SoftmaxState st : states) {
      st.writeTo(out);
    }
    return out.array();
  }

  /** The per-head states of a fully folded record. */
  static SoftmaxState[] states(byte[] record, int heads) {
    ByteBuffer buf = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
    buf.position(4);
    SoftmaxState[] states = new SoftmaxState[heads];
    for (int h = 0; h < heads; h++) {
      states[h] = SoftmaxState.readFrom(buf);
    }
    return states;
  }
}
