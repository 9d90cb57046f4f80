package org.longattn.kernels.family;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.DensePattern;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/** {@code dense}: every key (exact); documents longer than a span run as tiles. */
public final class Dense extends DeclaredFamily {
  public Dense() {
    super(DensePattern.NAME, Shape.TILES, true);
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new DensePattern(s.blockSize(), s.causal(), s.anticausal());
  }
}
