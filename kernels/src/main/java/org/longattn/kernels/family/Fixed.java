package org.longattn.kernels.family;

import java.util.List;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.FixedPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/** {@code fixed} (Sparse Transformer): its segment plus the summary keys of every segment. */
public final class Fixed implements Family {
  @Override
  public String name() {
    return FixedPattern.NAME;
  }

  @Override
  public List<Param> params() {
    return List.of(Param.STRIDE, Param.SUMMARY);
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
    return new FixedPattern(s.blockSize(), s.stride(), s.summary(), s.causal(), s.anticausal());
  }
}
