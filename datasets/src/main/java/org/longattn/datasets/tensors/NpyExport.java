package org.longattn.datasets.tensors;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Iterator;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.InputException;
import org.longattn.kernels.io.Npy;

/**
 * Writes one vector column of a table (an {@code attend} output's {@code out}, or any array&lt;
 * float&gt; / binary column keyed by {@code doc_id}, {@code pos}) as one float32 {@code .npy} file
 * per document: {@code DIR/}{@link DocFileNames#encode}{@code (doc_id).npy}, row {@code pos} of the
 * array being the row at that position, shape (n, W) or (n, H, W/H). The rows are shuffled by
 * document and sorted by position within each task (Spark's sort spills to disk), then streamed to
 * the file: no task holds a whole document. A null vector (a padding row of a masked input) is
 * written as NaN values.
 */
public final class NpyExport {
  private NpyExport() {}

  /**
   * Writes the files into {@code dir} (which must exist).
   *
   * @param table columns doc_id (string), pos (int), then the vector column (array&lt;float&gt; or
   *     binary)
   * @param rows each document's row count; its positions must be 0..n−1 (checked before)
   * @param rowShape the shape of one row in the file ({@code {W}} or {@code {H, W/H}})
   * @param partitions tasks writing files (each writes whole documents)
   * @throws InputException naming the document and position of a vector whose length is not W
   */
  public static void write(
      Dataset<Row> table, String dir, Map<String, Integer> rows, int[] rowShape, int partitions) {
    String doc = table.columns()[0];
    String pos = table.columns()[1];
    boolean binary = table.schema().fields()[2].dataType().equals(DataTypes.BinaryType);
    String column = table.columns()[2];
    table
        .repartition(partitions, table.col(doc))
        .sortWithinPartitions(doc, pos)
        .queryExecution()
        .toRdd()
        .toJavaRDD()
        .foreachPartition(it -> new Files(dir, rows, rowShape, column, binary).write(it));
  }

  /** One task's writer: the documents of its partition, one file open at a time. */
  private static final class Files {
    private final String dir;
    private final Map<String, Integer> rows;
    private final int[] rowShape;
    private final String column;
    private final boolean binary;
    private final int width;
    private final byte[] bytes;
    private final float[] nan;
    private OutputStream out;
    private String doc;
    private int next;

    Files(String dir, Map<String, Integer> rows, int[] rowShape, String column, boolean binary) {
      this.dir = dir;
      this.rows = rows;
      this.rowShape = rowShape;
      this.column = column;
      this.binary = binary;
      int w = 1;
      for (int s : rowShape) {
        w *= s;
      }
      this.width = w;
      this.bytes = new byte[4 * w];
      this.nan = new float[w];
      java.util.Arrays.fill(nan, Float.NaN);
    }

    void write(Iterator<InternalRow> it) throws IOException {
      try {
        while (it.hasNext()) {
          InternalRow r = it.next();
          String d = r.getUTF8String(0).toString();
          if (!d.equals(doc)) {
            finish();
            open(d);
          }
          int pos = r.getInt(1);
          if (pos != next) {
            throw new InputException(
                "doc '"
                    + doc
                    + "': positions are not 0..n-1 (pos "
                    + pos
                    + " where "
                    + next
                    + " was due)");
          }
          if (r.isNullAt(2)) {
            FloatBytes.encodeFloats(nan, 0, width, bytes);
          } else if (binary) {
            byte[] b = r.getBinary(2);
            check(b.length / 4, (b.length & 3) == 0, pos);
            System.arraycopy(b, 0, bytes, 0, b.length);
          } else {
            float[] v = r.getArray(2).toFloatArray();
            check(v.length, true, pos);
            FloatBytes.encodeFloats(v, 0, width, bytes);
          }
          out.write(bytes);
          next++;
        }
        finish();
      } finally {
        if (out != null) {
          out.close();
        }
      }
    }

    private void check(int length, boolean whole, int pos) {
      if (!whole || length != width) {
        throw new InputException(
            InputException.where(doc, pos, column)
                + (whole ? "length " + length : "binary length not a multiple of 4")
                + ", expected "
                + width
                + " like the table's first row");
      }
    }

    private void open(String d) throws IOException {
      Integer n = rows.get(d);
      if (n == null) {
        throw new IllegalStateException("document '" + d + "' was not counted");
      }
      int[] shape = new int[rowShape.length + 1];
      shape[0] = n;
      System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
      Path file = new Path(dir, DocFileNames.encode(d) + ".npy");
      FileSystem fs = FileSystem.get(file.toUri(), new Configuration());
      out = new BufferedOutputStream(fs.create(file, true), 1 << 20);
      out.write(Npy.header(shape));
      doc = d;
      next = 0;
    }

    private void finish() throws IOException {
      if (out == null) {
        return;
      }
      if (next != rows.get(doc)) {
        throw new IllegalStateException(
            "document '" + doc + "': " + next + " rows written, " + rows.get(doc) + " counted");
      }
      out.close();
      out = null;
    }
  }
}
