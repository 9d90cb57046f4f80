package org.longattn.jobs.attend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The flat binary records that travel in the routing shuffle (DESIGN §2: blocks travel as flat
 * binary float arrays, not rows of array&lt;float&gt;). Little-endian layout:
 *
 * <pre>
 *   byte  kind          OWN (q, k, v of rows of a block of this span) | KEY (k, v of a block read
 *                       by this span) | GLOBAL (q, k, v of global rows of the document) | QUERY
 *                       (q of rows of a block, for a tile that reads other keys)
 *   int   block         block id (−1 for GLOBAL)
 *   int   count         rows
 *   int[count]          positions
 *   float[count·qk]     q          (OWN, GLOBAL and QUERY only)
 *   float[count·qk]     k          (not in QUERY)
 *   float[count·vw]     v          (not in QUERY)
 * </pre>
 *
 * A block may arrive in several records (when input rows of a block were not adjacent).
 */
public final class RoutedRecord {
  public static final byte OWN = 0;
  public static final byte KEY = 1;
  public static final byte GLOBAL = 2;
  public static final byte QUERY = 3;

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
    java.nio.FloatBuffer f = buf.asFloatBuffer(); // one view for all rows
    for (int r = from; r < to; r++) {
      f.put(rows[r]);
    }
    buf.position(buf.position() + 4 * f.position());
  }

  /** The q part of an OWN record, as a QUERY record (bytes copied, the input is unchanged). */
  public static byte[] queryPart(byte[] own, int qkWidth) {
    int count = ownCount(own);
    byte[] r = java.util.Arrays.copyOf(own, 9 + 4 * count + 4 * count * qkWidth);
    r[0] = QUERY;
    return r;
  }

  /** The k and v part of an OWN record, as a KEY record (bytes copied, the input is unchanged). */
  public static byte[] keyPart(byte[] own, int qkWidth) {
    int count = ownCount(own);
    int head = 9 + 4 * count;
    int qBytes = 4 * count * qkWidth;
    byte[] r = new byte[own.length - qBytes];
    System.arraycopy(own, 0, r, 0, head);
    System.arraycopy(own, head + qBytes, r, head, own.length - head - qBytes);
    r[0] = KEY;
    return r;
  }

  /** Bytes of k and v values in an OWN or KEY record of this size. */
  public static long keyValueBytes(byte[] rec, int qkWidth) {
    int count = ownCount(rec);
    return rec.length - 9 - 4L * count - (rec[0] == OWN ? 4L * count * qkWidth : 0);
  }

  private static int ownCount(byte[] rec) {
    if (rec[0] != OWN && rec[0] != KEY) {
      throw new IllegalArgumentException("not an OWN or KEY record: kind " + rec[0]);
    }
    return ByteBuffer.wrap(rec, 5, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  /** A decoded record: rows in the order written; q is null for KEY, k and v for QUERY records. */
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
    float[] k = kind != QUERY ? floats(buf, count * qkWidth) : null;
    float[] v = kind != QUERY ? floats(buf, count * vWidth) : null;
    return new Decoded(kind, block, pos, q, k, v);
  }

  private static float[] floats(ByteBuffer buf, int n) {
    float[] a = new float[n];
    buf.asFloatBuffer().get(a);
    buf.position(buf.position() + 4 * n);
    return a;
  }
}
