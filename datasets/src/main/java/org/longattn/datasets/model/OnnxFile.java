package org.longattn.datasets.model;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.longattn.datasets.InputException;

/**
 * The parts of an ONNX model file that a weights reader needs: the graph's nodes, its initializers
 * and the names of its inputs and outputs. Parsed with protobuf's {@link CodedInputStream} over the
 * few fields used, with the field numbers of the ONNX spec ({@code onnx/onnx.proto}); every other
 * field is skipped:
 *
 * <pre>
 *   ModelProto   7: graph (GraphProto)
 *   GraphProto   1: node (NodeProto)*   5: initializer (TensorProto)*
 *               11: input (ValueInfoProto)*   12: output (ValueInfoProto)*
 *   NodeProto    1: input*   2: output*   3: name   4: op_type   5: attribute (AttributeProto)*
 *   AttributeProto  1: name   2: f (float)   5: t (TensorProto)
 *   TensorProto  1: dims (int64, packed or not)*   2: data_type   4: float_data (packed or not)*
 *                8: name   9: raw_data (little-endian)   14: data_location (1 = external)
 *   ValueInfoProto 1: name
 * </pre>
 *
 * A truncated or corrupt file, or one without a graph, is an {@link InputException} naming the
 * file.
 */
public record OnnxFile(
    String file,
    List<OnnxNode> nodes,
    Map<String, OnnxTensor> initializers,
    List<String> inputs,
    List<String> outputs) {

  /**
   * Parses {@code bytes}, the whole content of {@code file} (the name is used in messages only).
   */
  public static OnnxFile parse(String file, byte[] bytes) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.enableAliasing(true); // raw_data as views of bytes, not copies
      OnnxFile graph = null;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (tag == ((7 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
          int limit = in.pushLimit(in.readRawVarint32());
          graph = readGraph(file, in);
          in.popLimit(limit);
        } else if (!in.skipField(tag)) {
          break;
        }
      }
      if (graph == null || graph.nodes.isEmpty()) {
        throw new InputException(file + ": not an ONNX model (no graph)");
      }
      return graph;
    } catch (IOException | RuntimeException e) {
      if (e instanceof InputException ie) {
        throw ie;
      }
      throw new InputException(
          file + ": not a valid ONNX model (corrupt or truncated: " + oneLine(e) + ")");
    }
  }

  private static OnnxFile readGraph(String file, CodedInputStream in) throws IOException {
    List<OnnxNode> nodes = new ArrayList<>();
    Map<String, OnnxTensor> inits = new LinkedHashMap<>();
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      int field = WireFormat.getTagFieldNumber(tag);
      boolean message = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
      if (message && (field == 1 || field == 5 || field == 11 || field == 12)) {
        int limit = in.pushLimit(in.readRawVarint32());
        switch (field) {
          case 1 -> nodes.add(readNode(file, in));
          case 5 -> {
            OnnxTensor t = readTensor(file, in);
            inits.put(t.name(), t);
          }
          case 11 -> inputs.add(readValueInfoName(in));
          default -> outputs.add(readValueInfoName(in));
        }
        in.popLimit(limit);
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    return new OnnxFile(file, List.copyOf(nodes), inits, List.copyOf(inputs), List.copyOf(outputs));
  }

  private static OnnxNode readNode(String file, CodedInputStream in) throws IOException {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    String name = "";
    String opType = "";
    Map<String, Float> floats = new LinkedHashMap<>();
    Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      switch (tag) {
        case (1 << 3) | 2 -> inputs.add(in.readStringRequireUtf8());
        case (2 << 3) | 2 -> outputs.add(in.readStringRequireUtf8());
        case (3 << 3) | 2 -> name = in.readStringRequireUtf8();
        case (4 << 3) | 2 -> opType = in.readStringRequireUtf8();
        case (5 << 3) | 2 -> {
          int limit = in.pushLimit(in.readRawVarint32());
          readAttribute(file, in, floats, tensors);
          in.popLimit(limit);
        }
        default -> in.skipField(tag);
      }
    }
    return new OnnxNode(name, opType, List.copyOf(inputs), List.copyOf(outputs), floats, tensors);
  }

  private static void readAttribute(
      String file, CodedInputStream in, Map<String, Float> floats, Map<String, OnnxTensor> tensors)
      throws IOException {
    String name = "";
    Float f = null;
    OnnxTensor t = null;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      switch (tag) {
        case (1 << 3) | 2 -> name = in.readStringRequireUtf8();
        case (2 << 3) | 5 -> f = in.readFloat();
        case (5 << 3) | 2 -> {
          int limit = in.pushLimit(in.readRawVarint32());
          t = readTensor(file, in);
          in.popLimit(limit);
        }
        default -> in.skipField(tag);
      }
    }
    if (f != null) {
      floats.put(name, f);
    }
    if (t != null) {
      tensors.put(name, t);
    }
  }

  private static String readValueInfoName(CodedInputStream in) throws IOException {
    String name = "";
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return name;
      }
      if (tag == ((1 << 3) | 2)) {
        name = in.readStringRequireUtf8();
      } else {
        in.skipField(tag);
      }
    }
  }

  private static OnnxTensor readTensor(String file, CodedInputStream in) throws IOException {
    List<Long> dims = new ArrayList<>();
    int dataType = 0;
    String name = "";
    ByteString raw = null;
    FloatList floats = new FloatList();
    boolean external = false;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      switch (tag) {
        case (1 << 3) -> dims.add(in.readInt64());
        case (1 << 3) | 2 -> {
          int limit = in.pushLimit(in.readRawVarint32());
          while (in.getBytesUntilLimit() > 0) {
            dims.add(in.readInt64());
          }
          in.popLimit(limit);
        }
        case (2 << 3) -> dataType = in.readInt32();
        case (4 << 3) | 5 -> floats.add(in.readFloat());
        case (4 << 3) | 2 -> {
          int limit = in.pushLimit(in.readRawVarint32());
          while (in.getBytesUntilLimit() > 0) {
            floats.add(in.readFloat());
          }
          in.popLimit(limit);
        }
        case (8 << 3) | 2 -> name = in.readStringRequireUtf8();
        case (9 << 3) | 2 -> raw = in.readBytes();
        case (14 << 3) -> external = in.readEnum() == 1;
        default -> in.skipField(tag);
      }
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    long size = 1;
    for (long d : shape) {
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw new InputException(file + ": tensor '" + name + "' has a bad dimension " + d);
      }
      size *= d;
      if (size > Integer.MAX_VALUE) {
        throw new InputException(file + ": tensor '" + name + "' is too large");
      }
    }
    if (dataType != OnnxTensor.FLOAT) {
      return new OnnxTensor(name, shape, dataType, null);
    }
    if (external) {
      throw new InputException(
          file + ": tensor '" + name + "' keeps its data in an external file (not supported)");
    }
    float[] data;
    if (raw != null) {
      if (raw.size() != size * Float.BYTES) {
        throw new InputException(
            file
                + ": tensor '"
                + name
                + "' has "
                + raw.size()
                + " bytes of data for "
                + size
                + " floats");
      }
      data = new float[(int) size];
      FloatBuffer fb = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      fb.get(data);
    } else {
      data = floats.toArray();
      if (data.length != size) {
        throw new InputException(
            file + ": tensor '" + name + "' has " + data.length + " floats for " + size);
      }
    }
    return new OnnxTensor(name, shape, dataType, data);
  }

  /** The node list's producer of each value name. */
  public Map<String, OnnxNode> producers() {
    Map<String, OnnxNode> m = new LinkedHashMap<>();
    for (OnnxNode n : nodes) {
      for (String o : n.outputs()) {
        m.put(o, n);
      }
    }
    return m;
  }

  /** The nodes reading each value name. */
  public Map<String, List<OnnxNode>> consumers() {
    Map<String, List<OnnxNode>> m = new LinkedHashMap<>();
    for (OnnxNode n : nodes) {
      for (String i : n.inputs()) {
        m.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
      }
    }
    return m;
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int cut = m.indexOf('\n');
    m = cut < 0 ? m : m.substring(0, cut);
    // protobuf's messages are long and mention internal details: keep the first sentence
    int dot = m.indexOf(". ");
    return dot < 0 ? m : m.substring(0, dot);
  }

  /** A growable float list (float_data stored unpacked, one field per value). */
  private static final class FloatList {
    private float[] a = new float[16];
    private int n;

    void add(float f) {
      if (n == a.length) {
        a = Arrays.copyOf(a, 2 * n);
      }
      a[n++] = f;
    }

    float[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
