package org.longattn.kernels.pattern;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One attention family, declared in one place: its name, the parameters (and so the flags) it
 * takes, its capabilities and how it is distributed. Every family is listed by {@link Families};
 * nothing else tells families apart by name. Implementations: {@code org.longattn.kernels.family}.
 */
public interface Family {
  /** The {@code --pattern} name. */
  String name();

  /** The parameters it takes, in the order {@code _longattn.json} lists them. */
  default List<Param> params() {
    return List.of();
  }

  /** How {@code attend} distributes it. */
  Shape shape();

  /**
   * Whether it computes softmax attention weights: {@code --stats}, score functions other than the
   * scaled dot product, and the report's coverage, hubs and heatmaps apply.
   */
  default boolean softmax() {
    return false;
  }

  /** The directions it takes. */
  default Direction direction() {
    return Direction.ANY;
  }

  /** The one-line refusal of {@code --anticausal} when {@link #direction()} excludes it. */
  default String anticausalRefusal() {
    return "--anticausal does not apply to --pattern " + name();
  }

  /** The one-line refusal of {@code --causal}, or null when causal is allowed. */
  default String causalRefusal() {
    return null;
  }

  /** Whether a run of {@code spec} is causal (a family may be causal whatever the flag says). */
  default boolean runsCausal(PatternSpec spec) {
    return spec.causal();
  }

  /** Whether its {@code --seed} shapes its values (then {@code _longattn.json} lists the seed). */
  default boolean seeded() {
    return false;
  }

  /** Whether it reads log-gates (the table's {@code gate} column, or projected from k). */
  default boolean gated() {
    return false;
  }

  /** Whether it takes {@code --conv-kernel} and {@code --iterations} (a banded convolution). */
  default boolean convolutionKernel() {
    return false;
  }

  /** The {@code --backend}s with a kernel for it. */
  default Set<String> backends() {
    return Set.of("java", "opencl");
  }

  /** Facts of its own for the run record (state-based families), e.g. a stabiliser. */
  default Map<String, Object> runFacts() {
    return Map.of();
  }

  /**
   * FLOPs per token and head of a state-based family with head_dim d and value_dim dv (see {@code
   * FlopCount}); NaN for families without states.
   */
  default double stateFlopsPerToken(PatternSpec spec, int d, int dv) {
    return Double.NaN;
  }

  /** Its block pattern; families without one ({@link Shape#SCAN}) refuse. */
  default AttentionPattern build(PatternSpec spec) {
    throw new IllegalArgumentException(
        "--pattern " + name() + " is a linear-attention family: it has no block pattern");
  }
}
