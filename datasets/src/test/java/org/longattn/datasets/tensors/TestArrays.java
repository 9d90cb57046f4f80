package org.longattn.datasets.tensors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test helper: writes array files from the formats' specifications, independently of the readers —
 * {@code .npy} of any element type, byte order and memory order, and {@code .safetensors} — and raw
 * variants with any header, for bad-input tests. Values are given in C order.
 */
public final class TestArrays {
  private TestArrays() {}

  /** A tensor for {@link #safetensors}: dtype F16, BF16, F32, F64 (or any name with raw data). */
  public record Tensor(String dtype, int[] shape, double[] values) {}

  /**
   * Writes a {@code .npy} file (version 1.0): {@code descr} like {@code <f4}, {@code >f8}, {@code
   * <f2}; {@code values} in C order, stored in Fortran order when asked.
   */
  public static void npy(Path file, String descr, boolean fortran, int[] shape, double[] values) {
    ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    int size = Integer.parseInt(descr.substring(2));
    double[] stored = fortran ? toFortran(shape, values) : values;
    ByteBuffer data = ByteBuffer.allocate(size * stored.length).order(order);
    for (double x : stored) {
      switch (size) {
        case 2 -> data.putShort(half((float) x));
        case 4 -> data.putFloat((float) x);
        case 8 -> data.putDouble(x);
        default -> throw new IllegalArgumentException(descr);
      }
    }
    String dims = shapeText(shape);
    npyRaw(
        file,
        "{'descr': '"
            + descr
            + "', 'fortran_order': "
            + (fortran ? "True" : "False")
            + ", 'shape': ("
            + dims
            + "), }",
        data.array());
  }

  /** A {@code .npy} file with this header dict and these data bytes, padded as NumPy pads. */
  public static void npyRaw(Path file, String dict, byte[] data) {
    int pad = 64 - (10 + dict.length() + 1) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteBuffer b =
        ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    b.putShort((short) header.length());
    b.put(header.getBytes(StandardCharsets.ISO_8859_1));
    b.put(data);
    write(file, b.array());
  }

  /** A {@code .safetensors} file holding these tensors in this order. */
  public static void safetensors(Path file, Map<String, Tensor> tensors) {
    StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor t = e.getValue();
      byte[] bytes = encode(t.dtype(), t.values());
      json.append(",\"")
          .append(e.getKey())
          .append("\":{\"dtype\":\"")
          .append(t.dtype())
          .append("\",\"shape\":")
          .append(java.util.Arrays.toString(t.shape()))
          .append(",\"data_offsets\":[")
          .append(data.size())
          .append(",")
          .append(data.size() + bytes.length)
          .append("]}");
      data.writeBytes(bytes);
    }
    json.append("}");
    safetensorsRaw(file, json.toString(), data.toByteArray());
  }

  /** A {@code .safetensors} file with this JSON header (padded to 8 bytes) and data. */
  public static void safetensorsRaw(Path file, String json, byte[] data) {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    int padded = (h.length + 7) / 8 * 8;
    ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(padded);
    b.put(h);
    for (int i = h.length; i < padded; i++) {
      b.put((byte) ' ');
    }
    b.put(data);
    write(file, b.array());
  }

  /** One document as three safetensors tensors {@code PREFIXq}, … of one dtype. */
  public static Map<String, Tensor> qkv(
      String prefix, String dtype, int[] qShape, double[] q, double[] k, int[] vShape, double[] v) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put(prefix + "q", new Tensor(dtype, qShape, q));
    m.put(prefix + "k", new Tensor(dtype, qShape, k));
    m.put(prefix + "v", new Tensor(dtype, vShape, v));
    return m;
  }

  /** Values exactly representable in float16 and bfloat16: multiples of 1/8 in [−4, 4). */
  public static double[] values(int count, int seed) {
    double[] v = new double[count];
    long s = seed * 0x9E3779B97F4A7C15L + 1;
    for (int i = 0; i < count; i++) {
      s = s * 6364136223846793005L + 1442695040888963407L;
      v[i] = ((int) (s >>> 58) - 32) / 8.0;
    }
    return v;
  }

  /** Little-endian bytes of the values in a safetensors dtype (F16, BF16, F32, F64). */
  public static byte[] encode(String dtype, double[] values) {
    int size = dtype.equals("F64") ? 8 : dtype.equals("F32") ? 4 : 2;
    ByteBuffer b = ByteBuffer.allocate(size * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double x : values) {
      switch (dtype) {
        case "F16" -> b.putShort(half((float) x));
        case "BF16" -> b.putShort(bfloat((float) x));
        case "F32" -> b.putFloat((float) x);
        case "F64" -> b.putDouble(x);
        default -> throw new IllegalArgumentException(dtype);
      }
    }
    return b.array();
  }

  /** float16 bits of a value exactly representable as a normal half (or zero). */
  static short half(float x) {
    int bits = Float.floatToIntBits(x);
    int sign = (bits >>> 16) & 0x8000;
    if ((bits & 0x7fffffff) == 0) {
      return (short) sign;
    }
    int exp = ((bits >>> 23) & 0xff) - 127 + 15;
    int mant = bits & 0x7fffff;
    if (exp <= 0 || exp >= 31 || (mant & 0x1fff) != 0) {
      throw new IllegalArgumentException(x + " is not exactly a normal float16");
    }
    return (short) (sign | exp << 10 | mant >>> 13);
  }

  /** bfloat16 bits of a value exactly representable as bfloat16. */
  static short bfloat(float x) {
    int bits = Float.floatToIntBits(x);
    if ((bits & 0xffff) != 0) {
      throw new IllegalArgumentException(x + " is not exactly a bfloat16");
    }
    return (short) (bits >>> 16);
  }

  private static double[] toFortran(int[] shape, double[] c) {
    double[] f = new double[c.length];
    int[] index = new int[shape.length];
    for (int i = 0; i < c.length; i++) {
      int at = 0; // Fortran: the first axis varies fastest
      for (int a = shape.length - 1; a >= 0; a--) {
        at = at * shape[a] + index[a];
      }
      f[at] = c[i];
      for (int a = shape.length - 1; a >= 0 && ++index[a] == shape[a]; a--) {
        index[a] = 0;
      }
    }
    return f;
  }

  private static String shapeText(int[] shape) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < shape.length; i++) {
      b.append(shape[i]).append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
    }
    return b.toString();
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
