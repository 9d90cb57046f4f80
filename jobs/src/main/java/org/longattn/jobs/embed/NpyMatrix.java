package org.longattn.jobs.embed;

import org.longattn.datasets.InputException;
import org.longattn.kernels.io.Npy;

/**
 * A two-dimensional float matrix read from NumPy's {@code .npy} format ({@link Npy}: versions 1–3,
 * float32/float64 of either byte order, C or Fortran order); row-major: {@code data[r * cols + c]}.
 */
public final class NpyMatrix {
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
    Npy.Array a;
    try {
      a = Npy.parse(bytes);
    } catch (IllegalArgumentException e) {
      throw new InputException("weights file '" + name + "': " + e.getMessage());
    }
    if (a.shape().length != 2) {
      throw new InputException(
          "weights file '"
              + name
              + "': expected a 2-D array, got shape "
              + java.util.Arrays.toString(a.shape()).replace('[', '(').replace(']', ')'));
    }
    return new NpyMatrix(a.shape()[0], a.shape()[1], a.data());
  }
}
