package org.longattn.jobs.attend;

import org.longattn.datasets.InputException;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;

/**
 * Rebuilds one tile's inputs from its routed records as flat arrays: the q rows of its query run
 * (positions [qFirst, qFirst + qn)) and the k, v rows of its key chunk ([kFirst, kFirst + kn)). OWN
 * records fill both sides (a diagonal tile), QUERY records the query side, KEY records the key
 * side. Every position of a side must arrive exactly once: a duplicate or a hole is a bad-input
 * error naming the document and the position.
 */
final class TileAssembler {
  private final String docId;
  private final int docLength;
  private final HeadShape shape;
  private final Side queries;
  private final Side keys;
  private final float[] q;
  private final float[] k;
  private final float[] v;

  /** A tile without query side ({@code qn = 0}) only assembles keys. */
  TileAssembler(DocPlan doc, HeadShape shape, int qFirst, int qn, int kFirst, int kn) {
    this.docId = doc.docId();
    this.docLength = doc.n();
    this.shape = shape;
    this.queries = new Side(qFirst, qn);
    this.keys = new Side(kFirst, kn);
    this.q = new float[qn * shape.qkWidth()];
    this.k = new float[kn * shape.qkWidth()];
    this.v = new float[kn * shape.vWidth()];
  }

  void add(byte[] record) {
    RoutedRecord.Decoded r = RoutedRecord.decode(record, shape.qkWidth(), shape.vWidth());
    int qk = shape.qkWidth();
    int vw = shape.vWidth();
    for (int i = 0; i < r.pos().length; i++) {
      int p = r.pos()[i];
      if (r.q() != null && r.kind() != RoutedRecord.GLOBAL && queries.claim(p)) {
        System.arraycopy(r.q(), i * qk, q, (p - queries.first) * qk, qk);
      }
      if (r.k() != null && r.kind() != RoutedRecord.GLOBAL && keys.claim(p)) {
        System.arraycopy(r.k(), i * qk, k, (p - keys.first) * qk, qk);
        System.arraycopy(r.v(), i * vw, v, (p - keys.first) * vw, vw);
      }
    }
  }

  /** The query rows (qn × H·d), checked complete. */
  float[] queries() {
    queries.checkComplete();
    return q;
  }

  /** The key chunk, checked complete. */
  TokenBlock keys() {
    keys.checkComplete();
    return new TokenBlock(-1, keys.first, keys.n, null, k, v);
  }

  /** The positions of one side: which arrived. */
  private final class Side {
    final int first;
    final int n;
    final boolean[] seen;
    int filled;

    Side(int first, int n) {
      this.first = first;
      this.n = n;
      this.seen = new boolean[n];
    }

    /** Marks p as arrived; false when p is not on this side. */
    boolean claim(int p) {
      int slot = p - first;
      if (slot < 0 || slot >= n) {
        return false;
      }
      if (seen[slot]) {
        throw new InputException(
            "doc '" + docId + "' pos " + p + " column 'pos': duplicate position");
      }
      seen[slot] = true;
      filled++;
      return true;
    }

    void checkComplete() {
      if (filled == n) {
        return;
      }
      int missing = 0;
      while (seen[missing]) {
        missing++;
      }
      throw new InputException(
          "doc '"
              + docId
              + "' pos "
              + (first + missing)
              + " column 'pos': position missing (positions must be 0.."
              + (docLength - 1)
              + " exactly once)");
    }
  }
}
