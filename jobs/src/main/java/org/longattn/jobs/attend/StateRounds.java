package org.longattn.jobs.attend;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple2;

/**
 * The one rounds mechanism of the engine: a document's indexed states ({@link IndexedStates}, one
 * per span) folded as a tree of shuffles, then read back as the document's total, as every item's
 * copy of the total, or as every item's exclusive prefix. No task ever holds more than {@link
 * #FANOUT} states of a document, so a 100M-token document with thousands of spans is never
 * gathered.
 *
 * <ul>
 *   <li>up ({@link #up}): each round groups FANOUT aligned consecutive records of a level (key
 *       (document, index / FANOUT)) and folds them ({@link StateMonoid#fold}) into the record at
 *       index / FANOUT of the next level, until one record per document — the document's total;
 *   <li>{@link #totals}: the top level (global rows of the span execution);
 *   <li>{@link #totalPerItem}: every level-0 item gets its document's total (non-causal linear);
 *   <li>{@link #exclusivePrefixes}: down from the top (prefix of item 0 = identity), each group of
 *       a level gets the prefix of its first item from the level above and scans itself ({@link
 *       StateMonoid.Scan#scan}) — the prefixes of its items — down to level 0 (causal linear).
 * </ul>
 *
 * FANOUT is a power of two and groups are aligned, so every fold is a subtree of {@code TreeFold}
 * over all items and every prefix follows {@code TreeScan}'s rule: results are bitwise those of one
 * reduction or scan over the document, whatever the partitioning, the rounds or the executors.
 */
final class StateRounds {
  /** Records per group and round; a power of two. */
  static final int FANOUT = 16;

  private final List<JavaPairRDD<String, byte[]>> levels;
  private final List<Integer> partitions;
  private final LongAccumulator shipped;

  private StateRounds(
      List<JavaPairRDD<String, byte[]>> levels, List<Integer> partitions, LongAccumulator shipped) {
    this.levels = levels;
    this.partitions = partitions;
    this.shipped = shipped;
  }

  /**
   * Folds {@code items} ((document, record) for every span) level by level.
   *
   * @param itemsPerDoc the item count of every document in {@code items} (sizes the shuffles and
   *     the number of rounds)
   * @param maxPartitions the most partitions of a round
   * @param shipped counts the bytes of every record the rounds make (null: not counted)
   * @param persisted where the levels are kept (on memory and disk) for reads after {@link #totals}
   *     — the per-item results read levels again; null: levels are not kept
   */
  static StateRounds up(
      JavaPairRDD<String, byte[]> items,
      long[] itemsPerDoc,
      StateMonoid monoid,
      int maxPartitions,
      LongAccumulator shipped,
      List<JavaPairRDD<?, ?>> persisted) {
    List<JavaPairRDD<String, byte[]>> levels = new ArrayList<>();
    List<Integer> parts = new ArrayList<>();
    long[] count = itemsPerDoc.clone();
    JavaPairRDD<String, byte[]> level = keep(items, persisted);
    levels.add(level);
    parts.add(partitions(count, maxPartitions));
    while (most(count) > 1) {
      for (int i = 0; i < count.length; i++) {
        count[i] = (count[i] + FANOUT - 1) / FANOUT;
      }
      level =
          keep(
              level
                  .mapToPair(p -> new Tuple2<>(group(p._1(), p._2()), p._2()))
                  .groupByKey(partitions(count, maxPartitions))
                  .mapToPair(
                      g ->
                          new Tuple2<>(
                              g._1()._1(),
                              count(
                                  shipped,
                                  IndexedStates.record(
                                      g._1()._2(),
                                      monoid.fold(
                                          IndexedStates.payloads(IndexedStates.sorted(g._2()))))))),
              persisted);
      levels.add(level);
      parts.add(partitions(count, maxPartitions));
    }
    return new StateRounds(levels, parts, shipped);
  }

  /** (document, payload of its total). */
  JavaPairRDD<String, byte[]> totals() {
    return levels.get(levels.size() - 1).mapValues(IndexedStates::payload);
  }

  /** (item, payload of its document's total) for every level-0 item. */
  JavaPairRDD<SpanKey, byte[]> totalPerItem() {
    return levels
        .get(0)
        .mapValues(IndexedStates::index)
        .join(totals(), partitions.get(0))
        .mapToPair(j -> new Tuple2<>(new SpanKey(j._1(), j._2()._1()), j._2()._2()));
  }

  /** (item, payload of its exclusive prefix) for every level-0 item. */
  JavaPairRDD<SpanKey, byte[]> exclusivePrefixes(StateMonoid.Scan monoid) {
    LongAccumulator acc = shipped;
    // prefix of each level's records, keyed (document, index); the top's single record: identity
    JavaPairRDD<Tuple2<String, Integer>, byte[]> prefixes =
        levels
            .get(levels.size() - 1)
            .mapToPair(p -> new Tuple2<>(new Tuple2<>(p._1(), 0), new byte[0]));
    for (int l = levels.size() - 2; l >= 0; l--) {
      prefixes =
          levels
              .get(l)
              .mapToPair(p -> new Tuple2<>(group(p._1(), p._2()), p._2()))
              .cogroup(prefixes, partitions.get(l))
              .flatMapToPair(
                  c -> {
                    Iterator<byte[]> carry = c._2()._2().iterator();
                    List<byte[]> sorted = IndexedStates.sorted(c._2()._1());
                    List<byte[]> prefix =
                        monoid.scan(
                            IndexedStates.payloads(sorted),
                            (long) c._1()._2() * FANOUT,
                            carry.next());
                    List<Tuple2<Tuple2<String, Integer>, byte[]>> out = new ArrayList<>();
                    for (int i = 0; i < sorted.size(); i++) {
                      int index = IndexedStates.index(sorted.get(i));
                      count(acc, 4 + prefix.get(i).length);
                      out.add(new Tuple2<>(new Tuple2<>(c._1()._1(), index), prefix.get(i)));
                    }
                    return out.iterator();
                  });
    }
    return prefixes.mapToPair(p -> new Tuple2<>(new SpanKey(p._1()._1(), p._1()._2()), p._2()));
  }

  private static Tuple2<String, Integer> group(String doc, byte[] record) {
    return new Tuple2<>(doc, IndexedStates.index(record) / FANOUT);
  }

  private static long most(long[] count) {
    long most = 0;
    for (long c : count) {
      most = Math.max(most, c);
    }
    return most;
  }

  private static int partitions(long[] count, int maxPartitions) {
    long keys = 0;
    for (long c : count) {
      keys += c;
    }
    return (int) Math.max(1, Math.min(maxPartitions, keys));
  }

  private static byte[] count(LongAccumulator acc, byte[] record) {
    count(acc, record.length);
    return record;
  }

  private static void count(LongAccumulator acc, long bytes) {
    if (acc != null) {
      acc.add(bytes);
    }
  }

  private static JavaPairRDD<String, byte[]> keep(
      JavaPairRDD<String, byte[]> rdd, List<JavaPairRDD<?, ?>> persisted) {
    if (persisted == null) {
      return rdd;
    }
    JavaPairRDD<String, byte[]> p = rdd.persist(StorageLevel.MEMORY_AND_DISK_SER());
    persisted.add(p);
    return p;
  }
}
