package org.longattn.kernels.family;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.Direction;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.pattern.SinkPattern;

/** {@code sink}: sliding window with attention sinks (StreamingLLM), causal by definition. */
public final class Sink extends DeclaredFamily {
  public Sink() {
    super(SinkPattern.NAME, Shape.SPANS, true, Param.SINKS, Param.WINDOW);
  }

  @Override
  public Direction direction() {
    return Direction.CAUSAL;
  }

  @Override
  public String anticausalRefusal() {
    return "--anticausal does not apply to --pattern sink (causal by definition)";
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new SinkPattern(s.blockSize(), s.sinks(), s.window());
  }
}
