package org.longattn.kernels.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format (versions 1.0, 2.0, 3.0, as written by {@code numpy.save}), read and
 * written without NumPy: the one weights format of the project (embedding projections, score
 * weights).
 *
 * <p>The format: the magic bytes {@code \x93NUMPY}, one byte major and one byte minor version, the
 * header length (little-endian uint16 for version 1, uint32 for versions 2 and 3), then the header:
 * a Python dict literal such as {@code {'descr': '<f4', 'fortran_order': False, 'shape': (64, 128),
 * }} (ASCII, UTF-8 in version 3) padded with spaces and ending in a newline, then the raw data.
 * Accepted element types: {@code <f4 >f4 <f8 >f8} (float32/float64, either byte order); float64 is
 * rounded to float32. Data in C order (row-major) or Fortran order (column-major), any number of
 * dimensions. The data must hold exactly the shape's elements: a truncated file or trailing bytes
 * are errors.
 */
public final class Npy {
  /** A float32 array: its shape and its values in C (row-major) order. */
  public record Array(int[] shape, float[] data) {}

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /**
   * The header of a {@code .npy} file: the element type as NumPy writes it ({@code descr}, e.g.
   * {@code <f4}), the order of the data, its shape and where the data starts (bytes from the start
   * of the file).
   */
  public record Header(String descr, boolean fortran, int[] shape, long dataOffset) {
    /** The number of elements the shape holds (a 0-D array holds one). */
    public long count() {
      long count = 1;
      for (int s : shape) {
        count *= s;
      }
      return count;
    }
  }

  /** Bytes to read before {@link #dataOffset} can answer: magic, version and header length. */
  public static final int PREAMBLE = 12;

  /**
   * Where the data of a {@code .npy} file starts, from its first bytes (at least {@link #PREAMBLE}
   * of them, or the whole file when shorter): a reader of large files reads this much, then the
   * header, then streams the data.
   *
   * @throws IllegalArgumentException no magic, unsupported version or too few bytes
   */
  public static long dataOffset(byte[] prefix) {
    for (int i = 0; i < MAGIC.length; i++) {
      if (prefix.length <= i || prefix[i] != MAGIC[i]) {
        throw new IllegalArgumentException("not a .npy file (no \\x93NUMPY magic)");
      }
    }
    if (prefix.length < 10) {
      throw new IllegalArgumentException("truncated header");
    }
    ByteBuffer b = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN);
    int major = prefix[6] & 0xff;
    if (major == 1) {
      return 10 + (b.getShort(8) & 0xffff);
    }
    if (major == 2 || major == 3) {
      if (prefix.length < 12) {
        throw new IllegalArgumentException("truncated header");
      }
      return 12 + (b.getInt(8) & 0xffffffffL);
    }
    throw new IllegalArgumentException(
        "unsupported .npy format version " + major + "." + (prefix[7] & 0xff));
  }

  /**
   * Parses the header of a {@code .npy} file from its first bytes (at least up to the data, {@link
   * #dataOffset}); the element type is not checked.
   *
   * @throws IllegalArgumentException no magic, version, truncated header, no or unreadable entries
   */
  public static Header header(byte[] prefix) {
    long dataStart = dataOffset(prefix);
    int major = prefix[6] & 0xff;
    int headerStart = major == 1 ? 10 : 12;
    if (dataStart > prefix.length) {
      throw new IllegalArgumentException("truncated header");
    }
    String header =
        new String(
            prefix,
            headerStart,
            (int) (dataStart - headerStart),
            major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, header, "descr");
    boolean fortran = group(FORTRAN, header, "fortran_order").equals("True");
    return new Header(descr, fortran, shape(group(SHAPE, header, "shape").trim()), dataStart);
  }

  /**
   * Parses the bytes of a {@code .npy} file; the result is in C order whatever the file's order.
   *
   * @throws IllegalArgumentException saying what is wrong (no magic, version, truncated header,
   *     element type, shape, data length)
   */
  public static Array parse(byte[] bytes) {
    Header h = header(bytes);
    String descr = h.descr();
    boolean fortran = h.fortran();
    int[] shape = h.shape();
    String shapeText = shapeText(shape);
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
      default ->
          throw new IllegalArgumentException(
              "element type '" + descr + "' is not float32 or float64");
    }
    long count = 1;
    for (int s : shape) {
      count *= s;
      if (count > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("shape (" + shapeText + ") too large");
      }
    }
    long dataStart = h.dataOffset();
    if (bytes.length != dataStart + count * itemSize) {
      throw new IllegalArgumentException(
          "shape ("
              + shapeText
              + ") of "
              + descr
              + " needs "
              + count * itemSize
              + " data bytes, the file has "
              + (bytes.length - dataStart));
    }
    ByteBuffer d = ByteBuffer.wrap(bytes, (int) dataStart, (int) (count * itemSize)).order(order);
    float[] out = new float[(int) count];
    int[] index = new int[shape.length]; // Fortran order: the first axis varies fastest
    for (int i = 0; i < out.length; i++) {
      float x = itemSize == 4 ? d.getFloat() : (float) d.getDouble();
      if (!fortran) {
        out[i] = x;
        continue;
      }
      int at = 0;
      for (int a = 0; a < shape.length; a++) {
        at = at * shape[a] + index[a];
      }
      out[at] = x;
      for (int a = 0; a < shape.length && ++index[a] == shape[a]; a++) {
        index[a] = 0;
      }
    }
    return new Array(shape, out);
  }

  /** A shape as NumPy prints it inside the parentheses: {@code 5,} or {@code 2, 3}. */
  public static String shapeText(int[] shape) {
    StringBuilder dims = new StringBuilder();
    for (int i = 0; i < shape.length; i++) {
      dims.append(shape[i]).append(i + 1 < shape.length || shape.length == 1 ? "," : "");
      if (i + 1 < shape.length) {
        dims.append(' ');
      }
    }
    return dims.toString();
  }

  /**
   * The header of a version 1.0 {@code .npy} file of float32 values in C order (magic to newline,
   * padded as NumPy pads it so that the data starts at a multiple of 64 bytes): followed by the
   * little-endian values, it is the file.
   */
  public static byte[] header(int[] shape) {
    String h = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shapeText(shape) + "), }";
    int pad = 64 - (10 + h.length() + 1) % 64; // as NumPy: 1..64 spaces, never none
    String header = h + " ".repeat(pad) + "\n";
    ByteBuffer buf = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
    return buf.array();
  }

  /**
   * A .npy file (version 1.0) holding a float32 array of this shape, C order, as NumPy writes it.
   */
  public static byte[] write(int[] shape, float[] data) {
    byte[] header = header(shape);
    ByteBuffer buf =
        ByteBuffer.allocate(header.length + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(header);
    buf.asFloatBuffer().put(data);
    return buf.array();
  }

  private static int[] shape(String text) {
    String[] dims = text.isEmpty() ? new String[0] : text.split("\\s*,\\s*");
    int rank = dims.length > 0 && dims[dims.length - 1].isEmpty() ? dims.length - 1 : dims.length;
    int[] shape = new int[rank];
    try {
      for (int a = 0; a < rank; a++) {
        long v = Long.parseLong(dims[a].trim());
        if (v < 0 || v > Integer.MAX_VALUE) {
          throw new NumberFormatException();
        }
        shape[a] = (int) v;
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("unreadable shape (" + text + ")");
    }
    return shape;
  }

  private static String group(Pattern p, String header, String key) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IllegalArgumentException("header has no '" + key + "' entry");
    }
    return m.group(1);
  }
}
