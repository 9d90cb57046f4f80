package org.longattn.kernels.family;

import java.util.List;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Direction;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.pattern.SinkPattern;

/** {@code sink}: sliding window with attention sinks (StreamingLLM), causal by definition. */
public final class Sink implements Family {
  @Override
  public String name() {
    return SinkPattern.NAME;
  }

  @Override
  public List<Param> params() {
    return List.of(Param.SINKS, Param.WINDOW);
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
