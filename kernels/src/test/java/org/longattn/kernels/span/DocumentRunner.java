package org.longattn.kernels.span;

import java.util.ArrayList;
import java.util.List;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.score.ScoreFunction;
import org.longattn.kernels.state.SoftmaxState;
import org.longattn.kernels.state.TreeFold;

/**
 * Runs {@link SpanAttention} over a whole in-memory document the way the job does (spans of {@code
 * spanBlocks} blocks, global partials folded over spans), for tests.
 */
public final class DocumentRunner {
  /** out: n × H·dv; stats: n × H (null without stats). */
  public record Output(
      float[] out, float[] entropy, float[] meanDistance, float[] maxWeight, float[] globalMass) {}

  private DocumentRunner() {}

  public static Output run(
      AttentionPattern p,
      AttentionBackend backend,
      HeadShape shape,
      float[] q,
      float[] k,
      float[] v,
      int n,
      long docHash,
      int[] columnGlobals,
      int spanBlocks,
      boolean stats) {
    return run(
        p, backend, shape, q, k, v, n, docHash, columnGlobals, new int[0], spanBlocks, stats);
  }

  /** {@link #run} with padding positions (sorted): their rows come out zero. */
  public static Output run(
      AttentionPattern p,
      AttentionBackend backend,
      HeadShape shape,
      float[] q,
      float[] k,
      float[] v,
      int n,
      long docHash,
      int[] columnGlobals,
      int[] padding,
      int spanBlocks,
      boolean stats) {
    return run(
        p,
        backend,
        shape,
        q,
        k,
        v,
        n,
        docHash,
        columnGlobals,
        padding,
        spanBlocks,
        stats,
        ScoreFunction.scaledDot());
  }

  /** {@link #run} with padding and a score function. */
  public static Output run(
      AttentionPattern p,
      AttentionBackend backend,
      HeadShape shape,
      float[] q,
      float[] k,
      float[] v,
      int n,
      long docHash,
      int[] columnGlobals,
      int[] padding,
      int spanBlocks,
      boolean stats,
      ScoreFunction score) {
    int b = p.blockSize();
    int nb = p.numBlocks(n);
    int[] gpos =
        java.util.Arrays.stream(p.globalPositions(n, columnGlobals))
            .filter(g -> java.util.Arrays.binarySearch(padding, g) < 0)
            .toArray();
    Globals globals =
        new Globals(
                gpos,
                gather(q, gpos, shape.qkWidth()),
                gather(k, gpos, shape.qkWidth()),
                gather(v, gpos, shape.vWidth()))
            .withPadding(padding);
    SpanAttention span = new SpanAttention(p, shape, stats, backend, score);
    int heads = shape.heads();
    float[] out = new float[n * shape.vWidth()];
    float[] ent = stats ? new float[n * heads] : null;
    float[] dist = stats ? new float[n * heads] : null;
    float[] maxw = stats ? new float[n * heads] : null;
    float[] gm = stats ? new float[n * heads] : null;
    List<SoftmaxState[]> partials = new ArrayList<>();
    for (int s = 0; s * spanBlocks < nb; s++) {
      SpanResult r =
          span.compute(
              n,
              docHash,
              s * spanBlocks,
              Math.min(nb, (s + 1) * spanBlocks),
              blk -> block(blk, b, n, shape, q, k, v),
              globals);
      System.arraycopy(r.out(), 0, out, r.firstPos() * shape.vWidth(), r.out().length);
      if (stats) {
        System.arraycopy(r.entropy(), 0, ent, r.firstPos() * heads, r.entropy().length);
        System.arraycopy(r.meanDistance(), 0, dist, r.firstPos() * heads, r.rows() * heads);
        System.arraycopy(r.maxWeight(), 0, maxw, r.firstPos() * heads, r.rows() * heads);
        System.arraycopy(r.globalMass(), 0, gm, r.firstPos() * heads, r.rows() * heads);
      }
      partials.add(r.globalPartials());
    }
    if (gpos.length > 0) {
      SoftmaxState[] perHead = new SoftmaxState[heads];
      for (int h = 0; h < heads; h++) {
        List<SoftmaxState> ofHead = new ArrayList<>();
        for (SoftmaxState[] ps : partials) {
          ofHead.add(ps[h]);
        }
        perHead[h] = TreeFold.fold(ofHead, SoftmaxState::merge);
      }
      int g = gpos.length;
      float[] gout = new float[g * shape.vWidth()];
      float[][] gst = new float[4][stats ? g * heads : 0];
      SpanAttention.finishGlobalRows(
          shape,
          perHead,
          r -> gpos[r],
          gout,
          stats ? gst[0] : null,
          stats ? gst[1] : null,
          stats ? gst[2] : null,
          stats ? gst[3] : null);
      for (int r = 0; r < g; r++) {
        System.arraycopy(gout, r * shape.vWidth(), out, gpos[r] * shape.vWidth(), shape.vWidth());
        if (stats) {
          for (int h = 0; h < heads; h++) {
            ent[gpos[r] * heads + h] = gst[0][r * heads + h];
            dist[gpos[r] * heads + h] = gst[1][r * heads + h];
            maxw[gpos[r] * heads + h] = gst[2][r * heads + h];
            gm[gpos[r] * heads + h] = gst[3][r * heads + h];
          }
        }
      }
    }
    return new Output(out, ent, dist, maxw, gm);
  }

  static TokenBlock block(int blk, int b, int n, HeadShape shape, float[] q, float[] k, float[] v) {
    int first = blk * b;
    int len = Math.min(n, first + b) - first;
    if (blk < 0 || len <= 0) {
      return null;
    }
    return new TokenBlock(
        blk,
        first,
        len,
        slice(q, first, len, shape.qkWidth()),
        slice(k, first, len, shape.qkWidth()),
        slice(v, first, len, shape.vWidth()));
  }

  private static float[] slice(float[] a, int first, int len, int width) {
    float[] r = new float[len * width];
    System.arraycopy(a, first * width, r, 0, len * width);
    return r;
  }

  private static float[] gather(float[] a, int[] pos, int width) {
    float[] r = new float[pos.length * width];
    for (int i = 0; i < pos.length; i++) {
      System.arraycopy(a, pos[i] * width, r, i * width, width);
    }
    return r;
  }
}
