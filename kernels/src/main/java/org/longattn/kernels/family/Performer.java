package org.longattn.kernels.family;

import java.util.Map;
import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.feature.FeatureMap;
import org.longattn.kernels.feature.PositiveRandomFeatures;
import org.longattn.kernels.linear.FeatureLinearFamily;
import org.longattn.kernels.linear.LinearFamilies;
import org.longattn.kernels.linear.LinearFamily;
import org.longattn.kernels.linear.StateFamily;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.Direction;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.span.HeadShape;

/**
 * {@code performer} (FAVOR+): positive random features, ω of head h drawn from (seed, {@link
 * LinearFamilies#PERFORMER}, h), stabiliser {@link LinearFamilies#PERFORMER_STABILISER}.
 */
public final class Performer extends DeclaredFamily implements StateFamily {
  public Performer() {
    super("performer", Shape.SCAN, false, Param.FEATURES);
  }

  @Override
  public Direction direction() {
    return Direction.NOT_ANTICAUSAL;
  }

  @Override
  public Map<String, Object> runFacts() {
    return Map.of("stabiliser", LinearFamilies.PERFORMER_STABILISER);
  }

  @Override
  public double stateFlopsPerToken(PatternSpec spec, int d, int dv) {
    return Linear.featureFlops(spec, spec.features(), dv);
  }

  @Override
  public LinearFamily<?> create(
      PatternSpec spec, HeadShape shape, boolean gateColumn, LinearAttentionBackend backend) {
    FeatureMap[] maps = new FeatureMap[shape.heads()];
    for (int h = 0; h < maps.length; h++) {
      maps[h] =
          new PositiveRandomFeatures(
              shape.d(),
              spec.features(),
              LinearFamilies.headSeed(spec.seed(), LinearFamilies.PERFORMER, h),
              LinearFamilies.PERFORMER_STABILISER);
    }
    return new FeatureLinearFamily(shape, maps, spec.causal(), backend);
  }
}
