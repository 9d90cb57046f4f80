package org.longattn.datasets.tensors;

import java.nio.ByteBuffer;

/**
 * The floating-point element types an array file may hold, read into float32: IEEE half ({@code
 * F16}), bfloat16 ({@code BF16}, the top 16 bits of a float32), float32 and float64 (rounded to the
 * nearest float32). The byte order is the buffer's.
 */
public enum ElementType {
  F16(2),
  BF16(2),
  F32(4),
  F64(8);

  private final int size;

  ElementType(int size) {
    this.size = size;
  }

  /** Bytes per element. */
  public int size() {
    return size;
  }

  /** The element at byte index {@code at} of {@code b}, as float32. */
  public float read(ByteBuffer b, int at) {
    return switch (this) {
      case F16 -> halfToFloat(b.getShort(at));
      case BF16 -> Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
      case F32 -> b.getFloat(at);
      case F64 -> (float) b.getDouble(at);
    };
  }

  /**
   * IEEE 754 binary16 to float32, exactly (every half is a float): sign, 5-bit exponent (bias 15),
   * 10-bit fraction; exponent 0 holds zeros and subnormals (fraction · 2^−24), 31 infinities and
   * NaN.
   */
  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int frac = bits & 0x3ff;
    if (exp == 0) {
      float magnitude = frac * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    if (exp == 31) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (frac << 13));
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (frac << 13));
  }
}
