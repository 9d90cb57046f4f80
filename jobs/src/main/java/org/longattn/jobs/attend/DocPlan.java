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

  /**
   * @param firstSpan index of the document's first span among all spans of the input (documents in
   *     id order): spans get dense ids, so each can have a partition of its own
   */
  public DocPlan(String docId, int n, long docHash, int[] columnGlobals, long firstSpan) {
    this.docId = docId;
    this.n = n;
    this.docHash = docHash;
    this.columnGlobals = columnGlobals;
    this.firstSpan = firstSpan;
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
