package org.longattn.kernels.linear;

import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.span.HeadShape;

/** A state-based family ({@link Shape#SCAN}): it makes its {@link LinearFamily} of states. */
public interface StateFamily extends Family {
  @Override
  default Shape shape() {
    return Shape.SCAN;
  }

  @Override
  default boolean seeded() {
    return true;
  }

  /**
   * The states of {@code spec} for heads of {@code shape}, with the state arithmetic on {@code
   * backend}; {@code gateColumn}: log-gates follow the values in v rows ({@link #gated()}).
   */
  LinearFamily<?> create(
      PatternSpec spec, HeadShape shape, boolean gateColumn, LinearAttentionBackend backend);
}
