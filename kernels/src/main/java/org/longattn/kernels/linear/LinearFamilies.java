package org.longattn.kernels.linear;

import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.cpu.JavaLinearBackend;
import org.longattn.kernels.feature.GateProjection;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;
import org.longattn.kernels.span.HeadShape;

/**
 * Builds the {@link LinearFamily} a {@link PatternSpec} names (its {@link StateFamily} declaration
 * makes it). Every random parameter is a function of (the job's {@code --seed}, a tag, the head)
 * alone — {@link #headSeed} — so every task of a job regenerates bitwise the same matrices:
 *
 * <ul>
 *   <li>{@code performer}: ω of head h = {@link PositiveRandomFeatures#orthogonalGaussian}(m, d,
 *       headSeed(seed, PERFORMER, h)), stabiliser {@link #PERFORMER_STABILISER};
 *   <li>{@code linformer}: E, F of head h from {@code headSeed(seed, LINFORMER, h)};
 *   <li>{@code gated-linear} without a {@code gate} column: W of head h = {@link
 *       GateProjection#matrix}(d, headSeed(seed, GATE, h)).
 * </ul>
 */
public final class LinearFamilies {
  public static final long PERFORMER = 0x5045;
  public static final long LINFORMER = 0x4C46;
  public static final long GATE = 0x4741;

  /**
   * Performer's stabiliser c (see {@link PositiveRandomFeatures}): 0, fixed for every job. With
   * inputs of unit scale and d ≤ 128 the exponents stay far from float overflow; it is never
   * derived from the data, so it cannot depend on partitioning.
   */
  public static final double PERFORMER_STABILISER = 0;

  private LinearFamilies() {}

  /** The seed of head {@code head}'s random parameters with the given tag. */
  public static long headSeed(long seed, long tag, int head) {
    return Seeds.mix(seed, tag, head);
  }

  /**
   * The family of {@code spec} (a family of shape {@link org.longattn.kernels.pattern.Shape#SCAN})
   * for heads of {@code shape}; {@code gateColumn}: gated-linear reads log-gates after the values
   * in v rows.
   */
  public static LinearFamily<?> create(PatternSpec spec, HeadShape shape, boolean gateColumn) {
    return create(spec, shape, gateColumn, JavaLinearBackend.INSTANCE);
  }

  /**
   * {@link #create(PatternSpec, HeadShape, boolean)} with the state arithmetic of {@code linear}
   * and {@code performer} on {@code backend}; the other families have Java kernels only and reject
   * any other backend (what {@link org.longattn.kernels.pattern.Family#backends()} declares).
   */
  public static LinearFamily<?> create(
      PatternSpec spec, HeadShape shape, boolean gateColumn, LinearAttentionBackend backend) {
    if (!(Families.find(spec.name()).orElse(null) instanceof StateFamily family)) {
      throw new IllegalArgumentException(
          "--pattern " + spec.name() + " is not a linear-attention family");
    }
    if (!backend.name().equals("java") && !family.backends().contains(backend.name())) {
      throw new IllegalArgumentException(
          "--backend " + backend.name() + " is not supported by --pattern " + spec.name());
    }
    return family.create(spec, shape, gateColumn, backend);
  }
}
