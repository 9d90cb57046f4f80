package org.longattn.kernels.family;

import java.util.List;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.LongformerPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/** {@code longformer}: a one-sided (dilated) window plus global tokens. */
public final class Longformer implements Family {
  @Override
  public String name() {
    return LongformerPattern.NAME;
  }

  @Override
  public List<Param> params() {
    return List.of(Param.WINDOW, Param.DILATION);
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
    return new LongformerPattern(
        s.blockSize(), s.window(), s.dilation(), s.causal(), s.anticausal());
  }
}
