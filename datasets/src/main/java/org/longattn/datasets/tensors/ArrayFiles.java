package org.longattn.datasets.tensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.longattn.datasets.InputException;
import org.longattn.kernels.io.Npy;

/**
 * Reads and checks the headers of array files, without reading their data: NumPy's {@code .npy}
 * (see {@link Npy}) and Hugging Face's {@code .safetensors}. Every header is checked against the
 * file's length, so a truncated file or a header that claims more (or fewer) bytes than the file
 * holds is refused here, before any row is read; failures are one-line {@link InputException}s
 * naming the file.
 *
 * <p>The safetensors format: an unsigned 64-bit little-endian header length N, N bytes of UTF-8
 * JSON (possibly padded with spaces) mapping each tensor name to {@code {"dtype": "F32", "shape":
 * [..], "data_offsets": [begin, end]}} (offsets relative to the byte after the header; an optional
 * {@code "__metadata__"} entry maps strings to strings), then the data: little-endian, C order, the
 * tensors' byte ranges together covering it exactly.
 */
public final class ArrayFiles {
  /** The largest header read (safetensors refuses headers above 100 MB; NumPy's are tiny). */
  static final long MAX_HEADER = 100_000_000L;

  private static final Map<String, Integer> SAFETENSORS_SIZES = safetensorsSizes();

  private ArrayFiles() {}

  /**
   * The header of a {@code .npy} file holding float16, float32 or float64 values (either byte
   * order, C or Fortran order), checked against the file's length.
   *
   * @param label the file as messages name it
   */
  public static TensorHeader npy(FileSystem fs, Path file, String label) {
    try (FSDataInputStream in = fs.open(file)) {
      long length = fs.getFileStatus(file).getLen();
      Npy.Header h;
      try {
        byte[] preamble = read(in, 0, (int) Math.min(length, Npy.PREAMBLE));
        long dataOffset = Npy.dataOffset(preamble);
        if (dataOffset > length) {
          throw new IllegalArgumentException(
              "truncated header (" + dataOffset + " bytes announced, the file has " + length + ")");
        }
        if (dataOffset > MAX_HEADER) {
          throw new IllegalArgumentException("header of " + dataOffset + " bytes is too large");
        }
        h = Npy.header(read(in, 0, (int) dataOffset));
      } catch (IllegalArgumentException e) {
        throw error(label, e.getMessage());
      }
      String descr = h.descr();
      ElementType type = npyType(descr);
      if (type == null
          || descr.length() != 3
          || (descr.charAt(0) != '<' && descr.charAt(0) != '>')) {
        throw error(
            label, "element type '" + descr + "' is not float16, float32 or float64 (f2, f4, f8)");
      }
      long need = h.count() * type.size();
      if (length - h.dataOffset() != need) {
        throw error(
            label,
            "shape ("
                + Npy.shapeText(h.shape())
                + ") of "
                + descr
                + " needs "
                + need
                + " data bytes, the file has "
                + (length - h.dataOffset())
                + (length - h.dataOffset() < need ? " (truncated?)" : ""));
      }
      return new TensorHeader(
          file.toString(),
          name(label),
          descr,
          type,
          descr.charAt(0) == '>',
          h.fortran(),
          h.shape(),
          h.dataOffset());
    } catch (IOException e) {
      throw error(label, "cannot read: " + e.getMessage());
    }
  }

