package org.longattn.kernels.span;

/**
 * Token rows of one block: positions firstPos .. firstPos+n−1, each row H·d values of q and k and
 * H·dv of v, head-major (head 0 first). {@code q} is null for blocks shipped only as keys.
 */
public record TokenBlock(int block, int firstPos, int n, float[] q, float[] k, float[] v) {}
