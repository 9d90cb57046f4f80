package org.longattn.kernels.vectorization;

/**
 * The running online-softmax state of a chunk of queries, one slot per query (structure of arrays,
 * so that a vector of queries is a vector of each): m (running max), l (Σ p), t (Σ p·(s − m)), dsum
 * (Σ p·distance), gsum (Σ p over global keys), α (the last rescale factor), the scratch mOld, and
 * qrel (query positions relative to the chunk's first). Updated by {@link FloatOps#softmaxUpdate}
 * and {@link FloatOps#softmaxUpdateWithStats}.
 */
public final class SoftmaxColumns {
  public final float[] m;
  public final float[] mOld;
  public final float[] l;
  public final float[] t;
  public final float[] dsum;
  public final float[] gsum;
  public final float[] alpha;
  public final float[] qrel;

  public SoftmaxColumns(int slots) {
    m = new float[slots];
    mOld = new float[slots];
    l = new float[slots];
    t = new float[slots];
    dsum = new float[slots];
    gsum = new float[slots];
    alpha = new float[slots];
    qrel = new float[slots];
  }
}
