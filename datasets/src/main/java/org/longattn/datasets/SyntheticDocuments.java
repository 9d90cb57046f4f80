package org.longattn.datasets;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.longattn.kernels.pattern.Seeds;

/**
 * The {@code generate} command's engine: synthetic token tables with planted long-range matches.
 *
 * <p><b>Values.</b> Every entry of q, k and v is a standard normal draw (see {@link
 * StandardNormal}). With the usual score scale 1/√head_dim the scores of unrelated pairs are then ≈
 * N(0, 1): attention is neither uniform nor one-hot.
 *
 * <p><b>Needles.</b> Each document gets {@code needles} pairs (a, b) of distinct positions with |a
 * − b| &gt; n/4 where possible (else as far apart as the free positions allow). Key b is, per head
 * h, the query a's head vector rescaled: k_b,h = q_a,h · {@link #NEEDLE_SCORE}·√d / |q_a,h|², so
 * the scaled score q_a,h·k_b,h/√d is exactly {@code NEEDLE_SCORE} in every head, far above the ≈
 * N(0, 1) of other keys: exact attention from a puts most of its weight on b (for documents up to
 * millions of tokens), while a sparse pattern that does not route b to a misses it. The {@code
 * needle} column holds b on row a and is null elsewhere (readers ignore it).
 *
 * <p><b>Globals.</b> Position 0 of each document is global, any other token with probability {@code
 * globalFraction}.
 *
 * <p><b>Distribution and determinism.</b> Document lengths and needles derive from (seed, doc),
 * every token's values from its own counter-based stream keyed by (seed, doc, pos). Tasks generate
 * runs of up to {@link #TOKENS_PER_TASK} consecutive tokens (a run may span several short
 * documents), so no task and not the driver ever holds a whole document, and the rows and their
 * order are identical for any run size.
 */
public final class SyntheticDocuments {
  /** Tokens generated per Spark task. */
  public static final int TOKENS_PER_TASK = 65_536;

  /** The scaled score q_a·k_b/√head_dim of a planted needle, in every head. */
  public static final double NEEDLE_SCORE = 16.0;

  /** Extra int column: on a needle's query row, the position of its planted key. */
  public static final String NEEDLE = "needle";

  // Stream tags: keep the seeds of lengths, needles and tokens apart (all above any doc index).
  private static final long LENGTH_STREAM = 0x4c454e4754480001L;
  private static final long NEEDLE_STREAM = 0x4e454544c4500002L;
  private static final long TOKEN_STREAM = 0x544f4b454e000003L;

  private SyntheticDocuments() {}

  /** The generated table: doc_id, pos, q, k, v (array&lt;float&gt; or binary), global, needle. */
  public static StructType schema(boolean binary) {
    return TokenTable.vectorSchema(binary)
        .add(TokenTable.GLOBAL, DataTypes.BooleanType, false)
        .add(NEEDLE, DataTypes.IntegerType, true);
  }

  /** The id of document i: {@code doc-00000}, … (more digits past 99,999). */
  public static String docId(int i) {
    return String.format("doc-%05d", i);
  }

  /** Every document's length, uniform in [minTokens, maxTokens] from (seed, doc). */
  public static int[] lengths(GeneratorSpec g) {
    int[] n = new int[g.docs()];
    for (int d = 0; d < n.length; d++) {
      n[d] = length(g, d);
    }
    return n;
  }

  /** The length of document d. */
  public static int length(GeneratorSpec g, int d) {
    long span = (long) g.maxTokens() - g.minTokens() + 1;
    return (int) (g.minTokens() + Math.floorMod(Seeds.mix(g.seed(), LENGTH_STREAM, d), span));
  }

  /** Total number of tokens (rows) the spec generates. */
  public static long totalTokens(GeneratorSpec g) {
    long total = 0;
    for (int n : lengths(g)) {
      total += n;
    }
    return total;
  }

