package org.longattn.kernels.score;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy's {@code .npy} format (versions 1–3) for the one case we need: little-endian float32
 * ({@code '<f4'}), C order. What {@code numpy.save(path, array.astype('<f4'))} writes.
 */
public final class Npy {
  /** A float32 array: its shape and its values in C (row-major) order. */
  public record Array(int[] shape, float[] data) {}

  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /**
   * Parses a whole .npy file.
   *
   * @throws IllegalArgumentException when it is not a .npy file, not '&lt;f4' or Fortran-ordered,
   *     or its data is shorter than its shape says
   */
  public static Array parse(byte[] bytes) {
    if (bytes.length < 10
        || (bytes[0] & 0xff) != 0x93
        || !new String(bytes, 1, 5, StandardCharsets.ISO_8859_1).equals("NUMPY")) {
      throw new IllegalArgumentException("not a .npy file (no \\x93NUMPY magic)");
    }
    int major = bytes[6];
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen;
    int start;
    if (major == 1) {
      headerLen = buf.getShort(8) & 0xffff;
      start = 10;
    } else {
      headerLen = buf.getInt(8);
      start = 12;
    }
    if (start + headerLen > bytes.length) {
      throw new IllegalArgumentException("truncated .npy header");
    }
    String header = new String(bytes, start, headerLen, StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, header, "descr");
    if (!descr.equals("<f4")) {
      throw new IllegalArgumentException("dtype is '" + descr + "', expected '<f4' (float32)");
    }
    if (group(FORTRAN, header, "fortran_order").equals("True")) {
      throw new IllegalArgumentException("Fortran order is not supported; save a C-ordered array");
    }
    int[] shape =
        Arrays.stream(group(SHAPE, header, "shape").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .mapToInt(Integer::parseInt)
            .toArray();
    long count = 1;
    for (int s : shape) {
      count *= s;
    }
    int dataStart = start + headerLen;
    if (count > (bytes.length - dataStart) / 4) {
      throw new IllegalArgumentException(
          "data holds " + (bytes.length - dataStart) / 4 + " floats, shape needs " + count);
    }
    float[] data = new float[(int) count];
    buf.position(dataStart);
    buf.asFloatBuffer().get(data);
    return new Array(shape, data);
  }

  /** A .npy file (version 1) holding a float32 array of this shape, C order. */
  public static byte[] write(int[] shape, float[] data) {
    StringBuilder dims = new StringBuilder();
    for (int s : shape) {
      dims.append(s).append(", ");
    }
    String h = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    int pad = 64 - (10 + h.length() + 1) % 64;
    String header = h + " ".repeat(pad % 64) + "\n";
    ByteBuffer buf =
        ByteBuffer.allocate(10 + header.length() + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.ISO_8859_1)).put((byte) 1);
    buf.put((byte) 0).putShort((short) header.length());
    buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
    buf.asFloatBuffer().put(data);
    return buf.array();
  }

  private static String group(Pattern p, String header, String key) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IllegalArgumentException(".npy header has no '" + key + "': " + header.trim());
    }
    return m.group(1);
  }
}