  /**
   * The tensors of a {@code .safetensors} file, by name in header order, each checked against the
   * file's length. Tensors of element types other than F16, BF16, F32 and F64 are listed with a
   * null {@link TensorHeader#type()}: a caller that uses one refuses it.
   *
   * @param label the file as messages name it
   */
  public static Map<String, TensorHeader> safetensors(FileSystem fs, Path file, String label) {
    try (FSDataInputStream in = fs.open(file)) {
      long length = fs.getFileStatus(file).getLen();
      if (length < 8) {
        throw error(
            label, "truncated: " + length + " bytes, shorter than the 8-byte header length");
      }
      long n = ByteBuffer.wrap(read(in, 0, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (n < 0 || n > length - 8) {
        throw error(
            label,
            "header length "
                + Long.toUnsignedString(n)
                + " exceeds the file ("
                + length
                + " bytes): not a safetensors file, or truncated");
      }
      if (n > MAX_HEADER) {
        throw error(label, "header of " + n + " bytes is larger than safetensors allows (100 MB)");
      }
      JsonNode json;
      try {
        String text =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(read(in, 8, (int) n)))
                .toString();
        json = new ObjectMapper().readTree(text);
      } catch (CharacterCodingException | JsonProcessingException e) {
        throw error(label, "header is not UTF-8 JSON: not a safetensors file, or corrupted");
      }
      if (json == null || !json.isObject()) {
        throw error(label, "header is not a JSON object: not a safetensors file");
      }
      long dataStart = 8 + n;
      long dataLength = length - dataStart;
      Map<String, TensorHeader> tensors = new LinkedHashMap<>();
      List<long[]> ranges = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          continue;
        }
        String where = name(label) + " tensor '" + e.getKey() + "'";
        TensorInfo t = tensorInfo(e.getValue(), where);
        Integer size = SAFETENSORS_SIZES.get(t.dtype);
        if (size == null) {
          throw errorAt(where, "unknown dtype '" + t.dtype + "'");
        }
        long count = 1;
        for (int s : t.shape) {
          count = Math.multiplyExact(count, (long) s);
        }
        if (t.end - t.begin != count * size) {
          throw errorAt(
              where,
              "data_offsets ["
                  + t.begin
                  + ", "
                  + t.end
                  + ") hold "
                  + (t.end - t.begin)
                  + " bytes, shape "
                  + shapeList(t.shape)
                  + " of "
                  + t.dtype
                  + " needs "
                  + count * size);
        }
        if (t.end > dataLength) {
          throw errorAt(
              where,
              "data ends at byte "
                  + (dataStart + t.end)
                  + " but the file has "
                  + length
                  + " bytes (truncated?)");
        }
        ranges.add(new long[] {t.begin, t.end});
        ElementType type =
            switch (t.dtype) {
              case "F16" -> ElementType.F16;
              case "BF16" -> ElementType.BF16;
              case "F32" -> ElementType.F32;
              case "F64" -> ElementType.F64;
              default -> null;
            };
        tensors.put(
            e.getKey(),
            new TensorHeader(
                file.toString(), where, t.dtype, type, false, false, t.shape, dataStart + t.begin));
      }
      checkCoverage(ranges, dataLength, label);
      return tensors;
    } catch (IOException e) {
      throw error(label, "cannot read: " + e.getMessage());
    } catch (ArithmeticException e) {
      throw error(label, "a tensor's shape is too large");
    }
  }

  private record TensorInfo(String dtype, int[] shape, long begin, long end) {}

  private static TensorInfo tensorInfo(JsonNode t, String where) {
    if (t == null || !t.isObject()) {
      throw errorAt(where, "entry is not an object with dtype, shape and data_offsets");
    }
    JsonNode dtype = t.get("dtype");
    JsonNode shape = t.get("shape");
    JsonNode offsets = t.get("data_offsets");
    if (dtype == null || !dtype.isTextual()) {
      throw errorAt(where, "no dtype");
    }
    if (shape == null || !shape.isArray()) {
      throw errorAt(where, "no shape");
    }
    if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
      throw errorAt(where, "no data_offsets [begin, end]");
    }
    int[] dims = new int[shape.size()];
    for (int a = 0; a < dims.length; a++) {
      JsonNode d = shape.get(a);
      if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
        throw errorAt(where, "shape " + shape + " is not a list of non-negative integers");
      }
      if (d.asLong() > Integer.MAX_VALUE) {
        throw errorAt(where, "dimension " + d.asLong() + " is too large");
      }
      dims[a] = d.asInt();
    }
    JsonNode b = offsets.get(0);
    JsonNode e = offsets.get(1);
    if (!b.isIntegralNumber()
        || !e.isIntegralNumber()
        || !b.canConvertToLong()
        || !e.canConvertToLong()
        || b.asLong() < 0
        || e.asLong() < b.asLong()) {
      throw errorAt(where, "data_offsets " + offsets + " are not 0 <= begin <= end");
    }
    return new TensorInfo(dtype.asText(), dims, b.asLong(), e.asLong());
  }

  /** The tensors' byte ranges must cover the data exactly, without overlap (as safetensors). */
  private static void checkCoverage(List<long[]> ranges, long dataLength, String label) {
    ranges.sort((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
    long at = 0;
    for (long[] r : ranges) {
      if (r[0] != at) {
        throw error(
            label,
            r[0] < at
                ? "tensors overlap at data byte " + r[0]
                : "data bytes [" + at + ", " + r[0] + ") belong to no tensor");
      }
      at = r[1];
    }
    if (at != dataLength) {
      throw error(
          label,
          "the tensors hold "
              + at
              + " data bytes, the file has "
              + dataLength
              + " after the header (trailing bytes, or a header that lies about sizes)");
    }
  }

  private static ElementType npyType(String descr) {
    if (descr.length() != 3) {
      return null;
    }
    return switch (descr.substring(1)) {
      case "f2" -> ElementType.F16;
      case "f4" -> ElementType.F32;
      case "f8" -> ElementType.F64;
      default -> null;
    };
  }

  private static String shapeList(int[] shape) {
    return java.util.Arrays.toString(shape);
  }

  static byte[] read(FSDataInputStream in, long position, int length) throws IOException {
    byte[] b = new byte[length];
    in.readFully(position, b);
    return b;
  }

  /** {@code file 'LABEL'}: how messages name a file. */
  static String name(String label) {
    return "file '" + label + "'";
  }

  private static InputException error(String label, String what) {
    return new InputException(name(label) + ": " + what);
  }

  /** An error about a named thing (a file, or a tensor in one): {@code WHERE: WHAT}. */
  private static InputException errorAt(String where, String what) {
    return new InputException(where + ": " + what);
  }

  private static Map<String, Integer> safetensorsSizes() {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (String s : List.of("BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3")) {
      m.put(s, 1);
    }
    for (String s : List.of("I16", "U16", "F16", "BF16")) {
      m.put(s, 2);
    }
    for (String s : List.of("I32", "U32", "F32")) {
      m.put(s, 4);
    }
    for (String s : List.of("I64", "U64", "F64")) {
      m.put(s, 8);
    }
    return m;
  }
}
