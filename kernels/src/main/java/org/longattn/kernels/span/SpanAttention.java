package org.longattn.kernels.span;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.InputRangeException;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.score.ScoreFunction;
import org.longattn.kernels.state.SoftmaxState;
import org.longattn.kernels.state.TreeFold;

/**
 * Exact sparse attention for one span (a run of consecutive blocks) of one document, from the key
 * blocks its query blocks read — the unit of distribution (DESIGN §2).
 *
 * <p>For a non-global query row i: its local key blocks (global keys masked out there, the band
 * applied), then the column part of patterns that have one ({@link ColumnPass}), then the
 * document's global keys (direction-masked), in that fixed order, into one online softmax state.
 * For the global rows: one state per own key block, folded over the span's blocks by {@link
 * TreeFold}; spans' partials are folded the same way by the job, so the association depends on
 * block ids only and the result on nothing else (span size included, when it is a power of two).
 */
public final class SpanAttention {
  private final AttentionPattern pattern;
  private final HeadShape shape;
  private final float scale;
  private final boolean stats;
  private final AttentionBackend backend;
  private final Band globalBand;
  private final ScoreFunction score;
  private final float[][] additiveV;

  /** Scaled dot-product scores. */
  public SpanAttention(
      AttentionPattern pattern, HeadShape shape, boolean stats, AttentionBackend backend) {
    this(pattern, shape, stats, backend, ScoreFunction.scaledDot());
  }

  /** Scores by {@code score} (its weights, if any, for shape's heads × d). */
  public SpanAttention(
      AttentionPattern pattern,
      HeadShape shape,
      boolean stats,
      AttentionBackend backend,
      ScoreFunction score) {
    this.pattern = pattern;
    this.shape = shape;
    this.score = score;
    this.scale = score.scale(shape.d());
    this.additiveV = new float[shape.heads()][];
    for (int h = 0; score.additive() && h < shape.heads(); h++) {
      additiveV[h] = score.additiveV(h);
    }
    this.stats = stats;
    this.backend = backend;
    this.globalBand =
        pattern.causal()
            ? Band.ALL.causal()
            : pattern.anticausal() ? Band.ALL.anticausal() : Band.ALL;
  }

  /**
   * Computes the span [firstBlock, endBlock) of a document of n tokens: its rows and its global
   * partials ({@link #computeRows} then {@link #computeGlobalPartials}).
   *
   * @param blocks key block id → its token rows; own blocks (in the span) must carry q
   */
  public SpanResult compute(
      int n,
      long docHash,
      int firstBlock,
      int endBlock,
      IntFunction<TokenBlock> blocks,
      Globals globals) {
    SpanResult r = computeRows(n, docHash, firstBlock, endBlock, blocks, globals);
    return new SpanResult(
        r.firstPos(),
        r.rows(),
        r.out(),
        r.entropy(),
        r.meanDistance(),
        r.maxWeight(),
        r.globalMass(),
        computeGlobalPartials(firstBlock, endBlock, blocks, globals));
  }

  /**
   * The final rows of the span's non-global positions (global rows left zero, no partials).
   *
   * @param blocks key block id → its token rows; own blocks (in the span) must carry q
   */
  public SpanResult computeRows(
      int n,
      long docHash,
      int firstBlock,
      int endBlock,
      IntFunction<TokenBlock> rawBlocks,
      Globals rawGlobals) {
    IntFunction<TokenBlock> blocks = projected(rawBlocks);
    Globals globals = projected(rawGlobals);
    int b = pattern.blockSize();
    int firstPos = firstBlock * b;
    int rows = Math.min(n, endBlock * b) - firstPos;
    int heads = shape.heads();
    float[] out = new float[rows * shape.vWidth()];
    float[] entropy = stats ? new float[rows * heads] : null;
    float[] dist = stats ? new float[rows * heads] : null;
    float[] maxw = stats ? new float[rows * heads] : null;
    float[] gmass = stats ? new float[rows * heads] : null;
    SpanResult result =
        new SpanResult(firstPos, rows, out, entropy, dist, maxw, gmass, new SoftmaxState[0]);
    Band localBand = pattern.band();
    int nOwn = endBlock - firstBlock;
    for (int h = 0; h < heads; h++) {
      SoftmaxState[] acc = new SoftmaxState[nOwn];
      for (int qb = firstBlock; qb < endBlock; qb++) {
        TokenBlock own = blocks.apply(qb);
        if (own == null || own.q() == null) {
          throw new IllegalStateException("span is missing its own block " + qb);
        }
        acc[qb - firstBlock] = SoftmaxState.identity(own.n(), shape.dv());
        if (allGlobal(own, globals) || localBand.isEmpty()) {
          continue; // all-global blocks: computed from the global partials
        }
        QueryRows q = queryRows(own.q(), own.n(), h, null, own.firstPos());
        List<KeyRows> keys = new ArrayList<>();
        for (int kb : pattern.localKeyBlocks(n, docHash, h, qb)) {
          TokenBlock kbData = blocks.apply(kb);
          if (kbData == null) {
            throw new IllegalStateException("key block " + kb + " was not routed to block " + qb);
          }
          int qHi = own.firstPos() + own.n() - 1;
          int kHi = kbData.firstPos() + kbData.n() - 1;
          if (!localBand.allowsNone(own.firstPos(), qHi, kbData.firstPos(), kHi)) {
            keys.add(keyRows(kbData, h, globals, KeyRows.EXCLUDED));
          }
        }
        accumulate(h, q, keys, localBand, acc[qb - firstBlock]);
      }
      if (pattern.columnGroups() != null) {
        int hh = h;
        new ColumnPass(pattern, shape, h, n, docHash, firstBlock, endBlock, blocks, globals)
            .run((q, keys, band, st) -> accumulate(hh, q, keys, band, st), acc);
      }
      for (int qb = firstBlock; qb < endBlock; qb++) {
        TokenBlock own = blocks.apply(qb);
        if (allGlobal(own, globals)) {
          continue;
        }
        SoftmaxState st = acc[qb - firstBlock];
        if (globals.size() > 0) {
          QueryRows q = queryRows(own.q(), own.n(), h, null, own.firstPos());
          accumulate(h, q, List.of(globalKeyRows(globals, h)), globalBand, st);
        }
        for (int r = 0; r < own.n(); r++) {
          int p = own.firstPos() + r;
          if (!globals.contains(p) && !globals.padded(p)) { // padding rows stay zero
            writeRow(shape, st, r, h, p - firstPos, result, p);
          }
        }
      }
    }
    return result;
  }

