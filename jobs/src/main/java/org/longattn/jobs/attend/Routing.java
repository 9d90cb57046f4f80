package org.longattn.jobs.attend;

import java.io.Serializable;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * The routing policy of the shuffle that brings token blocks to their spans ({@link RouteRows}):
 * either by the attention pattern — each block to its own span, to every other span that reads it
 * as keys, global rows to every span — or block-local: each block to its own span only, no global
 * rows (the scan, tile and spectral executions, which move the rest themselves).
 *
 * @param pattern the pattern whose key blocks decide the routing, or null for block-local
 * @param blockSize tokens per block
 * @param spanBlocks blocks per span
 */
public record Routing(PatternSpec pattern, int blockSize, int spanBlocks) implements Serializable {

  /** Routing by the pattern of {@code p}. */
  public static Routing byPattern(AttendParams p) {
    return new Routing(p.pattern(), p.pattern().blockSize(), p.spanBlocks());
  }

  /** Each block to its own span only, in the blocks and spans of {@code p}. */
  public static Routing blockLocal(AttendParams p) {
    return new Routing(null, p.pattern().blockSize(), p.spanBlocks());
  }

  public boolean isBlockLocal() {
    return pattern == null;
  }

  /** Blocks of a document of n tokens. */
  public int numBlocks(int n) {
    return (n + blockSize - 1) / blockSize;
  }

  /** Spans of a document of n tokens. */
  public int spans(int n) {
    return (numBlocks(n) + spanBlocks - 1) / spanBlocks;
  }

  /** Tokens per span. */
  public int spanTokens() {
    return spanBlocks * blockSize;
  }
}
