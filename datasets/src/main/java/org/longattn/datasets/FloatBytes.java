package org.longattn.datasets;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The binary vector encoding of the token and output tables: float32 values, little-endian, 4 bytes
 * per value, nothing else (no header, no length).
 */
public final class FloatBytes {
  private FloatBytes() {}

  /** Writes {@code src[off, off+len)} into {@code dst[0, 4·len)}. */
  public static void encodeFloats(float[] src, int off, int len, byte[] dst) {
    encodeFloats(src, off, len, dst, 0);
  }

  /** Writes {@code src[off, off+len)} into {@code dst[dstByteOff, dstByteOff + 4·len)}. */
  public static void encodeFloats(float[] src, int off, int len, byte[] dst, int dstByteOff) {
    ByteBuffer.wrap(dst, dstByteOff, 4 * len)
        .slice()
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .put(src, off, len);
  }

  /** The encoding of the whole array: {@code 4·src.length} bytes. */
  public static byte[] encode(float[] src) {
    byte[] dst = new byte[4 * src.length];
    encodeFloats(src, 0, src.length, dst, 0);
    return dst;
  }

  /**
   * Reads {@code len} values from {@code src[srcByteOff, srcByteOff + 4·len)} into {@code
   * dst[dstOff, dstOff+len)}.
   */
  public static void decodeFloats(byte[] src, int srcByteOff, int len, float[] dst, int dstOff) {
    ByteBuffer.wrap(src, srcByteOff, 4 * len)
        .slice()
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(dst, dstOff, len);
  }

  /**
   * Decodes a whole value.
   *
   * @throws IllegalArgumentException if the length is not a multiple of 4
   */
  public static float[] decodeFloats(byte[] src) {
    if ((src.length & 3) != 0) {
      throw new IllegalArgumentException(
          "binary length " + src.length + " is not a multiple of 4 (little-endian float32)");
    }
    float[] dst = new float[src.length >> 2];
    decodeFloats(src, 0, dst.length, dst, 0);
    return dst;
  }
}
