package org.longattn.jobs.advise;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.ColumnGroups;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;

/**
 * The exact softmax of each sampled query over every key of its unit, and the part of it inside
 * each candidate's key set, as one associative state per (sample, head) slot — computed per key
 * span and folded in span order, so the result does not depend on how the input is partitioned.
 *
 * <p>State of a slot (all in double), with one shared running maximum m of the scores s_j = q·k_j /
 * √d over the keys seen:
 *
 * <pre>
 *   m, l = Σ_j e^(s_j − m), count, o = Σ_j e^(s_j − m)·v_j, sumV = Σ_j v_j,
 *   and per candidate c: l_c = Σ_{j ∈ K_c} e^(s_j − m), count_c, o_c = Σ_{j ∈ K_c} e^(s_j − m)·v_j
 * </pre>
 *
 * over the keys j the exact attention reads (every non-padding key; j ≤ i with {@code --causal}).
 * Merge: m = max(m1, m2), every exponential sum scaled by e^(m_k − m), counts and sumV added. Then
 * coverage_c = l_c / l (the shared m cancels), the exact output o / l, the candidate's output o_c /
 * l_c (zero when K_c is empty, as {@code attend} writes a query that sees no key).
 *
 * <p>K_c is the key set {@code attend} gives query i for the candidate's pattern: direction(i, j)
 * and (global(i) or global(j) or local(i, j)) with the table's globals and the pattern's own,
 * padding excluded as a query and as a key ({@link AttentionPattern}).
 */
final class ExactMass {
  private ExactMass() {}

  static final int M = 0;
  static final int L = 1;
  static final int COUNT = 2;
  static final int O = 3;

  /** Values per slot. */
  static int width(int dv, int candidates) {
    return 3 + 2 * dv + candidates * (2 + dv);
  }

  /** Offset of the exact sum of values within a slot. */
  static int sumV(int dv) {
    return O + dv;
  }

  /** Offset of candidate c's (l_c, count_c, o_c) within a slot. */
  static int candidate(int dv, int c) {
    return 3 + 2 * dv + c * (2 + dv);
  }

  /** {@code slots} identity states. */
  static double[] empty(int slots, int dv, int candidates) {
    int w = width(dv, candidates);
    double[] a = new double[slots * w];
    for (int s = 0; s < slots; s++) {
      a[s * w + M] = Double.NEGATIVE_INFINITY;
    }
    return a;
  }

  /** a ← a ⊕ b, slot by slot (see the class comment). */
  static void merge(double[] a, double[] b, int dv, int candidates) {
    int w = width(dv, candidates);
    for (int s = 0; s * w < a.length; s++) {
      int at = s * w;
      double m1 = a[at + M];
      double m2 = b[at + M];
      double m = Math.max(m1, m2);
      double c1 = m1 == Double.NEGATIVE_INFINITY ? 0 : Math.exp(m1 - m);
      double c2 = m2 == Double.NEGATIVE_INFINITY ? 0 : Math.exp(m2 - m);
      a[at + M] = m;
      a[at + L] = a[at + L] * c1 + b[at + L] * c2;
      a[at + COUNT] += b[at + COUNT];
      for (int x = 0; x < dv; x++) {
        a[at + O + x] = a[at + O + x] * c1 + b[at + O + x] * c2;
        a[at + O + dv + x] += b[at + O + dv + x];
      }
      for (int c = 0; c < candidates; c++) {
        int cb = at + candidate(dv, c);
        a[cb] = a[cb] * c1 + b[cb] * c2;
        a[cb + 1] += b[cb + 1];
        for (int x = 0; x < dv; x++) {
          a[cb + 2 + x] = a[cb + 2 + x] * c1 + b[cb + 2 + x] * c2;
        }
      }
    }
  }

