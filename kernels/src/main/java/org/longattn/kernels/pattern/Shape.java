package org.longattn.kernels.pattern;

/** How {@code attend} distributes a family: which execution runs it. */
public enum Shape {
  /** Span routing: each span receives the key blocks its queries read, global rows are folded. */
  SPANS,
  /** Exact dense tiles (query span × key chunk) for documents longer than a span; else spans. */
  TILES,
  /** A reduction or an exclusive scan over monoid states per span (the state-based families). */
  SCAN,
  /** Spectra between spans: long convolutions by FFT, summed over span indices (Hyena). */
  SPECTRAL
}
