package org.longattn.kernels.family;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.BigBirdPattern;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;

/** {@code bigbird}: window blocks, global blocks and seeded random blocks. */
public final class BigBird extends DeclaredFamily {
  public BigBird() {
    super(BigBirdPattern.NAME, Shape.SPANS, true, Param.RANDOM_BLOCKS);
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
