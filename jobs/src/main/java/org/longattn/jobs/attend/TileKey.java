package org.longattn.jobs.attend;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Objects;

/**
 * Key of the tiled exact paths: a tile (query rows × key chunk) when routing, a group of query rows
 * and the chunk its partial state covers when merging. Ordered by (doc, target, row, chunk), so a
 * sort brings a group's partial states together in chunk order. {@code slot} only picks the
 * partition ({@link SlotPartitioner}); it is derived from the other fields. A plain class, not a
 * record: Kryo cannot set record fields.
 */
public final class TileKey implements Serializable, Comparable<TileKey> {
  /** The key order as a serializable comparator (for repartitionAndSortWithinPartitions). */
  public static final Comparator<TileKey> ORDER = new Order();

  private final String doc;
  private final String target;
  private final int row;
  private final int chunk;
  private final long slot;

  /**
   * @param doc the document of the query rows
   * @param target the document of the keys ("" when it is {@code doc} itself)
   * @param row the query span (routing) or the query row group (merging)
   * @param chunk the key chunk
   * @param slot a dense index for partitioning
   */
  public TileKey(String doc, String target, int row, int chunk, long slot) {
    this.doc = doc;
    this.target = target;
    this.row = row;
    this.chunk = chunk;
    this.slot = slot;
  }

  public String doc() {
    return doc;
  }

  public String target() {
    return target;
  }

  public int row() {
    return row;
  }

  public int chunk() {
    return chunk;
  }

  public long slot() {
    return slot;
  }

  /** Whether this key and {@code o} name the same query rows (all but the chunk equal). */
  public boolean sameRows(TileKey o) {
    return o != null && o.row == row && o.doc.equals(doc) && o.target.equals(target);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TileKey k && sameRows(k) && k.chunk == chunk;
  }

  @Override
  public int hashCode() {
    return Objects.hash(doc, target, row, chunk);
  }

  @Override
  public int compareTo(TileKey o) {
    int c = doc.compareTo(o.doc);
    if (c == 0) {
      c = target.compareTo(o.target);
    }
    if (c == 0) {
      c = Integer.compare(row, o.row);
    }
    return c != 0 ? c : Integer.compare(chunk, o.chunk);
  }

  @Override
  public String toString() {
    return doc + (target.isEmpty() ? "" : "->" + target) + "#" + row + "x" + chunk;
  }

  private static final class Order implements Comparator<TileKey>, Serializable {
    @Override
    public int compare(TileKey a, TileKey b) {
      return a.compareTo(b);
    }
  }
}
