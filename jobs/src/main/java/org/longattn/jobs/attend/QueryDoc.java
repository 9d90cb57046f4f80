package org.longattn.jobs.attend;

import java.io.Serializable;

/**
 * The query rows of one query document (cross-attention): rows 0..m−1 in position order, q of H·d
 * values each, head-major. Broadcast to every key-chunk task; a plain class for Kryo.
 */
public final class QueryDoc implements Serializable {
  private final String docId;
  private final int rows;
  private final float[] q;

  public QueryDoc(String docId, int rows, float[] q) {
    this.docId = docId;
    this.rows = rows;
    this.q = q;
  }

  public String docId() {
    return docId;
  }

  public int rows() {
    return rows;
  }

  public float[] q() {
    return q;
  }
}