  /**
   * Per head, the state of the document's global rows over the span's own keys: one state per key
   * block, folded over the blocks by {@link TreeFold}. Empty when there is no global token.
   */
  public SoftmaxState[] computeGlobalPartials(
      int firstBlock, int endBlock, IntFunction<TokenBlock> rawBlocks, Globals rawGlobals) {
    if (rawGlobals.size() == 0) {
      return new SoftmaxState[0];
    }
    IntFunction<TokenBlock> blocks = projected(rawBlocks);
    Globals globals = projected(rawGlobals);
    SoftmaxState[] partials = new SoftmaxState[shape.heads()];
    for (int h = 0; h < shape.heads(); h++) {
      QueryRows gq = queryRows(globals.q(), globals.size(), h, globals.pos(), 0);
      List<SoftmaxState> perBlock = new ArrayList<>(endBlock - firstBlock);
      for (int kb = firstBlock; kb < endBlock; kb++) {
        SoftmaxState st = SoftmaxState.identity(globals.size(), shape.dv());
        TokenBlock kbData = blocks.apply(kb);
        accumulate(h, gq, List.of(keyRows(kbData, h, globals, KeyRows.GLOBAL)), globalBand, st);
        perBlock.add(st);
      }
      partials[h] = TreeFold.fold(perBlock, SoftmaxState::merge);
    }
    return partials;
  }

  /**
   * Turns the document-wide global-row states (one per head, folded over all spans) into output
   * rows: writes them into {@code out} (G rows of H·dv) and the stats arrays (G·H each, nullable).
   * {@code positionOf} maps a row to its document position (named when the row is refused).
   */
  public static void finishGlobalRows(
      HeadShape shape,
      SoftmaxState[] perHead,
      IntUnaryOperator positionOf,
      float[] out,
      float[] entropy,
      float[] meanDistance,
      float[] maxWeight,
      float[] globalMass) {
    int g = perHead[0].rows;
    SpanResult target =
        new SpanResult(0, g, out, entropy, meanDistance, maxWeight, globalMass, perHead);
    for (int h = 0; h < shape.heads(); h++) {
      for (int r = 0; r < g; r++) {
        writeRow(shape, perHead[h], r, h, r, target, positionOf.applyAsInt(r));
      }
    }
  }

  /**
   * Writes row r of {@code st}. Every query row written here sees at least its own key (all
   * patterns include the diagonal; padding rows are never written), so a running max still at −∞
   * means every visible score overflowed to −∞: refused rather than written as zeros.
   */
  private static void writeRow(
      HeadShape shape, SoftmaxState st, int r, int h, int row, SpanResult res, int position) {
    if (st.m[r] == Float.NEGATIVE_INFINITY) {
      throw new InputRangeException(
          position,
          "every visible attention score of head "
              + h
              + " overflowed the float range (scale q or k down)");
    }
    st.output(r, res.out(), row * shape.vWidth() + h * shape.dv());
    if (res.entropy() != null) {
      int idx = row * shape.heads() + h;
      res.entropy()[idx] = st.entropy(r);
      res.meanDistance()[idx] = st.meanDistance(r);
      res.maxWeight()[idx] = st.maxWeight(r);
      res.globalMass()[idx] = st.globalMass(r);
    }
  }

