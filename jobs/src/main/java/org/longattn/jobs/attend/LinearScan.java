package org.longattn.jobs.attend;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Step 2 of {@code ScanExecution} as a tree of shuffles, so no task ever holds more than {@link
 * #FANOUT} states of a document (a 100M-token document has thousands of spans):
 *
 * <ul>
 *   <li>up: each round groups FANOUT aligned consecutive records of a level (key (document, index /
 *       FANOUT)) and folds them ({@link LinearSpanTasks#foldGroup}) into one record of the next
 *       level, until one record per document — the document's total;
 *   <li>non-causal: every span gets the total (a join on the document: span indices and one state
 *       per document);
 *   <li>causal, down: from the top (prefix of item 0 = identity), each group of a level gets the
 *       prefix of its first item from the level above and scans itself ({@link
 *       LinearSpanTasks#scanGroup}) — the prefixes of its items — down to the spans.
 * </ul>
 *
 * FANOUT is a power of two and groups are aligned, so every fold is a subtree of {@code TreeFold}
 * over all blocks and every prefix follows {@code TreeScan}'s rule: the result is bitwise that of
 * one reduction or scan over the document's blocks, whatever the partitioning. Each level is
 * persisted (O(spans × state) in all) because the down-sweep reads it again.
 */
final class LinearScan {
  /** Records per group and round; a power of two. */
  static final int FANOUT = 16;

  private LinearScan() {}

  /**
   * @param totals (document, [span index | heads × state]) for every span
   * @param maxSpans the most spans any document has
   * @return (span, its input) for every span
   */
  static JavaPairRDD<SpanKey, byte[]> spanInputs(
      JavaPairRDD<String, byte[]> totals,
      LinearSpanTasks tasks,
      boolean causal,
      long maxSpans,
      int partitions,
      List<JavaPairRDD<?, ?>> persisted) {
    List<JavaPairRDD<String, byte[]>> levels = new ArrayList<>();
    JavaPairRDD<String, byte[]> level = keep(totals, persisted);
    levels.add(level);
    for (long items = maxSpans; items > 1; items = (items + FANOUT - 1) / FANOUT) {
      level =
          keep(
              level
                  .mapToPair(p -> new Tuple2<>(group(p._1(), p._2()), p._2()))
                  .groupByKey(partitions)
                  .mapToPair(g -> new Tuple2<>(g._1()._1(), tasks.foldGroup(g._1()._2(), g._2()))),
              persisted);
      levels.add(level);
    }
    if (!causal) {
      JavaPairRDD<String, byte[]> total = level.mapValues(LinearSpanTasks::states);
      return levels
          .get(0)
          .mapValues(LinearSpanTasks::index)
          .join(total, partitions)
          .mapToPair(j -> new Tuple2<>(new SpanKey(j._1(), j._2()._1()), j._2()._2()));
    }
    // prefix of each level's records, keyed (document, index); the top's single record: identity
    JavaPairRDD<Tuple2<String, Integer>, byte[]> prefixes =
        level.mapToPair(p -> new Tuple2<>(new Tuple2<>(p._1(), 0), new byte[0]));
    for (int l = levels.size() - 2; l >= 0; l--) {
      prefixes =
          levels
              .get(l)
              .mapToPair(p -> new Tuple2<>(group(p._1(), p._2()), p._2()))
              .cogroup(prefixes, partitions)
              .flatMapToPair(
                  c -> {
                    Iterator<byte[]> carry = c._2()._2().iterator();
                    List<Tuple2<Tuple2<String, Integer>, byte[]>> out = new ArrayList<>();
                    for (byte[] r :
                        tasks.scanGroup((long) c._1()._2() * FANOUT, c._2()._1(), carry.next())) {
                      out.add(
                          new Tuple2<>(
                              new Tuple2<>(c._1()._1(), LinearSpanTasks.index(r)),
                              LinearSpanTasks.states(r)));
                    }
                    return out.iterator();
                  });
    }
    return prefixes.mapToPair(p -> new Tuple2<>(new SpanKey(p._1()._1(), p._1()._2()), p._2()));
  }

  private static Tuple2<String, Integer> group(String doc, byte[] record) {
    return new Tuple2<>(doc, LinearSpanTasks.index(record) / FANOUT);
  }

  private static JavaPairRDD<String, byte[]> keep(
      JavaPairRDD<String, byte[]> rdd, List<JavaPairRDD<?, ?>> persisted) {
    JavaPairRDD<String, byte[]> p = rdd.persist(StorageLevel.MEMORY_AND_DISK_SER());
    persisted.add(p);
    return p;
  }
}
