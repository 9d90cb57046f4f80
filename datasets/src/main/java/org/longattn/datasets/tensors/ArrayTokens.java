package org.longattn.datasets.tensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.TokenTable;

/**
 * The token table of a {@link ArrayDocuments.Plan}, read from the array files by Spark tasks: each
 * task streams a run of consecutive rows of one document ({@link #taskRows} at most), a block of
 * {@link #BLOCK_VALUES} values at a time per array, so no task and not the driver ever holds a
 * whole array. Rows come in (document, pos) order.
 */
public final class ArrayTokens {
  /** Values read per array and per block. */
  static final int BLOCK_VALUES = 1 << 18;

  /** Bytes of q, k and v (float32) per task, about. */
  static final long TASK_BYTES = 64L << 20;

  private ArrayTokens() {}

  /** doc_id, pos, q, k, v: array&lt;float&gt; (head-major, H·d values) or binary. */
  public static StructType schema(boolean binary) {
    return TokenTable.vectorSchema(binary);
  }

  /** Rows per task for this layout: about {@link #TASK_BYTES} of vectors. */
  public static int taskRows(ArrayDocuments.Plan plan) {
    long rowBytes = 4L * plan.heads() * (2L * plan.headDim() + plan.valueDim());
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, TASK_BYTES / rowBytes));
  }

  /** The token table, lazily: one partition per run of at most {@code taskRows} rows. */
  public static Dataset<Row> read(
      SparkSession spark, ArrayDocuments.Plan plan, boolean binary, int taskRows) {
    List<int[]> runs = new ArrayList<>();
    for (int d = 0; d < plan.documents().size(); d++) {
      int n = plan.documents().get(d).rows();
      for (int from = 0; from < n; from += taskRows) {
        runs.add(new int[] {d, from, (int) Math.min(n, (long) from + taskRows)});
      }
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<ArrayDocuments.Document> docs = plan.documents();
    JavaRDD<Row> rows =
        jsc.parallelize(runs, runs.size())
            .flatMap(r -> new RunRows(docs.get(r[0]), r[1], r[2], binary));
    return spark.createDataFrame(rows, schema(binary));
  }

  /** Rows [from, to) of one document, read a block at a time. */
  private static final class RunRows implements Iterator<Row> {
    private final ArrayDocuments.Document doc;
    private final int to;
    private final boolean binary;
    private final int[] width = new int[3];
    private final int blockRows;
    private final float[][] block = new float[3][];
    private TensorReader[] readers;
    private int next;
    private int blockStart;
    private int blockEnd;

    RunRows(ArrayDocuments.Document doc, int from, int to, boolean binary) {
      this.doc = doc;
      this.to = to;
      this.binary = binary;
      this.next = from;
      this.blockStart = from;
      this.blockEnd = from;
      TensorHeader[] a = {doc.q(), doc.k(), doc.v()};
      int widest = 1;
      for (int c = 0; c < 3; c++) {
        width[c] = (int) a[c].columns();
        widest = Math.max(widest, width[c]);
      }
      this.blockRows = Math.max(1, BLOCK_VALUES / widest);
    }

    @Override
    public boolean hasNext() {
      if (next < to) {
        return true;
      }
      close();
      return false;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      if (next == blockEnd) {
        readBlock();
      }
      int r = next - blockStart;
      Object[] vec = new Object[3];
      for (int c = 0; c < 3; c++) {
        int w = width[c];
        if (binary) {
          byte[] b = new byte[4 * w];
          FloatBytes.encodeFloats(block[c], r * w, w, b);
          vec[c] = b;
        } else {
          vec[c] = java.util.Arrays.copyOfRange(block[c], r * w, (r + 1) * w);
        }
      }
      return RowFactory.create(doc.docId(), next++, vec[0], vec[1], vec[2]);
    }

    private void readBlock() {
      if (readers == null) {
        readers =
            new TensorReader[] {
              TensorReader.open(doc.q()), TensorReader.open(doc.k()), TensorReader.open(doc.v())
            };
      }
      int count = Math.min(blockRows, to - next);
      for (int c = 0; c < 3; c++) {
        if (block[c] == null) {
          block[c] = new float[Math.min(blockRows, to - next) * width[c]];
        }
        readers[c].read(next, count, block[c]);
      }
      blockStart = next;
      blockEnd = next + count;
    }

    private void close() {
      if (readers == null) {
        return;
      }
      try {
        for (TensorReader r : readers) {
          r.close();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        readers = null;
      }
    }
  }
}
