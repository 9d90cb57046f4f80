package org.longattn.jobs.attend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.longattn.datasets.InputException;
import org.longattn.kernels.span.Globals;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;

/**
 * Rebuilds a span's blocks from its routed records: its own blocks (q, k, v), the foreign key
 * blocks it reads (k, v) and the document's global rows. Every position of an own block must arrive
 * exactly once; a duplicate or a hole is a bad-input error naming the document and the position.
 */
public final class SpanAssembler {
  private final DocPlan doc;
  private final int blockSize;
  private final HeadShape shape;
  private final Map<Integer, Builder> blocks = new HashMap<>();
  private final List<RoutedRecord.Decoded> globals = new ArrayList<>();

  public SpanAssembler(DocPlan doc, int blockSize, HeadShape shape) {
    this.doc = doc;
    this.blockSize = blockSize;
    this.shape = shape;
  }

  /** Adds one routed record. */
  public void add(byte[] record) {
    if (record[0] == RoutedRecord.GLOBAL) {
      globals.add(RoutedRecord.decode(record, shape.qkWidth(), shape.vWidth()));
      return;
    }
    ByteBuffer buf = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
    int block = buf.getInt(1);
    Builder b = blocks.computeIfAbsent(block, id -> new Builder(id, record[0] == RoutedRecord.OWN));
    b.add(buf);
  }

  /** The block with this id (null when it was not routed here); complete and checked. */
  public TokenBlock block(int id) {
    Builder b = blocks.get(id);
    return b == null ? null : b.build();
  }

  /** The document's global rows, sorted by position. */
  public Globals globals() {
    int count = 0;
    for (RoutedRecord.Decoded g : globals) {
      count += g.pos().length;
    }
    Integer[] order = new Integer[count];
    int[] pos = new int[count];
    int[] src = new int[count];
    int[] row = new int[count];
    int k = 0;
    for (int gi = 0; gi < globals.size(); gi++) {
      int[] p = globals.get(gi).pos();
      for (int r = 0; r < p.length; r++) {
        pos[k] = p[r];
        src[k] = gi;
        row[k] = r;
        order[k] = k;
        k++;
      }
    }
    Arrays.sort(order, (a, b) -> Integer.compare(pos[a], pos[b]));
    int qk = shape.qkWidth();
    int vw = shape.vWidth();
    int[] sortedPos = new int[count];
    float[] q = new float[count * qk];
    float[] kk = new float[count * qk];
    float[] v = new float[count * vw];
    for (int i = 0; i < count; i++) {
      int o = order[i];
      if (i > 0 && pos[o] == sortedPos[i - 1]) {
        throw duplicate(pos[o], "global");
      }
      sortedPos[i] = pos[o];
      RoutedRecord.Decoded g = globals.get(src[o]);
      System.arraycopy(g.q(), row[o] * qk, q, i * qk, qk);
      System.arraycopy(g.k(), row[o] * qk, kk, i * qk, qk);
      System.arraycopy(g.v(), row[o] * vw, v, i * vw, vw);
    }
    return new Globals(sortedPos, q, kk, v);
  }

  private InputException duplicate(int pos, String column) {
    return new InputException(
        "doc '" + doc.docId() + "' pos " + pos + " column 'pos': duplicate position");
  }

  /** Collects the rows of one block, possibly from several records. */
  private final class Builder {
    private final int id;
    private final boolean own;
    private final int first;
    private final int n;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final boolean[] seen;
    private int filled;
    private TokenBlock built;

    Builder(int id, boolean own) {
      this.id = id;
      this.own = own;
      this.first = id * blockSize;
      this.n = Math.min(doc.n(), first + blockSize) - first;
      this.q = own ? new float[n * shape.qkWidth()] : null;
      this.k = new float[n * shape.qkWidth()];
      this.v = new float[n * shape.vWidth()];
      this.seen = new boolean[n];
    }

    /**
     * Copies the rows of an OWN or KEY record (layout: {@link RoutedRecord}) straight from its
     * bytes into the block's arrays: no decoded intermediate arrays.
     */
    void add(ByteBuffer rec) {
      int qk = shape.qkWidth();
      int vw = shape.vWidth();
      int count = rec.getInt(5);
      int posAt = 9;
      boolean withQ = rec.get(0) != RoutedRecord.KEY;
      FloatBuffer f =
          rec.position(posAt + 4 * count).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      int qAt = 0;
      int kAt = withQ ? count * qk : 0;
      int vAt = kAt + count * qk;
      for (int i = 0; i < count; i++) {
        int p = rec.getInt(posAt + 4 * i);
        int slot = p - first;
        if (seen[slot]) {
          throw duplicate(p, "pos");
        }
        seen[slot] = true;
        filled++;
        if (own) {
          f.get(qAt + i * qk, q, slot * qk, qk);
        }
        f.get(kAt + i * qk, k, slot * qk, qk);
        f.get(vAt + i * vw, v, slot * vw, vw);
      }
    }

    TokenBlock build() {
      if (built == null) {
        if (filled != n) {
          int missing = 0;
          while (seen[missing]) {
            missing++;
          }
          throw new InputException(
              "doc '"
                  + doc.docId()
                  + "' pos "
                  + (first + missing)
                  + " column 'pos': position missing (positions must be 0.."
                  + (doc.n() - 1)
                  + " exactly once)");
        }
        built = new TokenBlock(id, first, n, q, k, v);
      }
      return built;
    }
  }
}
