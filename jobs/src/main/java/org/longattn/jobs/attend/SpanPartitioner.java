package org.longattn.jobs.attend;

import org.apache.spark.Partitioner;

/**
 * Spreads spans over partitions by a stable hash of (document, span). Which partition a span lands
 * in never changes what it computes: results depend on block ids only.
 */
public final class SpanPartitioner extends Partitioner {
  private final int partitions;

  public SpanPartitioner(int partitions) {
    this.partitions = partitions;
  }

  @Override
  public int numPartitions() {
    return partitions;
  }

  @Override
  public int getPartition(Object key) {
    SpanKey k = (SpanKey) key;
    int h = k.docId().hashCode() * 31 + k.span();
    return Math.floorMod(h ^ (h >>> 16), partitions);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpanPartitioner p && p.partitions == partitions;
  }

  @Override
  public int hashCode() {
    return partitions;
  }
}
