package org.longattn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FloatBytesTest {
  @Test
  void littleEndianFloat32() {
    assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, FloatBytes.encode(new float[] {1f}));
    assertArrayEquals(
        new float[] {-2.5f}, FloatBytes.decodeFloats(new byte[] {0, 0, 0x20, (byte) 0xc0}));
  }

  @Test
  void roundTripsBitsWithOffsets() {
    SplittableRandom rnd = new SplittableRandom(7);
    float[] src = new float[37];
    for (int i = 0; i < src.length; i++) {
      src[i] = Float.intBitsToFloat(rnd.nextInt()); // any bits, NaN payloads included
    }
    byte[] bytes = new byte[4 * 20 + 3];
    FloatBytes.encodeFloats(src, 5, 20, bytes, 3);
    float[] back = new float[25];
    FloatBytes.decodeFloats(bytes, 3, 20, back, 5);
    for (int i = 5; i < 25; i++) {
      assertEquals(Float.floatToRawIntBits(src[i]), Float.floatToRawIntBits(back[i]), "index " + i);
    }

    byte[] whole = new byte[4 * 10];
    FloatBytes.encodeFloats(src, 0, 10, whole);
    float[] first = FloatBytes.decodeFloats(whole);
    for (int i = 0; i < 10; i++) {
      assertEquals(Float.floatToRawIntBits(src[i]), Float.floatToRawIntBits(first[i]));
    }
  }

  @Test
  void rejectsPartialValues() {
    assertThrows(IllegalArgumentException.class, () -> FloatBytes.decodeFloats(new byte[6]));
  }
}
