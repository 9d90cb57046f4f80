package org.longattn.jobs.attend;

import java.io.Serializable;
import java.util.Objects;

/**
 * A span of a document: blocks [span·spanBlocks, (span+1)·spanBlocks). The shuffle key. A plain
 * class, not a record: Kryo cannot set record fields.
 */
public final class SpanKey implements Serializable, Comparable<SpanKey> {
  private final String docId;
  private final int span;

  public SpanKey(String docId, int span) {
    this.docId = docId;
    this.span = span;
  }

  public String docId() {
    return docId;
  }

  public int span() {
    return span;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpanKey k && k.span == span && k.docId.equals(docId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(docId, span);
  }

  @Override
  public int compareTo(SpanKey o) {
    int c = docId.compareTo(o.docId);
    return c != 0 ? c : Integer.compare(span, o.span);
  }

  @Override
  public String toString() {
    return docId + "#" + span;
  }
}
