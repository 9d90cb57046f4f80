package org.longattn.datasets.tensors;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.longattn.datasets.InputException;

/**
 * Streams the rows of one array ({@link TensorHeader}) as float32 by positioned reads: a block of
 * rows at a time, never the whole array. C-order data is one contiguous read per block; Fortran
 * order (the first axis varies fastest) is one read per stored column, each holding the block's
 * rows. Every value must be finite: NaN or ±Infinity is an {@link InputException} naming the file,
 * the row and the index in the row.
 */
public final class TensorReader implements Closeable {
  private final TensorHeader h;
  private final FSDataInputStream in;
  private final int columns;
  private final int size;
  private final ByteOrder order;

  /** Fortran order: the stored column of each C-order column (null in C order). */
  private final int[] storedColumn;

  private byte[] bytes = new byte[0];

  private TensorReader(TensorHeader h, FSDataInputStream in) {
    this.h = h;
    this.in = in;
    this.columns = (int) h.columns();
    this.size = h.type().size();
    this.order = h.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    this.storedColumn = h.fortran() ? storedColumns(h.shape()) : null;
  }

  /**
   * Opens the array's file with Hadoop's file system for its path (on executors too).
   *
   * @throws InputException naming the file when it cannot be opened
   */
  public static TensorReader open(TensorHeader h) {
    if (h.type() == null || h.columns() > Integer.MAX_VALUE / 8) {
      throw new IllegalArgumentException("not a readable array: " + h);
    }
    Path p = new Path(h.file());
    try {
      FileSystem fs = FileSystem.get(p.toUri(), new Configuration());
      return new TensorReader(h, fs.open(p));
    } catch (IOException e) {
      throw new InputException(h.label() + ": cannot open: " + e.getMessage());
    }
  }

  /**
   * Reads rows {@code [from, from + count)} into {@code dst[0, count · columns)}, row-major.
   *
   * @throws InputException naming the file when a value is not finite or the file cannot be read
   *     (changed or truncated since its header was checked)
   */
  public void read(int from, int count, float[] dst) {
    if (from < 0 || count < 0 || (long) from + count > h.rows()) {
      throw new IndexOutOfBoundsException("rows [" + from + ", " + (from + count) + ")");
    }
    long need = (long) count * columns * size;
    if (bytes.length < need) {
      bytes = new byte[(int) need];
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(order);
    try {
      if (storedColumn == null) {
        in.readFully(h.offset() + (long) from * columns * size, bytes, 0, (int) need);
        for (int i = 0; i < count * columns; i++) {
          dst[i] = h.type().read(b, i * size);
        }
      } else {
        int n = h.rows();
        for (int c = 0; c < columns; c++) {
          long at = h.offset() + ((long) storedColumn[c] * n + from) * size;
          in.readFully(at, bytes, 0, count * size);
          for (int r = 0; r < count; r++) {
            dst[r * columns + c] = h.type().read(b, r * size);
          }
        }
      }
    } catch (IOException e) {
      throw new InputException(
          h.label() + ": cannot read rows " + from + ".." + (from + count - 1) + ": " + e);
    }
    for (int i = 0; i < count * columns; i++) {
      if (!Float.isFinite(dst[i])) {
        throw new InputException(
            h.label()
                + ": row "
                + (from + i / columns)
                + " index "
                + (i % columns)
                + " is "
                + dst[i]
                + (Float.isInfinite(dst[i]) && h.type() == ElementType.F64
                    ? " (beyond the float32 range)"
                    : "")
                + ": attention needs finite values");
      }
    }
  }

  /**
   * For shape (n, d1, …, dk) in Fortran order: C-order column c = ((j1·d2 + j2)·d3 + …) is stored
   * as column j1 + d1·(j2 + d2·(j3 + …)) of n consecutive values.
   */
  static int[] storedColumns(int[] shape) {
    int k = shape.length - 1;
    int cols = 1;
    for (int a = 1; a <= k; a++) {
      cols *= shape[a];
    }
    int[] stored = new int[cols];
    int[] j = new int[k + 1]; // j[1..k], C-order counter: last axis fastest
    for (int c = 0; c < cols; c++) {
      int s = 0;
      for (int a = k; a >= 1; a--) {
        s = s * shape[a] + j[a];
      }
      stored[c] = s;
      for (int a = k; a >= 1 && ++j[a] == shape[a]; a--) {
        j[a] = 0;
      }
    }
    return stored;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
