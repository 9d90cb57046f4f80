package org.longattn.kernels.linear;

import java.nio.ByteBuffer;
import org.longattn.kernels.span.TokenBlock;

/**
 * One state-based attention family (DESIGN §3) seen per head: how a block of tokens becomes a state
 * S, how two states combine (a monoid), and how a block's outputs follow from the state of the keys
 * it may read. {@link LinearSpanAttention} runs the reductions and scans over blocks.
 *
 * <p>Block rows: q and k rows hold heads·d values, v rows {@link #valueRowWidth()} values
 * (heads·dv, then for {@code gated-linear} with a {@code gate} column heads·d log-gates),
 * head-major.
 *
 * @param <S> the state (a plain mutable value; {@link #combine} returns a new one)
 */
public interface LinearFamily<S> {

  /** Whether a block's outputs read the exclusive prefix (causal) or the document's total. */
  boolean causal();

  /** Values per v row of the blocks this family reads. */
  int valueRowWidth();

  /** The identity state of head {@code head} (no token). */
  S identity(int head);

  /** The state of head {@code head} over the keys of block {@code b}. */
  S blockState(TokenBlock b, int head);

  /** earlier ⊕ later (left = earlier blocks); neither input changes. */
  S combine(S earlier, S later);

  /**
   * Outputs of head {@code head} for every token of block {@code b}, given {@code state} = the
   * exclusive prefix of the block (causal) or the total of the document (non-causal). Token r's row
   * is written to {@code out[(firstRow + r)·heads·dv + head·dv .. + dv)}.
   */
  void output(S state, TokenBlock b, int head, float[] out, int firstRow);

  /** Bytes of one serialised state (the same for every state of a family instance). */
  int byteSize();

  void write(S state, ByteBuffer buf);

  S read(ByteBuffer buf);
}
