package org.longattn.jobs.attend;

import java.io.Serializable;

/**
 * Parameters of a cross-attention run ({@code attend --queries FILE}): the usual ones (input = the
 * key/value documents, pattern dense and not causal) plus the query table and the targeting.
 *
 * @param queries the query table (doc_id, pos, q)
 * @param cross {@link #SAME_DOC}: a query document reads the input document with the same id;
 *     {@link #ALL}: every query document reads every input document, one output row per (query row,
 *     input document)
 */
public record CrossParams(AttendParams base, String queries, String cross) implements Serializable {
  public static final String SAME_DOC = "same-doc";
  public static final String ALL = "all";
  public static final java.util.List<String> MODES = java.util.List.of(SAME_DOC, ALL);

  public boolean all() {
    return cross.equals(ALL);
  }
}
