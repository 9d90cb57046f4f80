package org.longattn.datasets.model;

/**
 * One ONNX {@code TensorProto} as read by {@link OnnxFile}: its name, dims and, for FLOAT tensors,
 * the values row-major ({@code data.length} = product of dims); other element types keep only their
 * shape.
 */
public record OnnxTensor(String name, long[] dims, int dataType, float[] data) {
  /** ONNX {@code TensorProto.DataType.FLOAT}. */
  public static final int FLOAT = 1;

  /** Number of elements (product of dims; 1 for a scalar). */
  public long size() {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }
}
