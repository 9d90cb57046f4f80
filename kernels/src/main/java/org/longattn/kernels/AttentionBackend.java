package org.longattn.kernels;

import java.util.List;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.state.SoftmaxState;

/**
 * The hot operation of exact attention: one block of query rows against a list of key blocks,
 * accumulated as an online-softmax state. Implementations: {@code java} (Vector API) and {@code
 * opencl}; both are tested against the same double-precision oracle. Instances are not thread-safe:
 * use one per task thread.
 */
public interface AttentionBackend extends AutoCloseable {

  /** Short name: {@code java}, {@code opencl}. */
  String name();

  /** The device that runs the kernels, in words (for logs and {@code _longattn.json}). */
  String device();

  /**
   * acc ← acc ⊕ state(queries vs keys), where query i reads key j iff {@code band.allows(pos_i,
   * pos_j)} and j is not {@link KeyRows#EXCLUDED}; score s = scale · q_i·k_j. Key blocks are
   * consumed in list order (the result depends on that order only). When {@code stats} is false, t,
   * dsum and gsum may be left untouched.
   *
   * @param acc state of {@code queries.n()} rows and {@code dv} value columns
   */
  void accumulate(
      QueryRows queries,
      List<KeyRows> keys,
      Band band,
      float scale,
      boolean stats,
      SoftmaxState acc);

  /**
   * acc ← acc ⊕ state(queries vs keys) with additive (Bahdanau) scores s = Σ_a w[a]·tanh(q_i[a] +
   * k_j[a]): the rows already hold the projections W·q and U·k (see {@code ScoreFunction}), w is
   * the head's v. Masking, order and stats as {@link #accumulate}. Optional: the default throws
   * {@link UnsupportedOperationException} naming the backend.
   *
   * @param w d weights
   */
  default void accumulateAdditive(
      QueryRows queries,
      List<KeyRows> keys,
      float[] w,
      Band band,
      boolean stats,
      SoftmaxState acc) {
    throw new UnsupportedOperationException(
        "--score additive is not implemented by the " + name() + " backend; use --backend java");
  }

  @Override
  default void close() {}
}
