package org.longattn.kernels.pattern;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * BigBird ITC (Zaheer et al. 2020) at block granularity: the first and last blocks are global, a
 * query block reads its 3 window blocks (itself and its neighbours) and {@code r} random key blocks
 * drawn from a seeded RNG keyed by (seed, document, head, query block), never a window or global
 * block. With {@code causal}, random blocks are drawn among earlier blocks only (later ones would
 * be masked out entirely) — a choice of ours; the original model is bidirectional.
 */
public final class BigBirdPattern extends BlockPattern {
  /** The family name ({@code --pattern bigbird}). */
  public static final String NAME = "bigbird";

  private final int randomBlocks;
  private final long seed;

  public BigBirdPattern(int blockSize, int randomBlocks, long seed, boolean causal) {
    this(blockSize, randomBlocks, seed, causal, false);
  }

  /**
   * With {@code anticausal}, random blocks are drawn among later blocks only (mirror of causal).
   */
  public BigBirdPattern(
      int blockSize, int randomBlocks, long seed, boolean causal, boolean anticausal) {
    super(NAME, blockSize, causal, anticausal, Band.ALL);
    this.randomBlocks = randomBlocks;
    this.seed = seed;
  }

  /** Random key blocks per query block. */
  public int randomBlocks() {
    return randomBlocks;
  }

  @Override
  public int[] globalPositions(int n, int[] columnGlobals) {
    int nb = numBlocks(n);
    int firstEnd = Math.min(n, blockSize());
    int lastStart = Math.max(firstEnd, (nb - 1) * blockSize());
    int[] structural = new int[firstEnd + (n - lastStart)];
    int k = 0;
    for (int p = 0; p < firstEnd; p++) {
      structural[k++] = p;
    }
    for (int p = lastStart; p < n; p++) {
      structural[k++] = p;
    }
    return Positions.union(structural, columnGlobals);
  }

  @Override
  public int[] localKeyBlocks(int n, long docHash, int head, int queryBlock) {
    int nb = numBlocks(n);
    int lo = Math.max(1, anticausal() ? queryBlock : queryBlock - 1); // 0, nb−1: global keys
    int hi = Math.min(nb - 2, causal() ? queryBlock : queryBlock + 1);
    int[] window = hi >= lo ? Positions.range(lo, hi + 1) : new int[0];
    int[] random = randomKeyBlocks(nb, docHash, head, queryBlock);
    return Positions.union(window, random);
  }

  /**
   * The r random key blocks of a query block, ascending: drawn uniformly without replacement from
   * the blocks 1..nb−2 that are not in the query block's window (and, when causal, precede it).
   * Fewer when fewer candidates exist.
   */
  public int[] randomKeyBlocks(int nb, long docHash, int head, int queryBlock) {
    if (randomBlocks == 0 || queryBlock == 0 || queryBlock >= nb - 1) {
      return new int[0];
    }
    int candLo = anticausal() ? queryBlock + 2 : 1;
    int candHi = causal() ? queryBlock - 2 : nb - 2; // inclusive
    int inWindow = 0;
    for (int b = queryBlock - 1; b <= queryBlock + 1; b++) {
      if (b >= candLo && b <= candHi) {
        inWindow++;
      }
    }
    int candidates = Math.max(0, candHi - candLo + 1 - inWindow);
    SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, docHash, head, queryBlock));
    if (candidates <= randomBlocks) {
      int[] all = new int[candidates];
      int k = 0;
      for (int b = candLo; b <= candHi; b++) {
        if (Math.abs(b - queryBlock) > 1) {
          all[k++] = b;
        }
      }
      return all;
    }
    int[] picked = new int[randomBlocks];
    int k = 0;
    while (k < randomBlocks) {
      int b = candLo + rng.nextInt(candHi - candLo + 1);
      if (Math.abs(b - queryBlock) <= 1 || contains(picked, k, b)) {
        continue; // rejection keeps the draw uniform; candidates > r so this terminates
      }
      picked[k++] = b;
    }
    Arrays.sort(picked);
    return picked;
  }

  private static boolean contains(int[] a, int len, int x) {
    for (int i = 0; i < len; i++) {
      if (a[i] == x) {
        return true;
      }
    }
    return false;
  }
}
