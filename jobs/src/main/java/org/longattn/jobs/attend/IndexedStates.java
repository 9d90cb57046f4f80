package org.longattn.jobs.attend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one record layout of indexed states that travel between tasks — span totals and prefixes of
 * the linear families, the global rows' partial softmax states, the tiles' per-chunk states:
 * little-endian {@code int index}, then the payload (heads × one state, as its {@link StateMonoid}
 * encodes it). The index is the item's place in its level (a span, a group of spans, a key chunk).
 */
final class IndexedStates {
  private IndexedStates() {}

  /** [index | payload]. */
  static byte[] record(int index, byte[] payload) {
    ByteBuffer buf = ByteBuffer.allocate(4 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    return buf.putInt(index).put(payload).array();
  }

  /** The index of a record. */
  static int index(byte[] record) {
    return ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
  }

  /** The payload of a record (a copy). */
  static byte[] payload(byte[] record) {
    return Arrays.copyOfRange(record, 4, record.length);
  }

  /** Records (arriving in any order) sorted by index. */
  static List<byte[]> sorted(Iterable<byte[]> records) {
    List<byte[]> sorted = new ArrayList<>();
    records.forEach(sorted::add);
    sorted.sort((a, b) -> Integer.compare(index(a), index(b)));
    return sorted;
  }

  /** The payloads of records already in index order. */
  static List<byte[]> payloads(List<byte[]> records) {
    List<byte[]> out = new ArrayList<>(records.size());
    for (byte[] r : records) {
      out.add(payload(r));
    }
    return out;
  }
}
