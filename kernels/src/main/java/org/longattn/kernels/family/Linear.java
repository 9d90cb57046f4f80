package org.longattn.kernels.family;

import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.feature.EluPlusOne;
import org.longattn.kernels.feature.FeatureMap;
import org.longattn.kernels.linear.FeatureLinearFamily;
import org.longattn.kernels.linear.LinearFamily;
import org.longattn.kernels.linear.StateFamily;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.Direction;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.span.HeadShape;

/** {@code linear}: linear attention with φ = elu+1, states (S, z); causal or not. */
public final class Linear extends DeclaredFamily implements StateFamily {
  public Linear() {
    super("linear", Shape.SCAN, false);
  }

  @Override
  public Direction direction() {
    return Direction.NOT_ANTICAUSAL;
  }

  @Override
  public double stateFlopsPerToken(PatternSpec spec, int d, int dv) {
    return featureFlops(spec, d, dv);
  }

  /**
   * A feature-map family's FLOPs per token and head with m features: 4·m·dv (S and z, non-causal),
   * 6·m·dv + (m + dv)·(block + 1) causal (prefix and intra-block part).
   */
  static double featureFlops(PatternSpec spec, double m, double dv) {
    return spec.causal() ? 6 * m * dv + (m + dv) * (spec.blockSize() + 1) : 4 * m * dv;
  }

  @Override
  public LinearFamily<?> create(
      PatternSpec spec, HeadShape shape, boolean gateColumn, LinearAttentionBackend backend) {
    FeatureMap[] maps = new FeatureMap[shape.heads()];
    java.util.Arrays.fill(maps, new EluPlusOne(shape.d()));
    return new FeatureLinearFamily(shape, maps, spec.causal(), backend);
  }
}
