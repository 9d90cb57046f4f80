package org.longattn.kernels.family;

import java.util.List;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.BigBirdPattern;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/** {@code bigbird}: window blocks, global blocks and seeded random blocks. */
public final class BigBird implements Family {
  @Override
  public String name() {
    return BigBirdPattern.NAME;
  }

  @Override
  public List<Param> params() {
    return List.of(Param.RANDOM_BLOCKS);
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
  public boolean seeded() {
    return true;
  }

  @Override
  public AttentionPattern build(PatternSpec s) {
    return new BigBirdPattern(
        s.blockSize(), s.randomBlocks(), s.seed(), s.causal(), s.anticausal());
  }
}
