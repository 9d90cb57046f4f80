package org.longattn.kernels.family;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.LongformerPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/** {@code longformer}: a one-sided (dilated) window plus global tokens. */
public final class Longformer extends DeclaredFamily {
  public Longformer() {
    super(LongformerPattern.NAME, Shape.SPANS, true, Param.WINDOW, Param.DILATION);
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new LongformerPattern(
        s.blockSize(), s.window(), s.dilation(), s.causal(), s.anticausal());
  }
}
