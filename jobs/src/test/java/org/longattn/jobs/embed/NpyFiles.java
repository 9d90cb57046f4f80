package org.longattn.jobs.embed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test helper: writes {@code .npy} files as {@code numpy.save} does for a C-order float32 2-D array
 * (format 1.0): magic, version 1.0, uint16 LE header length, the header dict {@code {'descr':
 * '<f4', 'fortran_order': False, 'shape': (R, C), }} padded with spaces and a final newline so that
 * magic + version + length + header is a multiple of 64 bytes (numpy pads with 1 to 64 spaces,
 * never none), then the data.
 */
final class NpyFiles {
  private NpyFiles() {}

  static byte[] bytes(int rows, int cols, float[] rowMajor) {
    String dict =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
    int preamble = 10;
    int len = dict.length() + 1;
    int pad = 64 - (preamble + len) % 64; // as numpy: 1..64 spaces, never none
    String header = dict + " ".repeat(pad) + "\n";
    ByteBuffer b =
        ByteBuffer.allocate(preamble + header.length() + 4 * rowMajor.length)
            .order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    b.putShort((short) header.length());
    b.put(header.getBytes(StandardCharsets.US_ASCII));
    for (float x : rowMajor) {
      b.putFloat(x);
    }
    return b.array();
  }

  static void write(Path file, int rows, int cols, float[] rowMajor) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, bytes(rows, cols, rowMajor));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deterministic test values in [-1, 1). */
  static float[] values(int n, long seed) {
    java.util.Random r = new java.util.Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextFloat() * 2 - 1;
    }
    return v;
  }
}
