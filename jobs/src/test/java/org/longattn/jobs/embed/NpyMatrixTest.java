package org.longattn.jobs.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.longattn.datasets.InputException;

/**
 * The {@code .npy} reader against files written by NumPy 2.4.6 ({@code numpy.save} / {@code
 * numpy.lib.format.write_array}, bytes pasted as hex), and the test writer against the same bytes.
 */
class NpyMatrixTest {
  /** {@code np.save(f, np.array([[1.5, -2], [3, 0.25], [7, 8]], dtype='<f4'))}. */
  static final String C_F4 =
      "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f726465"
          + "72273a2046616c73652c20277368617065273a2028332c2032292c207d2020202020202020202020"
          + "20202020202020202020202020202020202020202020202020202020202020202020202020202020"
          + "202020202020200a0000c03f000000c0000040400000803e0000e04000000041";

  /** The same values, {@code np.asfortranarray(..., dtype='<f8')}: column-major float64. */
  static final String FORTRAN_F8 =
      "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f726465"
          + "72273a20547275652c20277368617065273a2028332c2032292c207d202020202020202020202020"
          + "20202020202020202020202020202020202020202020202020202020202020202020202020202020"
          + "202020202020200a000000000000f83f00000000000008400000000000001c4000000000000000c0"
          + "000000000000d03f0000000000002040";

  /**
   * The same values, dtype '>f4', {@code write_array(..., version=(2, 0))}: uint32 header length.
   */
  static final String V2_BIG_ENDIAN =
      "934e554d50590200740000007b276465736372273a20273e6634272c2027666f727472616e5f6f72"
          + "646572273a2046616c73652c20277368617065273a2028332c2032292c207d202020202020202020"
          + "20202020202020202020202020202020202020202020202020202020202020202020202020202020"
          + "202020202020200a3fc00000c0000000404000003e80000040e0000041000000";

  /**
   * Headers of {@code np.save(f, np.zeros(shape, '<f4'))} for shapes (1, 1), (64, 128), (12345,
   * 678).
   */
  static final String[][] HEADERS = {
    {
      "1",
      "1",
      "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f726465"
          + "72273a2046616c73652c20277368617065273a2028312c2031292c207d2020202020202020202020"
          + "20202020202020202020202020202020202020202020202020202020202020202020202020202020"
          + "202020202020200a"
    },
    {
      "64",
      "128",
      "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f726465"
          + "72273a2046616c73652c20277368617065273a202836342c20313238292c207d2020202020202020"
          + "20202020202020202020202020202020202020202020202020202020202020202020202020202020"
          + "202020202020200a"
    },
    {
      "12345",
      "678",
      "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f726465"
          + "72273a2046616c73652c20277368617065273a202831323334352c20363738292c207d2020202020"
          + "20202020202020202020202020202020202020202020202020202020202020202020202020202020"
          + "202020202020200a"
    }
  };

  static final float[] VALUES = {1.5f, -2f, 3f, 0.25f, 7f, 8f};

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  @Test
  void readsNumpyFloat32RowMajor() {
    NpyMatrix m = NpyMatrix.parse("w.npy", hex(C_F4));
    assertEquals(3, m.rows());
    assertEquals(2, m.cols());
    assertArrayEquals(VALUES, m.data());
  }

  @Test
  void readsNumpyFortranOrderFloat64() {
    NpyMatrix m = NpyMatrix.parse("w.npy", hex(FORTRAN_F8));
    assertEquals(3, m.rows());
    assertEquals(2, m.cols());
    assertArrayEquals(VALUES, m.data());
  }

  @Test
  void readsVersion2BigEndian() {
    NpyMatrix m = NpyMatrix.parse("w.npy", hex(V2_BIG_ENDIAN));
    assertArrayEquals(VALUES, m.data());
  }

  @Test
  void testWriterIsByteExactWithNumpy() {
    assertArrayEquals(hex(C_F4), NpyFiles.bytes(3, 2, VALUES));
    for (String[] h : HEADERS) {
      int r = Integer.parseInt(h[0]);
      int c = Integer.parseInt(h[1]);
      byte[] header = hex(h[2]);
      byte[] mine = NpyFiles.bytes(r, c, new float[0]); // only the header is compared
      assertArrayEquals(header, Arrays.copyOf(mine, header.length), h[0] + "x" + h[1]);
      assertEquals(0, header.length % 64, "numpy aligns the data at 64 bytes");
    }
  }

  @Test
  void roundTripsAwkwardShapes() {
    for (int[] s : new int[][] {{1, 1}, {7, 65}, {65, 7}, {33, 517}}) {
      float[] v = NpyFiles.values(s[0] * s[1], s[0] * 31L + s[1]);
      NpyMatrix m = NpyMatrix.parse("w.npy", NpyFiles.bytes(s[0], s[1], v));
      assertEquals(s[0], m.rows());
      assertEquals(s[1], m.cols());
      assertArrayEquals(v, m.data());
    }
  }

  private static void rejected(byte[] bytes, String expected) {
    InputException e = assertThrows(InputException.class, () -> NpyMatrix.parse("wq.npy", bytes));
    assertTrue(e.getMessage().startsWith("weights file 'wq.npy': "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage() + " should contain " + expected);
  }

  @Test
  void rejectsBadFiles() {
    byte[] good = hex(C_F4);
    rejected("not numpy at all".getBytes(), "no \\x93NUMPY magic");
    rejected(Arrays.copyOf(good, good.length - 1), "needs 24 data bytes, the file has 23");
    rejected(Arrays.copyOf(good, good.length + 4), "needs 24 data bytes, the file has 28");
    rejected(Arrays.copyOf(good, 20), "truncated header");
    byte[] ints = good.clone();
    replace(ints, "'<f4'", "'<i4'");
    rejected(ints, "element type '<i4' is not float32 or float64");
    byte[] threeD = good.clone();
    replace(threeD, "(3, 2), }", "(3,2,1),}");
    rejected(threeD, "expected a 2-D array, got shape (3, 2, 1)");
    byte[] version = good.clone();
    version[6] = 9;
    rejected(version, "unsupported .npy format version 9.0");
  }

  /** Replaces ASCII text of the same length inside the header. */
  private static void replace(byte[] b, String from, String to) {
    assertEquals(from.length(), to.length());
    String s = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    int i = s.indexOf(from);
    assertTrue(i > 0, from);
    byte[] t = to.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    System.arraycopy(t, 0, b, i, t.length);
  }
}
