package org.longattn.kernels.family;

import java.util.List;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.ConvBandPattern;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/**
 * {@code conv-band}: banded convolutional attention A = QKᵀ on |i−j| ≤ r, no softmax; routed like a
 * window, computed with {@code --conv-kernel} φ and {@code --iterations}.
 */
public final class ConvBand implements Family {
  @Override
  public String name() {
    return ConvBandPattern.NAME;
  }

  @Override
  public List<Param> params() {
    return List.of(Param.RADIUS);
  }

  @Override
  public Shape shape() {
    return Shape.SPANS;
  }

  @Override
  public boolean convolutionKernel() {
    return true;
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new ConvBandPattern(s.blockSize(), s.radius(), s.causal(), s.anticausal());
  }
}
