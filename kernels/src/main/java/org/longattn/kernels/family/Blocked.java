package org.longattn.kernels.family;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.BlockLocalPattern;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/** {@code blocked}: each query block reads its own block. */
public final class Blocked implements Family {
  @Override
  public String name() {
    return BlockLocalPattern.NAME;
  }

  @Override
  public Shape shape() {
    return Shape.SPANS;
  }

  @Override
  public boolean softmax() {
    return true;
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new BlockLocalPattern(s.blockSize(), s.causal(), s.anticausal());
  }
}
