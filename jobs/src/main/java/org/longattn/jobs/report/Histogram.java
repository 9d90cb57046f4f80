package org.longattn.jobs.report;

/**
 * Counts of values in {@code counts.length} equal-width bins over [lo, hi] (the last bin closed),
 * on the axis {@code scale} ("linear", or "log10(1+x)" where bins are equal in log10(1+x), and lo,
 * hi are in those units). {@code source} says how the counts were made ("exact", or a KLL sketch);
 * {@code below} and {@code above} are the values outside [lo, hi] that the first and last bar hold.
 */
public record Histogram(
    String scale, double lo, double hi, long[] counts, String source, long below, long above) {
  /** Exact counts of values all inside [lo, hi]. */
  public Histogram(String scale, double lo, double hi, long[] counts) {
    this(scale, lo, hi, counts, "exact", 0, 0);
  }

  /** Sum of the counts. */
  public long total() {
    long t = 0;
    for (long c : counts) {
      t += c;
    }
    return t;
  }

  /** Left edge of bin i in data units. */
  public double edge(int i) {
    double x = lo + (hi - lo) * i / counts.length;
    return scale.equals("linear") ? x : Math.pow(10, x) - 1;
  }
}