  /**
   * The state of one key span: blocks [firstBlock, endBlock) of the unit, keys in position order.
   *
   * @param blocks the span's key blocks by id (routing blocks, not the candidates' blocks)
   * @param causal the exact attention reads only j ≤ i
   */
  static double[] span(
      SampledUnit u,
      AttentionPattern[] patterns,
      HeadShape shape,
      boolean causal,
      java.util.function.IntFunction<TokenBlock> blocks,
      int firstBlock,
      int endBlock) {
    int heads = shape.heads();
    int d = shape.d();
    int dv = shape.dv();
    int qk = shape.qkWidth();
    int vw = shape.vWidth();
    int cands = patterns.length;
    int samples = u.pos.length;
    int w = width(dv, cands);
    double[] a = empty(samples * heads, dv, cands);
    double scale = 1 / Math.sqrt(d);
    LocalBlocks local = new LocalBlocks(u, patterns, heads);
    boolean[] queryGlobal = new boolean[cands * samples];
    for (int c = 0; c < cands; c++) {
      for (int i = 0; i < samples; i++) {
        queryGlobal[c * samples + i] = u.global(c, u.pos[i]);
      }
    }
    boolean[] keyGlobal = new boolean[cands];
    boolean[] member = new boolean[cands];
    for (int b = firstBlock; b < endBlock; b++) {
      TokenBlock blk = blocks.apply(b);
      for (int r = 0; r < blk.n(); r++) {
        int j = blk.firstPos() + r;
        if (u.padded(j)) {
          continue;
        }
        for (int c = 0; c < cands; c++) {
          keyGlobal[c] = u.global(c, j);
        }
        int kOff = r * qk;
        int vOff = r * vw;
        for (int i = 0; i < samples; i++) {
          int qi = u.pos[i];
          if (causal && j > qi) {
            continue;
          }
          for (int h = 0; h < heads; h++) {
            boolean any = false;
            for (int c = 0; c < cands; c++) {
              member[c] =
                  patterns[c].directionAllows(qi, j)
                      && (queryGlobal[c * samples + i]
                          || keyGlobal[c]
                          || local.allows(c, i, h, qi, j));
              any |= member[c];
            }
            double dot = 0;
            int qOff = i * qk + h * d;
            int kh = kOff + h * d;
            for (int x = 0; x < d; x++) {
              dot += (double) u.q[qOff + x] * blk.k()[kh + x];
            }
            add(a, (i * heads + h) * w, dot * scale, blk.v(), vOff + h * dv, dv, member, any);
          }
        }
      }
    }
    return a;
  }

  /** Adds key (s, v) to the slot at {@code at}, and to the candidates it is a member of. */
  private static void add(
      double[] a, int at, double s, float[] v, int vOff, int dv, boolean[] member, boolean any) {
    int cands = member.length;
    double m = a[at + M];
    double e;
    if (s > m) {
      double r = m == Double.NEGATIVE_INFINITY ? 0 : Math.exp(m - s);
      a[at + L] *= r;
      for (int x = 0; x < dv; x++) {
        a[at + O + x] *= r;
      }
      for (int c = 0; c < cands; c++) {
        int cb = at + candidate(dv, c);
        a[cb] *= r;
        for (int x = 0; x < dv; x++) {
          a[cb + 2 + x] *= r;
        }
      }
      a[at + M] = s;
      e = 1;
    } else {
      e = Math.exp(s - m);
    }
    a[at + L] += e;
    a[at + COUNT] += 1;
    int sv = at + O + dv;
    for (int x = 0; x < dv; x++) {
      double vx = v[vOff + x];
      a[at + O + x] += e * vx;
      a[sv + x] += vx;
    }
    if (!any) {
      return;
    }
    for (int c = 0; c < cands; c++) {
      if (member[c]) {
        int cb = at + candidate(dv, c);
        a[cb] += e;
        a[cb + 1] += 1;
        for (int x = 0; x < dv; x++) {
          a[cb + 2 + x] += e * v[vOff + x];
        }
      }
    }
  }

  /**
   * The local part of each candidate's key set for the samples, as {@link
   * AttentionPattern#localAllows} defines it: the column part, or the band and the query block's
   * local key blocks. Key blocks are looked up once per (candidate, query block, head) and the last
   * answer per (candidate, sample, head) is kept, since keys arrive in position order.
   */
  static final class LocalBlocks {
    private final SampledUnit u;
    private final AttentionPattern[] patterns;
    private final int heads;
    private final Map<Long, int[]> byQueryBlock = new HashMap<>();
    private final int[] lastBlock;
    private final boolean[] lastIn;

    LocalBlocks(SampledUnit u, AttentionPattern[] patterns, int heads) {
      this.u = u;
      this.patterns = patterns;
      this.heads = heads;
      this.lastBlock = new int[patterns.length * u.pos.length * heads];
      this.lastIn = new boolean[lastBlock.length];
      Arrays.fill(lastBlock, -1);
    }

    boolean allows(int c, int i, int h, int qi, int j) {
      AttentionPattern p = patterns[c];
      ColumnGroups columns = p.columnGroups();
      if (columns != null && columns.allows(qi, j)) {
        return true;
      }
      if (!p.band().allows(qi, j)) {
        return false;
      }
      int kb = j / p.blockSize();
      int slot = (c * u.pos.length + i) * heads + h;
      if (lastBlock[slot] != kb) {
        int qb = qi / p.blockSize();
        int[] blocks =
            byQueryBlock.computeIfAbsent(
                ((long) c * heads + h) << 32 | qb, key -> p.localKeyBlocks(u.n, u.docHash, h, qb));
        lastBlock[slot] = kb;
        lastIn[slot] = Arrays.binarySearch(blocks, kb) >= 0;
      }
      return lastIn[slot];
    }
  }
}
