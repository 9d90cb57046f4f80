package org.longattn.jobs.attend;

import org.apache.spark.Partitioner;

/**
 * Sends a {@link TileKey} to partition slot mod partitions: with dense slots and as many partitions
 * as slots, every tile (or row group) has a partition of its own. Which partition a key lands in
 * never changes what is computed.
 */
public final class SlotPartitioner extends Partitioner {
  private final int partitions;

  public SlotPartitioner(int partitions) {
    this.partitions = partitions;
  }

  @Override
  public int numPartitions() {
    return partitions;
  }

  @Override
  public int getPartition(Object key) {
    return (int) Math.floorMod(((TileKey) key).slot(), (long) partitions);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SlotPartitioner p && p.partitions == partitions;
  }

  @Override
  public int hashCode() {
    return partitions;
  }
}