  /**
   * The needle pairs of document {@code doc} of length {@code n}: {@code min(needles, n/2)} entries
   * {a, b} (query position, planted key position), all positions distinct.
   */
  public static int[][] needles(GeneratorSpec g, int doc, int n) {
    int m = Math.min(g.needles(), n / 2);
    int[][] pairs = new int[m][];
    Set<Integer> used = new HashSet<>();
    Bits rnd = new Bits(Seeds.mix(g.seed(), NEEDLE_STREAM, doc));
    for (int i = 0; i < m; i++) {
      int a = nextFree(rnd.below(n), used, n);
      used.add(a);
      int b = -1;
      for (int attempt = 0; attempt < 32 && b < 0; attempt++) {
        int c = rnd.below(n);
        if (Math.abs(c - a) > n / 4 && !used.contains(c)) {
          b = c;
        }
      }
      if (b < 0) { // the far side from a, as far as the free positions allow
        b = a < n / 2 ? n - 1 : 0;
        int step = a < n / 2 ? -1 : 1;
        while (used.contains(b)) {
          b += step;
        }
      }
      used.add(b);
      pairs[i] = new int[] {a, b};
    }
    return pairs;
  }

  /** All needles of the spec as {doc, a, b}, computed on the driver (small: docs × needles). */
  public static List<int[]> allNeedles(GeneratorSpec g) {
    int[] n = lengths(g);
    List<int[]> all = new ArrayList<>();
    for (int d = 0; d < n.length; d++) {
      for (int[] p : needles(g, d, n[d])) {
        all.add(new int[] {d, p[0], p[1]});
      }
    }
    return all;
  }

  /** The synthetic token table, {@link #TOKENS_PER_TASK} tokens per task. */
  public static Dataset<Row> generate(SparkSession spark, GeneratorSpec g) {
    return generate(spark, g, TOKENS_PER_TASK);
  }

  /**
   * The synthetic token table, generated by tasks of at most {@code tokensPerTask} consecutive
   * tokens (one partition each). Rows come in (doc, pos) order; they do not depend on {@code
   * tokensPerTask}.
   */
  public static Dataset<Row> generate(SparkSession spark, GeneratorSpec g, int tokensPerTask) {
    if (tokensPerTask < 1) {
      throw new IllegalArgumentException("tokensPerTask must be >= 1, got " + tokensPerTask);
    }
    List<int[]> runs = runs(lengths(g), tokensPerTask);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Row> rows = jsc.parallelize(runs, runs.size()).mapPartitions(it -> new RunRows(g, it));
    return spark.createDataFrame(rows, schema(g.binary()));
  }

  /**
   * Cuts the concatenated documents into runs of at most {@code size} tokens. A run is a flat int[]
   * of (doc, from, to) triples: plain arrays, which every Spark serializer handles.
   */
  static List<int[]> runs(int[] lengths, int size) {
    List<int[]> runs = new ArrayList<>();
    List<Integer> cur = new ArrayList<>();
    int room = size;
    for (int d = 0; d < lengths.length; d++) {
      int from = 0;
      while (from < lengths[d]) {
        int to = (int) Math.min(lengths[d], (long) from + room);
        cur.add(d);
        cur.add(from);
        cur.add(to);
        room -= to - from;
        from = to;
        if (room == 0) {
          runs.add(cur.stream().mapToInt(Integer::intValue).toArray());
          cur.clear();
          room = size;
        }
      }
    }
    if (!cur.isEmpty()) {
      runs.add(cur.stream().mapToInt(Integer::intValue).toArray());
    }
    return runs;
  }

  /** The values of one token, before needles are planted. */
  static final class Token {
    final float[] q;
    final float[] k;
    final float[] v;
    final boolean global;

    Token(GeneratorSpec g, int doc, int pos) {
      Bits rnd = new Bits(Seeds.mix(g.seed(), TOKEN_STREAM, doc, pos));
      // Drawn first, so the global flags don't depend on the vector sizes.
      boolean drawnGlobal = rnd.unit() < g.globalFraction();
      global = pos == 0 || drawnGlobal;
      int qk = g.heads() * g.headDim();
      q = rnd.normals(qk);
      k = rnd.normals(qk);
      v = rnd.normals(g.heads() * g.valueDim());
    }
  }

