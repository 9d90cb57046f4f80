package org.longattn.jobs.attend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.longattn.kernels.state.SoftmaxState;
import org.longattn.kernels.state.TreeFold;

/**
 * Partial softmax states of some query rows, one per head: their payload codec and their monoid
 * ({@link SoftmaxState#merge}, folded head by head with {@link TreeFold}). The global rows of the
 * span execution and the tiles of the exact paths fold these.
 */
final class SoftmaxStates implements StateMonoid {
  private final int heads;

  SoftmaxStates(int heads) {
    this.heads = heads;
  }

  /** The payload of per-head states (little-endian). */
  static byte[] encode(SoftmaxState[] perHead) {
    int size = 0;
    for (SoftmaxState st : perHead) {
      size += st.byteSize();
    }
    ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (SoftmaxState st : perHead) {
      st.writeTo(buf);
    }
    return buf.array();
  }

  /** The per-head states of a payload. */
  SoftmaxState[] decode(byte[] payload) {
    ByteBuffer buf = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
    SoftmaxState[] perHead = new SoftmaxState[heads];
    for (int h = 0; h < heads; h++) {
      perHead[h] = SoftmaxState.readFrom(buf);
    }
    return perHead;
  }

  /** The fold of payloads in index order, as states. */
  SoftmaxState[] foldStates(List<byte[]> items) {
    List<List<SoftmaxState>> perHead = new ArrayList<>(heads);
    for (int h = 0; h < heads; h++) {
      perHead.add(new ArrayList<>(items.size()));
    }
    for (byte[] item : items) {
      SoftmaxState[] states = decode(item);
      for (int h = 0; h < heads; h++) {
        perHead.get(h).add(states[h]);
      }
    }
    SoftmaxState[] folded = new SoftmaxState[heads];
    for (int h = 0; h < heads; h++) {
      folded[h] = TreeFold.fold(perHead.get(h), SoftmaxState::merge);
    }
    return folded;
  }

  @Override
  public byte[] fold(List<byte[]> items) {
    return encode(foldStates(items));
  }
}
