package org.longattn.jobs.attend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The flat binary records that travel in the routing shuffle (DESIGN §2: blocks travel as flat
 * binary float arrays, not rows of array&lt;float&gt;). Little-endian layout:
 *
 * <pre>
 *   byte  kind          OWN (q, k, v of rows of a block of this span) | KEY (k, v of a block read
 *                       by this span) | GLOBAL (q, k, v of global rows of the document)
 *   int   block         block id (−1 for GLOBAL)
 *   int   count         rows
 *   int[count]          positions
 *   float[count·qk]     q          (OWN and GLOBAL only)
 *   float[count·qk]     k
 *   float[count·vw]     v
 * </pre>
 *
 * A block may arrive in several records (when input rows of a block were not adjacent).
 */
public final class RoutedRecord {
  public static final byte OWN = 0;
  public static final byte KEY = 1;
  public static final byte GLOBAL = 2;

  private RoutedRecord() {}

  /** Encodes rows [from, to) of the given row arrays (one float[] per row). */
  public static byte[] encode(
      byte kind,
      int block,
      int[] pos,
      float[][] q,
      float[][] k,
      float[][] v,
      int from,
      int to,
      int qkWidth,
      int vWidth) {
    int count = to - from;
    boolean withQ = kind != KEY;
    int floats = count * ((withQ ? 2 : 1) * qkWidth + vWidth);
    ByteBuffer buf = ByteBuffer.allocate(9 + 4 * count + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(kind).putInt(block).putInt(count);
    for (int r = from; r < to; r++) {
      buf.putInt(pos[r]);
    }
    if (withQ) {
      putRows(buf, q, from, to);
    }
    putRows(buf, k, from, to);
    putRows(buf, v, from, to);
    return buf.array();
  }

  private static void putRows(ByteBuffer buf, float[][] rows, int from, int to) {
    for (int r = from; r < to; r++) {
      buf.asFloatBuffer().put(rows[r]);
      buf.position(buf.position() + 4 * rows[r].length);
    }
  }

  /** A decoded record: rows in the order written; q is null for KEY records. */
  public record Decoded(byte kind, int block, int[] pos, float[] q, float[] k, float[] v) {}

  public static Decoded decode(byte[] bytes, int qkWidth, int vWidth) {
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    byte kind = buf.get();
    int block = buf.getInt();
    int count = buf.getInt();
    int[] pos = new int[count];
    buf.asIntBuffer().get(pos);
    buf.position(buf.position() + 4 * count);
    float[] q = kind != KEY ? floats(buf, count * qkWidth) : null;
    float[] k = floats(buf, count * qkWidth);
    float[] v = floats(buf, count * vWidth);
    return new Decoded(kind, block, pos, q, k, v);
  }

  private static float[] floats(ByteBuffer buf, int n) {
    float[] a = new float[n];
    buf.asFloatBuffer().get(a);
    buf.position(buf.position() + 4 * n);
    return a;
  }
}
