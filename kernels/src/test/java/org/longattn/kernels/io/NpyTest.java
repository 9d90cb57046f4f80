package org.longattn.kernels.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The .npy reader and writer beyond two dimensions (2-D files are tested with NumPy's bytes). */
class NpyTest {
  @Test
  void writesWhatNumpyWritesAndReadsItBack() {
    for (int[] shape : new int[][] {{}, {5}, {2, 3}, {2, 3, 4}, {1, 1, 1, 7}}) {
      int n = 1;
      for (int s : shape) {
        n *= s;
      }
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = i * 0.5f - 1;
      }
      byte[] b = Npy.write(shape, v);
      int headerEnd = 10 + (ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getShort(8) & 0xffff);
      assertEquals(0, headerEnd % 64, "data aligned at 64 bytes, as NumPy");
      assertEquals('\n', b[headerEnd - 1]);
      Npy.Array a = Npy.parse(b);
      assertArrayEquals(shape, a.shape());
      assertArrayEquals(v, a.data());
    }
    String oneD = new String(Npy.write(new int[] {5}, new float[5]), StandardCharsets.ISO_8859_1);
    assertTrue(oneD.contains("'shape': (5,), }"), "NumPy's tuple syntax: " + oneD);
  }

  @Test
  void fortranOrderIsReadIntoCOrderInThreeDimensions() {
    int[] shape = {2, 3, 4};
    float[] c = new float[24];
    float[] fortran = new float[24];
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 4; k++) {
          float x = 100 * i + 10 * j + k;
          c[(i * 3 + j) * 4 + k] = x;
          fortran[i + 2 * (j + 3 * k)] = x; // first axis fastest
        }
      }
    }
    String text =
        new String(Npy.write(shape, fortran), StandardCharsets.ISO_8859_1)
            .replace("'fortran_order': False", "'fortran_order': True ");
    Npy.Array a = Npy.parse(text.getBytes(StandardCharsets.ISO_8859_1));
    assertArrayEquals(shape, a.shape());
    assertArrayEquals(c, a.data());
  }

  @Test
  void wrongLengthsAndTypesAreErrors() {
    byte[] b = Npy.write(new int[] {2, 2}, new float[4]);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Npy.parse(java.util.Arrays.copyOf(b, b.length - 4)));
    assertTrue(e.getMessage().contains("needs 16 data bytes, the file has 12"), e.getMessage());
    String i4 = new String(b, StandardCharsets.ISO_8859_1).replace("<f4", "<i4");
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Npy.parse(i4.getBytes(StandardCharsets.ISO_8859_1)));
    assertTrue(e.getMessage().contains("'<i4' is not float32 or float64"), e.getMessage());
  }
}
