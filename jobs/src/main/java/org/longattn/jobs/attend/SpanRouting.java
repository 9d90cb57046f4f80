package org.longattn.jobs.attend;

import java.util.Arrays;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Positions;

/**
 * Where each key block of one document must go: besides its own span, every span that has a query
 * block reading it as a local key block (for any head). Global keys travel separately.
 *
 * <p>Built by enumerating the pattern's local key blocks of every query block — O(blocks × heads ×
 * keys per block) — once per document per task.
 */
public final class SpanRouting {
  private final int spanBlocks;
  private final int[][] foreignSpans;

  private SpanRouting(int spanBlocks, int[][] foreignSpans) {
    this.spanBlocks = spanBlocks;
    this.foreignSpans = foreignSpans;
  }

  /** Routing of a document of n tokens cut into spans of {@code spanBlocks} blocks. */
  public static SpanRouting of(
      AttentionPattern pattern, int n, long docHash, int heads, int spanBlocks) {
    int nb = pattern.numBlocks(n);
    int[][] targets = new int[nb][];
    int[] counts = new int[nb];
    for (int qb = 0; qb < nb; qb++) {
      int span = qb / spanBlocks;
      for (int h = 0; h < heads; h++) {
        for (int kb : pattern.localKeyBlocks(n, docHash, h, qb)) {
          if (kb / spanBlocks == span) {
            continue;
          }
          int[] t = targets[kb];
          if (t == null) {
            t = targets[kb] = new int[4];
          }
          if (counts[kb] > 0 && t[counts[kb] - 1] == span) {
            continue; // query blocks ascend, so a repeat is always the last entry
          }
          if (counts[kb] == t.length) {
            t = targets[kb] = Arrays.copyOf(t, t.length * 2);
          }
          t[counts[kb]++] = span;
        }
      }
    }
    for (int kb = 0; kb < nb; kb++) {
      targets[kb] =
          targets[kb] == null
              ? new int[0]
              : Positions.union(Arrays.copyOf(targets[kb], counts[kb]));
    }
    return new SpanRouting(spanBlocks, targets);
  }

  /** Block-local routing of a document of {@code numBlocks} blocks: no block leaves its span. */
  public static SpanRouting blockLocal(int numBlocks, int spanBlocks) {
    int[][] none = new int[numBlocks][];
    java.util.Arrays.fill(none, new int[0]);
    return new SpanRouting(spanBlocks, none);
  }

  /** The span that owns a block. */
  public int ownSpan(int block) {
    return block / spanBlocks;
  }

  /** The other spans that read a block as a key block, ascending. */
  public int[] foreignSpans(int block) {
    return foreignSpans[block];
  }

  /** Number of spans of the document. */
  public int spans() {
    return (foreignSpans.length + spanBlocks - 1) / spanBlocks;
  }
}
