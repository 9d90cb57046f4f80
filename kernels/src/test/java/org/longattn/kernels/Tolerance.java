package org.longattn.kernels;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Stated tolerances. fp32 kernels against the double oracle: |a − b| ≤ rel · (1 + |b|). With d ≤
 * 128, scores are sums of ≤ 128 products and softmax sums run over 64-key tiles merged in a tree,
 * so rounding stays near 1e-6 relative; rel = 1e-5 leaves a 10× margin. Stats use the same rule.
 */
public final class Tolerance {
  public static final double REL = 1e-5;

  private Tolerance() {}

  public static void assertClose(double expected, double actual, double rel, String what) {
    if (!(Math.abs(expected - actual) <= rel * (1 + Math.abs(expected)))) {
      fail(what + ": expected " + expected + " got " + actual + " (rel tol " + rel + ")");
    }
  }
}
