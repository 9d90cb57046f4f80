package org.longattn.kernels.family;

import java.util.List;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.pattern.StridedPattern;

/** {@code strided} (Sparse Transformer): a band of the stride plus a column group. */
public final class Strided implements Family {
  @Override
  public String name() {
    return StridedPattern.NAME;
  }

  @Override
  public List<Param> params() {
    return List.of(Param.STRIDE);
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
    return new StridedPattern(s.blockSize(), s.stride(), s.causal(), s.anticausal());
  }
}
