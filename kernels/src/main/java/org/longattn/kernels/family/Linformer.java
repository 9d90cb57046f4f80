package org.longattn.kernels.family;

import java.util.Set;
import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.linear.LinearFamilies;
import org.longattn.kernels.linear.LinearFamily;
import org.longattn.kernels.linear.LinformerFamily;
import org.longattn.kernels.linear.StateFamily;
import org.longattn.kernels.pattern.DeclaredFamily;
import org.longattn.kernels.pattern.Direction;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.span.HeadShape;

/**
 * {@code linformer}: K' = Σ_b E_b K_b, V' = Σ_b F_b V_b with rank-k projections of head h from
 * (seed, {@link LinearFamilies#LINFORMER}, h); never causal. Java kernels only.
 */
public final class Linformer extends DeclaredFamily implements StateFamily {
  public Linformer() {
    super("linformer", Shape.SCAN, false, Param.RANK);
  }

  @Override
  public Direction direction() {
    return Direction.NOT_ANTICAUSAL;
  }

  @Override
  public String causalRefusal() {
    return "its projection K' = sum_b E_b K_b mixes every position of the document, later ones"
        + " included";
  }

  @Override
  public Set<String> backends() {
    return Set.of("java");
  }

  @Override
  public double stateFlopsPerToken(PatternSpec spec, int d, int dv) {
    return 4.0 * spec.rank() * (d + (double) dv);
  }

  @Override
  public LinearFamily<?> create(
      PatternSpec spec, HeadShape shape, boolean gateColumn, LinearAttentionBackend backend) {
    if (spec.causal()) {
      throw new IllegalArgumentException(
          "--causal is not supported by --pattern linformer (its projection mixes every"
              + " position)");
    }
    long[] seeds = new long[shape.heads()];
    for (int h = 0; h < seeds.length; h++) {
      seeds[h] = LinearFamilies.headSeed(spec.seed(), LinearFamilies.LINFORMER, h);
    }
    return new LinformerFamily(shape, seeds, spec.rank());
  }
}
