package org.longattn.jobs.attend;

import java.util.Map;
import org.apache.spark.Partitioner;
import org.apache.spark.broadcast.Broadcast;

/**
 * Sends span s of a document to partition (firstSpan(doc) + s) mod partitions: with as many
 * partitions as spans, every span has a partition of its own and its records stream straight into
 * one assembler. Which partition a span lands in never changes what it computes.
 */
public final class SpanPartitioner extends Partitioner {
  private final int partitions;
  private final Broadcast<Map<String, DocPlan>> plans;

  public SpanPartitioner(int partitions, Broadcast<Map<String, DocPlan>> plans) {
    this.partitions = partitions;
    this.plans = plans;
  }

  @Override
  public int numPartitions() {
    return partitions;
  }

  @Override
  public int getPartition(Object key) {
    SpanKey k = (SpanKey) key;
    return (int) Math.floorMod(plans.value().get(k.docId()).firstSpan() + k.span(), partitions);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpanPartitioner p
        && p.partitions == partitions
        && p.plans.id() == plans.id();
  }

  @Override
  public int hashCode() {
    return partitions;
  }
}