  /** The planted key for query position a: per head, q_a,h scaled to score NEEDLE_SCORE. */
  static float[] needleKey(GeneratorSpec g, int doc, int a) {
    float[] q = new Token(g, doc, a).q;
    int d = g.headDim();
    float[] k = new float[q.length];
    for (int h = 0; h < g.heads(); h++) {
      double norm2 = 0;
      for (int i = h * d; i < (h + 1) * d; i++) {
        norm2 += (double) q[i] * q[i];
      }
      double s = NEEDLE_SCORE * Math.sqrt(d) / Math.max(norm2, 1e-12);
      for (int i = h * d; i < (h + 1) * d; i++) {
        k[i] = (float) (q[i] * s);
      }
    }
    return k;
  }

  private static int nextFree(int p, Set<Integer> used, int n) {
    while (used.contains(p)) {
      p = (p + 1) % n;
    }
    return p;
  }

  /** One task: the rows of its run, produced lazily. */
  private static final class RunRows implements Iterator<Row> {
    private final GeneratorSpec g;
    private final int[] run;
    private int seg;
    private int pos;
    private int doc = -1;
    private String docId;
    private Map<Integer, Integer> queryToKey;
    private Map<Integer, Integer> keyToQuery;

    RunRows(GeneratorSpec g, Iterator<int[]> runs) {
      this.g = g;
      List<Integer> flat = new ArrayList<>();
      while (runs.hasNext()) {
        for (int x : runs.next()) {
          flat.add(x);
        }
      }
      this.run = flat.stream().mapToInt(Integer::intValue).toArray();
      if (run.length > 0) {
        pos = run[1];
      }
    }

    @Override
    public boolean hasNext() {
      return seg < run.length;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      int d = run[seg];
      if (d != doc) {
        enterDocument(d);
      }
      int p = pos;
      if (++pos >= run[seg + 2]) {
        seg += 3;
        if (seg < run.length) {
          pos = run[seg + 1];
        }
      }
      return row(p);
    }

    private void enterDocument(int d) {
      doc = d;
      docId = docId(d);
      int n = length(g, d);
      queryToKey = new HashMap<>();
      keyToQuery = new HashMap<>();
      for (int[] pair : needles(g, d, n)) {
        queryToKey.put(pair[0], pair[1]);
        keyToQuery.put(pair[1], pair[0]);
      }
    }

    private Row row(int p) {
      Token t = new Token(g, doc, p);
      Integer a = keyToQuery.get(p);
      float[] k = a == null ? t.k : needleKey(g, doc, a);
      return RowFactory.create(
          docId, p, encode(t.q), encode(k), encode(t.v), t.global, queryToKey.get(p));
    }

    private Object encode(float[] x) {
      return g.binary() ? FloatBytes.encode(x) : x;
    }
  }

  /** SplitMix64 stream from a seed: a counter-based generator, cheap to start per token. */
  static final class Bits {
    private long state;

    Bits(long seed) {
      state = seed;
    }

    long next() {
      long z = (state += 0x9E3779B97F4A7C15L);
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1). */
    double unit() {
      return (next() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, n), n ≥ 1 (the bias of a 64-bit modulo is negligible here). */
    int below(int n) {
      return (int) Math.floorMod(next(), (long) n);
    }

    /** n standard normal floats, two per 64 random bits. */
    float[] normals(int n) {
      float[] x = new float[n];
      for (int i = 0; i < n; i += 2) {
        long r = next();
        x[i] = (float) StandardNormal.fromBits((int) r);
        if (i + 1 < n) {
          x[i + 1] = (float) StandardNormal.fromBits((int) (r >>> 32));
        }
      }
      return x;
    }
  }
}
