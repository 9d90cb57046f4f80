package org.longattn.kernels.family;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.Direction;
import org.longattn.kernels.pattern.HyenaPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/**
 * {@code hyena}: N gated implicit long convolutions (FFT, overlap-add over blocks), not attention;
 * causal by definition, filters drawn from the seed.
 */
public final class Hyena extends DeclaredFamily {
  public Hyena() {
    super(HyenaPattern.NAME, Shape.SPECTRAL, false, Param.ORDER);
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

  /**
   * Java only: runs its FFTs on the JVM (no OpenCL kernel; {@code --backend opencl} is refused).
   */
  @Override
  public java.util.Set<String> backends() {
    return java.util.Set.of("java");
  }
}