  /** The backend call of head h under this score function. */
  private void accumulate(int h, QueryRows q, List<KeyRows> keys, Band band, SoftmaxState acc) {
    if (score.additive()) {
      backend.accumulateAdditive(q, keys, additiveV[h], band, stats, acc);
    } else {
      backend.accumulate(q, keys, band, scale, stats, acc);
    }
  }

  /** Blocks with q and k projected by the score function (memoised), or the blocks themselves. */
  private IntFunction<TokenBlock> projected(IntFunction<TokenBlock> blocks) {
    if (!score.projects()) {
      return blocks;
    }
    java.util.Map<Integer, TokenBlock> memo = new java.util.HashMap<>();
    return id -> {
      TokenBlock t = memo.get(id);
      if (t == null) {
        TokenBlock raw = blocks.apply(id);
        if (raw == null) {
          return null;
        }
        t =
            new TokenBlock(
                raw.block(),
                raw.firstPos(),
                raw.n(),
                project(raw.q(), raw.n(), true),
                project(raw.k(), raw.n(), false),
                raw.v());
        memo.put(id, t);
      }
      return t;
    };
  }

  private Globals projected(Globals g) {
    if (!score.projects() || g.size() == 0) {
      return g;
    }
    return new Globals(
        g.pos(),
        project(g.q(), g.size(), true),
        project(g.k(), g.size(), false),
        g.v(),
        g.padding());
  }

  /** Rows of H·d values with every head projected as a query or a key; null stays null. */
  private float[] project(float[] rows, int n, boolean query) {
    if (rows == null) {
      return null;
    }
    float[] out = new float[rows.length];
    int w = shape.qkWidth();
    for (int r = 0; r < n; r++) {
      for (int h = 0; h < shape.heads(); h++) {
        int off = r * w + h * shape.d();
        if (query) {
          score.projectQuery(h, rows, off, out, off);
        } else {
          score.projectKey(h, rows, off, out, off);
        }
      }
    }
    return out;
  }

  private QueryRows queryRows(float[] q, int n, int h, int[] pos, int posOff) {
    return new QueryRows(q, h * shape.d(), shape.qkWidth(), n, shape.d(), pos, posOff);
  }

  /**
   * Head h of a block's keys; the block's global positions flagged {@code globalFlag}, its padding
   * {@link KeyRows#EXCLUDED}.
   */
  private KeyRows keyRows(TokenBlock blk, int h, Globals globals, byte globalFlag) {
    byte[] flags = null;
    int lo = lowerBound(globals.pos(), blk.firstPos());
    int hi = lowerBound(globals.pos(), blk.firstPos() + blk.n());
    if (hi > lo) {
      flags = new byte[blk.n()];
      for (int g = lo; g < hi; g++) {
        flags[globals.pos()[g] - blk.firstPos()] = globalFlag;
      }
    }
    int plo = lowerBound(globals.padding(), blk.firstPos());
    int phi = lowerBound(globals.padding(), blk.firstPos() + blk.n());
    if (phi > plo) {
      flags = flags == null ? new byte[blk.n()] : flags;
      for (int x = plo; x < phi; x++) {
        flags[globals.padding()[x] - blk.firstPos()] = KeyRows.EXCLUDED;
      }
    }
    return headOf(blk.k(), blk.v(), blk.n(), null, blk.firstPos(), flags, h);
  }

  /** Head h of the document's global keys, all flagged GLOBAL. */
  private KeyRows globalKeyRows(Globals g, int h) {
    byte[] flags = new byte[g.size()];
    Arrays.fill(flags, KeyRows.GLOBAL);
    return headOf(g.k(), g.v(), g.size(), g.pos(), 0, flags, h);
  }

  /** Head h of n token rows of k and v (head-major rows of H·d and H·dv values). */
  private KeyRows headOf(float[] k, float[] v, int n, int[] pos, int posOff, byte[] flags, int h) {
    return new KeyRows(
        k,
        h * shape.d(),
        shape.qkWidth(),
        v,
        h * shape.dv(),
        shape.vWidth(),
        n,
        shape.d(),
        shape.dv(),
        pos,
        posOff,
        flags,
        0);
  }

  static boolean allGlobal(TokenBlock blk, Globals globals) {
    int lo = lowerBound(globals.pos(), blk.firstPos());
    int hi = lowerBound(globals.pos(), blk.firstPos() + blk.n());
    return hi - lo == blk.n();
  }

  static int lowerBound(int[] a, int x) {
    int i = Arrays.binarySearch(a, x);
    return i >= 0 ? i : -i - 1;
  }
}
