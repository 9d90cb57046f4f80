package org.longattn.jobs.attend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.longattn.datasets.FloatBytes;

/**
 * The flat binary records of the Hyena shuffles, little-endian: {@code byte kind, int index,
 * float[] values} (the value count follows from the length).
 *
 * <ul>
 *   <li>{@link #SOURCE}: chunk of the spectra X_S of span {@code index}, to a frequency task;
 *   <li>{@link #FILTER}: chunk of the spectra A_B of the filter on lags [B·L, (B+1)·L), B = {@code
 *       index};
 *   <li>{@link #SPECTRUM}: chunk {@code index} of Y_T, to span T's task;
 *   <li>{@link #GATE_Q}, {@link #GATE_K}: q or k rows of span {@code index}, needed by a later
 *       step; they ride through the frequency task of chunk (span mod chunks) to their span.
 * </ul>
 */
public final class HyenaRecord {
  public static final byte SOURCE = 0;
  public static final byte FILTER = 1;
  public static final byte SPECTRUM = 2;
  public static final byte GATE_Q = 3;
  public static final byte GATE_K = 4;

  private static final int HEADER = 5;

  private HyenaRecord() {}

  public static byte[] encode(byte kind, int index, float[] values) {
    byte[] b = new byte[HEADER + 4 * values.length];
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).put(kind).putInt(index);
    FloatBytes.encodeFloats(values, 0, values.length, b, HEADER);
    return b;
  }

  public static byte kind(byte[] record) {
    return record[0];
  }

  public static int index(byte[] record) {
    return ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN).getInt(1);
  }

  public static float[] values(byte[] record) {
    float[] v = new float[(record.length - HEADER) / 4];
    FloatBytes.decodeFloats(record, HEADER, v.length, v, 0);
    return v;
  }
}
