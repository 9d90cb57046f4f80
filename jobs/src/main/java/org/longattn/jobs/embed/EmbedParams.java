package org.longattn.jobs.embed;

/**
 * Parameters of one {@code embed} run (driver side only).
 *
 * @param vectorSize Word2Vec vector length d when training; null = from the loaded model (or the
 *     default 64 when training)
 * @param word2vec a saved Word2Vec model to load instead of training, or null
 * @param saveWord2vec where to save the trained model, or null
 * @param weights directory holding {@code wq.npy}, {@code wk.npy}, {@code wv.npy}, or null for
 *     matrices drawn from {@code seed}
 * @param tokenPattern RegexTokenizer's gap pattern (lower-cased text is split on it)
 */
public record EmbedParams(
    String input,
    String output,
    boolean overwrite,
    int heads,
    int headDim,
    int valueDim,
    Integer vectorSize,
    int minCount,
    int iterations,
    int window,
    long seed,
    String word2vec,
    String saveWord2vec,
    String weights,
    String tokenPattern,
    boolean binaryOutput) {

  /** Vector length when training and none was given. */
  public static final int DEFAULT_VECTOR_SIZE = 64;

  /** The default tokenizer gap pattern: words are runs of letters and digits. */
  public static final String DEFAULT_TOKEN_PATTERN = "[^\\p{L}\\p{N}]+";
}
