package org.longattn.jobs.embed;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.longattn.datasets.InputException;

/**
 * A two-dimensional float matrix in NumPy's {@code .npy} format (format versions 1.0, 2.0, 3.0, as
 * written by {@code numpy.save}), read without NumPy.
 *
 * <p>The format: the magic bytes {@code \x93NUMPY}, one byte major and one byte minor version, the
 * header length (little-endian uint16 for version 1, uint32 for versions 2 and 3), then the header:
 * a Python dict literal such as {@code {'descr': '<f4', 'fortran_order': False, 'shape': (64, 128),
 * }} (ASCII, UTF-8 in version 3) padded with spaces and ending in a newline, then the raw data.
 * Accepted element types: {@code <f4 >f4 <f8 >f8} (float32/float64, either byte order); float64 is
 * rounded to float32. Data in C order (row-major) or Fortran order (column-major). The data must
 * hold exactly rows × cols elements: a truncated file or trailing bytes are errors.
 *
 * <p>The result is always row-major: {@code data[r * cols + c]}.
 */
public final class NpyMatrix {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private final int rows;
  private final int cols;
  private final float[] data;

  public NpyMatrix(int rows, int cols, float[] data) {
    if (data.length != (long) rows * cols) {
      throw new IllegalArgumentException(rows + "x" + cols + " needs " + rows * cols + " values");
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** Row-major values: {@code data()[r * cols() + c]}. */
  public float[] data() {
    return data;
  }

  /**
   * Parses the bytes of a {@code .npy} file.
   *
   * @param name the file's name, for error messages
   * @throws InputException naming the file when it is not a 2-D float32/float64 {@code .npy} array
   *     or its data length does not match its shape
   */
  public static NpyMatrix parse(String name, byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes.length <= i || bytes[i] != MAGIC[i]) {
        throw bad(name, "not a .npy file (no \\x93NUMPY magic)");
      }
    }
    if (bytes.length < 10) {
      throw bad(name, "truncated header");
    }
    int major = bytes[6] & 0xff;
    long headerLen;
    int headerStart;
    if (major == 1) {
      headerLen = b.getShort(8) & 0xffff;
      headerStart = 10;
    } else if (major == 2 || major == 3) {
      if (bytes.length < 12) {
        throw bad(name, "truncated header");
      }
      headerLen = b.getInt(8) & 0xffffffffL;
      headerStart = 12;
    } else {
      throw bad(name, "unsupported .npy format version " + major + "." + (bytes[7] & 0xff));
    }
    if (headerStart + headerLen > bytes.length) {
      throw bad(name, "truncated header");
    }
    String header =
        new String(
            bytes,
            headerStart,
            (int) headerLen,
            major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    String descr = group(name, DESCR, header, "descr");
    boolean fortran = group(name, FORTRAN, header, "fortran_order").equals("True");
    String shapeText = group(name, SHAPE, header, "shape").trim();
    String[] dims = shapeText.isEmpty() ? new String[0] : shapeText.split("\\s*,\\s*");
    int rank = dims.length > 0 && dims[dims.length - 1].isEmpty() ? dims.length - 1 : dims.length;
    if (rank != 2) {
      throw bad(name, "expected a 2-D array, got shape (" + shapeText + ")");
    }
    long r;
    long c;
    try {
      r = Long.parseLong(dims[0].trim());
      c = Long.parseLong(dims[1].trim());
    } catch (NumberFormatException e) {
      throw bad(name, "unreadable shape (" + shapeText + ")");
    }
    int itemSize;
    ByteOrder order;
    switch (descr) {
      case "<f4" -> {
        itemSize = 4;
        order = ByteOrder.LITTLE_ENDIAN;
      }
      case ">f4" -> {
        itemSize = 4;
        order = ByteOrder.BIG_ENDIAN;
      }
      case "<f8" -> {
        itemSize = 8;
        order = ByteOrder.LITTLE_ENDIAN;
      }
      case ">f8" -> {
        itemSize = 8;
        order = ByteOrder.BIG_ENDIAN;
      }
      default -> throw bad(name, "element type '" + descr + "' is not float32 or float64");
    }
    long count = r * c;
    if (r < 0 || c < 0 || count > Integer.MAX_VALUE - 8) {
      throw bad(name, "shape (" + shapeText + ") too large");
    }
    long dataStart = headerStart + headerLen;
    long expected = dataStart + count * itemSize;
    if (bytes.length != expected) {
      throw bad(
          name,
          "shape ("
              + r
              + ", "
              + c
              + ") of "
              + descr
              + " needs "
              + count * itemSize
              + " data bytes, the file has "
              + (bytes.length - dataStart));
    }
    ByteBuffer d = ByteBuffer.wrap(bytes, (int) dataStart, (int) (count * itemSize)).order(order);
    int rows = (int) r;
    int cols = (int) c;
    float[] out = new float[(int) count];
    for (int i = 0; i < out.length; i++) {
      float x = itemSize == 4 ? d.getFloat() : (float) d.getDouble();
      // element i of the file: row-major (C) or column-major (Fortran) order
      int at = fortran ? (i % rows) * cols + i / rows : i;
      out[at] = x;
    }
    return new NpyMatrix(rows, cols, out);
  }

  private static String group(String name, Pattern p, String header, String key) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw bad(name, "header has no '" + key + "' entry");
    }
    return m.group(1);
  }

  private static InputException bad(String name, String what) {
    return new InputException("weights file '" + name + "': " + what);
  }
}
