package org.longattn.kernels.family;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.pattern.StridedPattern;

/** {@code strided} (Sparse Transformer): a band of the stride plus a column group. */
public final class Strided extends DeclaredFamily {
  public Strided() {
    super(StridedPattern.NAME, Shape.SPANS, true, Param.STRIDE);
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new StridedPattern(s.blockSize(), s.stride(), s.causal(), s.anticausal());
  }
}
