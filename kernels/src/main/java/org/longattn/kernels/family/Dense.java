package org.longattn.kernels.family;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.DensePattern;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/** {@code dense}: every key (exact); documents longer than a span run as tiles. */
public final class Dense implements Family {
  @Override
  public String name() {
    return DensePattern.NAME;
  }

  @Override
  public Shape shape() {
    return Shape.TILES;
  }

  @Override
  public boolean softmax() {
    return true;
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new DensePattern(s.blockSize(), s.causal(), s.anticausal());
  }
}
