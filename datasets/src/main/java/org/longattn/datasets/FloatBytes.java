package org.longattn.datasets;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The binary vector encoding: little-endian float32, 4 bytes per value. */
public final class FloatBytes {
  private FloatBytes() {}

  /** Writes src[off .. off+len) into dst[0 .. 4·len). */
  public static void encodeFloats(float[] src, int off, int len, byte[] dst) {
    ByteBuffer.wrap(dst).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(src, off, len);
  }

  /** The floats of a binary value (its length must be a multiple of 4). */
  public static float[] decodeFloats(byte[] src) {
    float[] a = new float[src.length / 4];
    ByteBuffer.wrap(src).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(a);
    return a;
  }

  public static byte[] encode(float[] src) {
    byte[] b = new byte[4 * src.length];
    encodeFloats(src, 0, src.length, b);
    return b;
  }
}
