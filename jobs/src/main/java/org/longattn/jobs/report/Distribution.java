package org.longattn.jobs.report;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * The distribution of one statistic: an Apache DataSketches KLL quantile sketch (exact up to
 * {@value #K} values, then within its normalized rank error, about 0.8 %) with the exact count,
 * sum, smallest and largest value. Mergeable across Spark tasks in any order; shipped as bytes
 * ({@link #toBytes}), the sketch's own format. Histograms and quantiles of the report come from it,
 * so their ranges follow the data's quantiles rather than a fixed axis or one outlier.
 */
public final class Distribution {
  /** The sketch's size parameter: normalized rank error ≈ 0.8 %, a few KB per sketch. */
  static final int K = 400;

  /** Share of values below and above the histogram's range, folded into its end bars. */
  static final double TAIL = 0.01;

  private KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(K);
  private double sum;

  /** Adds a value (NaN is skipped, as the sketch skips it). */
  public void add(double x) {
    if (!Double.isNaN(x)) {
      sketch.update(x);
      sum += x;
    }
  }

  /** This ⊕ o (o unchanged). */
  public Distribution merge(Distribution o) {
    sketch.merge(o.sketch);
    sum += o.sum;
    return this;
  }

  public long count() {
    return sketch.getN();
  }

  /** The exact mean (0 when empty). */
  public double mean() {
    return count() == 0 ? 0 : sum / count();
  }

  /** The exact smallest value (0 when empty). */
  public double min() {
    return count() == 0 ? 0 : sketch.getMinItem();
  }

  /** The exact largest value (0 when empty). */
  public double max() {
    return count() == 0 ? 0 : sketch.getMaxItem();
  }

  /** The value at normalized rank r in [0, 1] (r = 0: the minimum, 1: the maximum). */
  public double quantile(double r) {
    return count() == 0 ? 0 : sketch.getQuantile(r, QuantileSearchCriteria.INCLUSIVE);
  }

  /**
   * {@code points} quantiles at evenly spaced ranks 0, 1/(points − 1), …, 1 as {@code {ranks,
   * values, source}}.
   */
  public Map<String, Object> quantiles(int points) {
    double[] ranks = new double[points];
    double[] values = new double[points];
    for (int i = 0; i < points; i++) {
      ranks[i] = (double) i / (points - 1);
      values[i] = i == 0 ? min() : i == points - 1 ? max() : quantile(ranks[i]);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ranks", ranks);
    m.put("values", values);
    m.put("source", source());
    return m;
  }

  /** Where the numbers come from, for the report. */
  String source() {
    return sketch.isEstimationMode()
        ? String.format(
            java.util.Locale.ROOT,
            "KLL sketch (k=%d, normalized rank error %.2g)",
            K,
            sketch.getNormalizedRankError(false))
        : "exact (KLL sketch below its capacity)";
  }

  /**
   * A histogram of {@code bins} equal-width bins (on {@code scale}: "linear" or "log10(1+x)")
   * between the {@value #TAIL} and 1 − {@value #TAIL} quantiles (the whole range when those meet);
   * values outside go to the end bars. Counts are the sketch's ranks at the bin edges times the
   * count, rounded cumulatively: they sum to the count, and are exact below {@value #K} values.
   */
  public Histogram histogram(int bins, String scale) {
    boolean log = !scale.equals("linear");
    long n = count();
    double lo = quantile(TAIL);
    double hi = quantile(1 - TAIL);
    if (!(hi > lo)) {
      lo = min();
      hi = max();
    }
    double a = log ? Math.log10(1 + lo) : lo;
    double b = log ? Math.log10(1 + hi) : hi;
    if (!(b > a)) {
      b = a + 1; // one value: it lands in the first bar
    }
    long[] counts = new long[bins];
    long below = 0;
    long above = 0;
    if (n > 0) {
      double[] splits = new double[bins - 1];
      for (int i = 1; i < bins; i++) {
        double e = a + (b - a) * i / bins;
        splits[i - 1] = log ? Math.pow(10, e) - 1 : e;
      }
      for (int i = 1; i < splits.length; i++) {
        if (!(splits[i] > splits[i - 1])) {
          splits[i] = Math.nextUp(splits[i - 1]); // rounding of pow: keep them increasing
        }
      }
      double[] cdf = sketch.getCDF(splits, QuantileSearchCriteria.EXCLUSIVE);
      long prev = 0;
      for (int i = 0; i < bins; i++) {
        long c = i == bins - 1 ? n : Math.round(cdf[i] * n);
        counts[i] = Math.max(0, c - prev);
        prev = Math.max(prev, c);
      }
      below = Math.round(sketch.getRank(lo, QuantileSearchCriteria.EXCLUSIVE) * n);
      above = n - Math.round(sketch.getRank(hi, QuantileSearchCriteria.INCLUSIVE) * n);
    }
    return new Histogram(scale, a, b, counts, source(), below, above);
  }

  /** The sum and the sketch as bytes (what Spark ships between tasks: any serializer copies it). */
  public byte[] toBytes() {
    byte[] k = sketch.toByteArray();
    return ByteBuffer.allocate(8 + k.length).putDouble(sum).put(k).array();
  }

  /** The inverse of {@link #toBytes}. */
  public static Distribution fromBytes(byte[] b) {
    Distribution d = new Distribution();
    d.sum = ByteBuffer.wrap(b).getDouble();
    d.sketch = KllDoublesSketch.heapify(Memory.wrap(Arrays.copyOfRange(b, 8, b.length)));
    return d;
  }
}
