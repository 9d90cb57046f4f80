package org.longattn.kernels.family;

import java.util.List;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Direction;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.HyenaPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/**
 * {@code hyena}: N gated implicit long convolutions (FFT, overlap-add over blocks), not attention;
 * causal by definition, filters drawn from the seed.
 */
public final class Hyena implements Family {
  @Override
  public String name() {
    return HyenaPattern.NAME;
  }

  @Override
  public List<Param> params() {
    return List.of(Param.ORDER);
  }

  @Override
  public Shape shape() {
    return Shape.SPECTRAL;
  }

  @Override
  public Direction direction() {
    return Direction.CAUSAL;
  }

  @Override
  public boolean seeded() {
    return true;
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new HyenaPattern(s.blockSize());
  }
}
