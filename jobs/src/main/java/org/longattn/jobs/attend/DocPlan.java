package org.longattn.jobs.attend;

import java.io.Serializable;

/**
 * What every task needs to know about one document: its length, its id's hash (seeds BigBird's
 * random blocks) and the positions its {@code global} column marks. The pattern's own global
 * positions are derived from n where needed, so this stays O(column globals) per document.
 *
 * <p>A plain class, not a record: it is broadcast with Kryo, which cannot set record fields.
 */
public final class DocPlan implements Serializable {
  private final String docId;
  private final int n;
  private final long docHash;
  private final int[] columnGlobals;
  private final long firstSpan;
  private final int[] padding;

  /**
   * @param firstSpan index of the document's first span among all spans of the input (documents in
   *     id order): spans get dense ids, so each can have a partition of its own
   */
  public DocPlan(String docId, int n, long docHash, int[] columnGlobals, long firstSpan) {
    this(docId, n, docHash, columnGlobals, firstSpan, new int[0]);
  }

  /**
   * @param padding sorted positions the token table's {@code mask} column marks false: neither
   *     query nor key, output null
   */
  public DocPlan(
      String docId, int n, long docHash, int[] columnGlobals, long firstSpan, int[] padding) {
    this.docId = docId;
    this.n = n;
    this.docHash = docHash;
    this.columnGlobals = columnGlobals;
    this.firstSpan = firstSpan;
    this.padding = padding;
  }

  /** Sorted padding positions ({@code mask} = false). */
  public int[] padding() {
    return padding;
  }

  /** Whether position p is padding. */
  public boolean padded(int p) {
    return padding.length > 0 && java.util.Arrays.binarySearch(padding, p) >= 0;
  }

  /** The document's global positions under a pattern: its own and the column's, minus padding. */
  public int[] globalPositions(org.longattn.kernels.pattern.AttentionPattern pattern) {
    int[] all = pattern.globalPositions(n, columnGlobals);
    return padding.length == 0
        ? all
        : java.util.Arrays.stream(all).filter(p -> !padded(p)).toArray();
  }

  public long firstSpan() {
    return firstSpan;
  }

  public String docId() {
    return docId;
  }

  public int n() {
    return n;
  }

  public long docHash() {
    return docHash;
  }

  /** Sorted positions marked by the token table's {@code global} column. */
  public int[] columnGlobals() {
    return columnGlobals;
  }
}
