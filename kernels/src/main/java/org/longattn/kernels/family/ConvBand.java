package org.longattn.kernels.family;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.ConvBandPattern;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/**
 * {@code conv-band}: banded convolutional attention A = QKᵀ on |i−j| ≤ r, no softmax; routed like a
 * window, computed with {@code --conv-kernel} φ and {@code --iterations}.
 */
public final class ConvBand extends DeclaredFamily {
  public ConvBand() {
    super(ConvBandPattern.NAME, Shape.SPANS, false, Param.RADIUS);
  }

  @Override
  public boolean convolutionKernel() {
    return true;
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new ConvBandPattern(s.blockSize(), s.radius(), s.causal(), s.anticausal());
  }

  /**
   * Java only: its banded convolution runs on the JVM (no OpenCL kernel; {@code --backend opencl}
   * is refused).
   */
  @Override
  public java.util.Set<String> backends() {
    return java.util.Set.of("java");
  }
}
