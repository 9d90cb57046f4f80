package org.longattn.kernels.family;

import java.util.Set;
import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.feature.GateProjection;
import org.longattn.kernels.linear.GatedLinearFamily;
import org.longattn.kernels.linear.LinearFamilies;
import org.longattn.kernels.linear.LinearFamily;
import org.longattn.kernels.linear.StateFamily;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.Direction;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.span.HeadShape;

/**
 * {@code gated-linear} (GLA): gated states (a, U), causal whatever the flag says (the scan keeps
 * block order); log-gates from the table's {@code gate} column, else projected from k with W of
 * head h from (seed, {@link LinearFamilies#GATE}, h). Java kernels only.
 */
public final class GatedLinear extends DeclaredFamily implements StateFamily {
  public GatedLinear() {
    super("gated-linear", Shape.SCAN, false);
  }

  @Override
  public Direction direction() {
    return Direction.NOT_ANTICAUSAL;
  }

  @Override
  public boolean runsCausal(PatternSpec spec) {
    return true;
  }

  @Override
  public boolean gated() {
    return true;
  }

  @Override
  public Set<String> backends() {
    return Set.of("java");
  }

  @Override
  public double stateFlopsPerToken(PatternSpec spec, int d, int dv) {
    double m = d;
    return 6 * m * (double) dv;
  }

  @Override
  public LinearFamily<?> create(
      PatternSpec spec, HeadShape shape, boolean gateColumn, LinearAttentionBackend backend) {
    GateProjection[] p = new GateProjection[shape.heads()];
    for (int h = 0; h < p.length && !gateColumn; h++) {
      p[h] =
          new GateProjection(
              shape.d(), LinearFamilies.headSeed(spec.seed(), LinearFamilies.GATE, h));
    }
    return new GatedLinearFamily(shape, gateColumn, p);
  }
}
