package org.longattn.kernels.pattern;

/**
 * Which keys a query reads, described once and used by the job (to route key blocks), the kernels
 * (to mask) and the {@code pattern} command (to print it).
 *
 * <p>Every pattern has the same shape: a document of n tokens is cut into blocks of {@link
 * #blockSize()} tokens (the last may be short), and query i may read key j iff
 *
 * <pre>
 *   causalOk(i, j) and (global(i) or global(j) or local(i, j))
 * </pre>
 *
 * where global tokens ({@link #globalPositions}) attend to every token and every token attends to
 * them, and the local part is restricted to {@link #localKeyBlocks} intersected with the {@link
 * #band()}. Non-global rows are computed from their local key blocks (global keys masked out there)
 * plus the document's global keys; global rows are computed over all key blocks.
 *
 * <p>causalOk(i, j) is the direction mask: j ≤ i with {@link #causal()}, j ≥ i with {@link
 * #anticausal()} (never both), every pair otherwise.
 *
 * <p>Patterns whose local part is not one band (the Sparse Transformer's {@code strided} and {@code
 * fixed}) add {@link #columnGroups()}: then local(i, j) = (band part) or (column part), the two
 * disjoint, and {@link #localKeyBlocks} lists the blocks of both (the union routes them).
 */
public interface AttentionPattern {

  /** The name used on the command line and in JSON ({@code dense}, {@code bigbird}, …). */
  String name();

  /** Tokens per block (the last block of a document may be shorter). */
  int blockSize();

  /** Whether query i only reads keys j ≤ i. */
  boolean causal();

  /** Whether query i only reads keys j ≥ i (never together with {@link #causal()}). */
  default boolean anticausal() {
    return false;
  }

  /** The direction mask causalOk(i, j): j ≤ i when causal, j ≥ i when anticausal. */
  default boolean directionAllows(int i, int j) {
    return (!causal() || j <= i) && (!anticausal() || j >= i);
  }

  /**
   * The column part of the local key set, or null when the local part is the band alone. See {@link
   * ColumnGroups}.
   */
  default ColumnGroups columnGroups() {
    return null;
  }

  /**
   * The token-level band of the local part: local(i, j) also requires {@code band().allows(i, j)}.
   * The direction (causal, anticausal) is already folded in. {@link Band#NONE} when the pattern has
   * only a column part.
   */
  Band band();

  /**
   * Global positions of a document: the pattern's own (e.g. BigBird's first and last blocks) united
   * with {@code columnGlobals} (the token table's {@code global} column), sorted, distinct.
   */
  int[] globalPositions(int n, int[] columnGlobals);

  /**
   * Key blocks the local part of query block {@code queryBlock} reads, ascending and distinct, for
   * head {@code head} of a document of n tokens whose id hashes to {@code docHash}.
   */
  int[] localKeyBlocks(int n, long docHash, int head, int queryBlock);

  /** Number of blocks of a document of n tokens. */
  default int numBlocks(int n) {
    return (int) (((long) n + blockSize() - 1) / blockSize()); // n + blockSize may exceed 2^31-1
  }

  /**
   * Reference semantics of the local part, token by token: key block listed by {@link
   * #localKeyBlocks} and inside the band. Slow; for oracles and the {@code pattern} command.
   */
  default boolean localAllows(int n, long docHash, int head, int i, int j) {
    ColumnGroups columns = columnGroups();
    if (columns != null && columns.allows(i, j)) {
      return true;
    }
    if (!band().allows(i, j)) {
      return false;
    }
    int[] blocks = localKeyBlocks(n, docHash, head, i / blockSize());
    return java.util.Arrays.binarySearch(blocks, j / blockSize()) >= 0;
  }
}
