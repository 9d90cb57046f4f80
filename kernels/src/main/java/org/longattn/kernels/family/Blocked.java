package org.longattn.kernels.family;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.BlockLocalPattern;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/** {@code blocked}: each query block reads its own block. */
public final class Blocked extends DeclaredFamily {
  public Blocked() {
    super(BlockLocalPattern.NAME, Shape.SPANS, true);
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new BlockLocalPattern(s.blockSize(), s.causal(), s.anticausal());
  }
}
