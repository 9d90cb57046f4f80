package org.longattn.datasets.tensors;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Where one array lies in a file and how it is stored, as its header says and after the header was
 * checked against the file's length: the file, how messages name the array, element type and byte
 * order, C or Fortran order, shape, and the absolute byte offset of its first element. Row r of an
 * array of shape (n, d1, …) is its C-order slice {@code [r, …]}: {@link #columns()} = d1 · d2 ⋯
 * values.
 *
 * @param file the file as the reader opens it (a Hadoop path string)
 * @param label how messages name the array: {@code file 'PATH'} with the path the user gave, and
 *     {@code tensor 'KEY'} for a safetensors tensor
 * @param dtype the element type as the file writes it ({@code <f4}, {@code BF16}, …)
 * @param type the element type read, null when it is not one of {@link ElementType}
 */
public record TensorHeader(
    String file,
    String label,
    String dtype,
    ElementType type,
    boolean bigEndian,
    boolean fortran,
    int[] shape,
    long offset)
    implements Serializable {

  /** The first dimension (tokens). */
  public int rows() {
    return shape[0];
  }

  /** Values per row: the product of the other dimensions. */
  public long columns() {
    long c = 1;
    for (int a = 1; a < shape.length; a++) {
      c *= shape[a];
    }
    return c;
  }

  /** The shape as NumPy prints it, e.g. {@code (37, 3, 8)}. */
  public String shapeText() {
    return "(" + org.longattn.kernels.io.Npy.shapeText(shape) + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorHeader h
        && h.file.equals(file)
        && h.label.equals(label)
        && h.dtype.equals(dtype)
        && h.type == type
        && h.bigEndian == bigEndian
        && h.fortran == fortran
        && Arrays.equals(h.shape, shape)
        && h.offset == offset;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(file, label, offset, Arrays.hashCode(shape));
  }

  @Override
  public String toString() {
    return label + " " + dtype + " " + shapeText();
  }
}
