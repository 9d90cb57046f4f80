package org.longattn.kernels.family;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.FixedPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/** {@code fixed} (Sparse Transformer): its segment plus the summary keys of every segment. */
public final class Fixed extends DeclaredFamily {
  public Fixed() {
    super(FixedPattern.NAME, Shape.SPANS, true, Param.STRIDE, Param.SUMMARY);
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new FixedPattern(s.blockSize(), s.stride(), s.summary(), s.causal(), s.anticausal());
  }
}
