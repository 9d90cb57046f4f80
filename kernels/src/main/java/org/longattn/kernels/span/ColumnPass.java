package org.longattn.kernels.span;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.pattern.ColumnGroups;
import org.longattn.kernels.pattern.Positions;
import org.longattn.kernels.state.SoftmaxState;

/**
 * The column part of a pattern ({@link ColumnGroups}) for one head of one span: per query group,
 * gather the group's non-global queries of the span and the group's keys from the routed blocks
 * (ascending positions, global keys excluded — they come in the global pass), run the ordinary
 * backend once per band of the group, and fold the result into the rows' states.
 *
 * <p>Every query row sees the same sequence of operations whatever the span layout (its band part,
 * then its group's keys in position order, band by band), so results do not depend on spans.
 */
final class ColumnPass {
  private final AttentionPattern pattern;
  private final HeadShape shape;
  private final int head;
  private final int n;
  private final int firstBlock;
  private final int endBlock;
  private final IntFunction<TokenBlock> blocks;
  private final Globals globals;
  private final int[] keyBlocks;

  ColumnPass(
      AttentionPattern pattern,
      HeadShape shape,
      int head,
      int n,
      long docHash,
      int firstBlock,
      int endBlock,
      IntFunction<TokenBlock> blocks,
      Globals globals) {
    this.pattern = pattern;
    this.shape = shape;
    this.head = head;
    this.n = n;
    this.firstBlock = firstBlock;
    this.endBlock = endBlock;
    this.blocks = blocks;
    this.globals = globals;
    int[][] perBlock = new int[endBlock - firstBlock][];
    for (int qb = firstBlock; qb < endBlock; qb++) {
      perBlock[qb - firstBlock] = pattern.localKeyBlocks(n, docHash, head, qb);
    }
    this.keyBlocks = Positions.union(perBlock);
  }

  /** One backend call of this head: acc ← acc ⊕ state(queries vs keys) within band. */
  interface Accumulate {
    void apply(QueryRows queries, List<KeyRows> keys, Band band, SoftmaxState acc);
  }

  /** Folds the column part into {@code acc} (one state per own block, rows = the block's rows). */
  void run(Accumulate backend, SoftmaxState[] acc) {
    ColumnGroups columns = pattern.columnGroups();
    int b = pattern.blockSize();
    int firstPos = firstBlock * b;
    int endPos = Math.min(n, endBlock * b);
    // (group, position) pairs of the span's non-global queries, sorted: runs of one group each.
    long[] byGroup = new long[endPos - firstPos];
    int count = 0;
    for (int p = firstPos; p < endPos; p++) {
      // global rows read every key (computed from the global partials); padding reads nothing
      if (!globals.contains(p) && !globals.padded(p)) {
        byGroup[count++] = ((long) columns.groupOf(p) << 32) | p;
      }
    }
    Arrays.sort(byGroup, 0, count);
    for (int start = 0; start < count; ) {
      int g = (int) (byGroup[start] >> 32);
      int end = start;
      while (end < count && (int) (byGroup[end] >> 32) == g) {
        end++;
      }
      int[] qpos = new int[end - start];
      for (int r = 0; r < qpos.length; r++) {
        qpos[r] = (int) byGroup[start + r];
      }
      start = end;
      KeyRows keys = gatherKeys(columns, g);
      if (keys.n() == 0) {
        continue;
      }
      QueryRows queries = gatherQueries(qpos);
      SoftmaxState st = SoftmaxState.identity(qpos.length, shape.dv());
      for (int r = 0; r < qpos.length; r++) {
        copyRow(acc[qpos[r] / b - firstBlock], qpos[r] % b, st, r);
      }
      for (Band band : columns.bands()) {
        backend.apply(queries, List.of(keys), band, st);
      }
      for (int r = 0; r < qpos.length; r++) {
        copyRow(st, r, acc[qpos[r] / b - firstBlock], qpos[r] % b);
      }
    }
  }

  /** Head h of the span's query rows at the given positions, packed. */
  private QueryRows gatherQueries(int[] qpos) {
    int d = shape.d();
    int b = pattern.blockSize();
    float[] q = new float[qpos.length * d];
    for (int r = 0; r < qpos.length; r++) {
      TokenBlock blk = blocks.apply(qpos[r] / b);
      int row = qpos[r] - blk.firstPos();
      System.arraycopy(blk.q(), row * shape.qkWidth() + head * d, q, r * d, d);
    }
    return new QueryRows(q, 0, d, qpos.length, d, qpos, 0);
  }

  /** Head h of group g's keys in the routed key blocks, ascending; global keys excluded. */
  private KeyRows gatherKeys(ColumnGroups columns, int g) {
    int d = shape.d();
    int dv = shape.dv();
    int cap = 64;
    float[] k = new float[cap * d];
    float[] v = new float[cap * dv];
    int[] pos = new int[cap];
    byte[] flags = new byte[cap];
    int count = 0;
    for (int kb : keyBlocks) {
      TokenBlock blk = blocks.apply(kb);
      if (blk == null) {
        throw new IllegalStateException("key block " + kb + " was not routed to its span");
      }
      int end = blk.firstPos() + blk.n();
      for (int j = columns.nextInGroup(g, blk.firstPos()); j < end; ) {
        if (count == cap) {
          cap *= 2;
          k = Arrays.copyOf(k, cap * d);
          v = Arrays.copyOf(v, cap * dv);
          pos = Arrays.copyOf(pos, cap);
          flags = Arrays.copyOf(flags, cap);
        }
        int row = j - blk.firstPos();
        System.arraycopy(blk.k(), row * shape.qkWidth() + head * d, k, count * d, d);
        System.arraycopy(blk.v(), row * shape.vWidth() + head * dv, v, count * dv, dv);
        pos[count] = j;
        flags[count] = globals.contains(j) || globals.padded(j) ? KeyRows.EXCLUDED : 0;
        count++;
        if (j == Integer.MAX_VALUE) {
          break;
        }
        j = columns.nextInGroup(g, j + 1);
      }
    }
    return new KeyRows(k, 0, d, v, 0, dv, count, d, dv, pos, 0, flags, 0);
  }

  /** Copies row r of src into row dr of dst (the rows' whole state). */
  private static void copyRow(SoftmaxState src, int r, SoftmaxState dst, int dr) {
    dst.m[dr] = src.m[r];
    dst.l[dr] = src.l[r];
    dst.t[dr] = src.t[r];
    dst.dsum[dr] = src.dsum[r];
    dst.gsum[dr] = src.gsum[r];
    System.arraycopy(src.o, r * src.dv, dst.o, dr * dst.dv, src.dv);
  }
}
