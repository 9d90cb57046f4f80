package org.longattn.jobs.attend;

import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.pattern.ColumnGroups;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Shape;
import org.longattn.kernels.span.HeadShape;

/**
 * The FLOP count of a run, one formula for the plan ({@code attend --dry-run}), the run record
 * ({@code _longattn.json} {@code compute.flops}) and {@code bench}.
 */
public final class FlopCount {
  private FlopCount() {}

  /**
   * FLOPs of a state-based family over a document of n tokens: per token and head as the family
   * states it ({@link org.longattn.kernels.pattern.Family#stateFlopsPerToken}).
   */
  public static double linear(PatternSpec spec, HeadShape shape, int n) {
    return spec.family().stateFlopsPerToken(spec, shape.d(), shape.dv()) * n * shape.heads();
  }

  /** FLOPs of a state-based (linear) family's run: {@code bench}'s per-token state arithmetic. */
  public static double linear(AttendParams p, HeadShape shape, Iterable<DocPlan> docs) {
    double total = 0;
    for (DocPlan d : docs) {
      total += linear(p.pattern(), shape, d.n());
    }
    return total;
  }

  /**
   * FLOPs of a softmax run: 2·(d + dv) per (query, key) pair a kernel is handed, counting whole
   * (query block × key block) tiles the pattern routes, plus global rows and keys; exact dense
   * tiles ({@code denseTiles}): n² (n(n+1)/2 causal); linear families: {@link #linear}.
   */
  public static double of(
      AttendParams p,
      AttentionPattern pattern,
      HeadShape shape,
      Iterable<DocPlan> docs,
      boolean denseTiles) {
    double total = 0;
    for (DocPlan d : docs) {
      total += of(p, pattern, shape, d, denseTiles);
    }
    return total;
  }

  private static double of(
      AttendParams p, AttentionPattern pattern, HeadShape shape, DocPlan doc, boolean denseTiles) {
    int n = doc.n();
    if (p.pattern().family().shape() == Shape.SCAN) {
      return linear(p.pattern(), shape, n);
    }
    double perPair = 2.0 * (shape.d() + shape.dv());
    if (denseTiles) {
      double pairs = p.pattern().causal() ? (double) n * (n + 1) / 2 : (double) n * n;
      return pairs * perPair * shape.heads();
    }
    int b = pattern.blockSize();
    int nb = pattern.numBlocks(n);
    int g = doc.globalPositions(pattern).length;
    Band band = pattern.band();
    ColumnGroups columns = pattern.columnGroups();
    double pairs = 0;
    for (int h = 0; h < shape.heads(); h++) {
      for (int qb = 0; qb < nb; qb++) {
        int qLo = qb * b;
        int qHi = Math.min(n, qLo + b) - 1;
        int qLen = qHi - qLo + 1;
        for (int kb : pattern.localKeyBlocks(n, doc.docHash(), h, qb)) {
          int kLo = kb * b;
          int kHi = Math.min(n, kLo + b) - 1;
          if (!band.allowsNone(qLo, qHi, kLo, kHi)) {
            pairs += (double) qLen * (kHi - kLo + 1);
          }
        }
        pairs += (double) qLen * g;
      }
      pairs += (double) g * n;
      if (columns != null) {
        for (int i = 0; i < n; i++) {
          pairs += columns.countKeys(i, n);
        }
      }
    }
    return pairs * perPair;
  }
}
