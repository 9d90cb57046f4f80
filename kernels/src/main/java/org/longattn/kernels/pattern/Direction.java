package org.longattn.kernels.pattern;

/** Which of {@code --causal} and {@code --anticausal} a family takes. */
public enum Direction {
  /** Either, or neither. */
  ANY,
  /** Causal by definition: {@code --anticausal} is refused and causal is always on. */
  CAUSAL,
  /** {@code --causal} or neither; {@code --anticausal} is refused. */
  NOT_ANTICAUSAL
}
