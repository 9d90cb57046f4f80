package org.longattn.jobs.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.TokenRecord;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.datasets.TokenTable;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;

/**
 * Pooled heatmaps of sampled windows: W consecutive queries [a, a + W) of a document against their
 * key range [kLo, kHi] (the smallest range holding every key any of them reads, global keys
 * included), cut into R = min(cells, W) query rows and C = min(cells, kHi − kLo + 1) key columns.
 *
 * <p>Pooling is by <b>attention mass</b>: cell (r, c) = mean over the queries i of row r of Σ_{j in
 * column c} p(i, j), with p the pattern's exact softmax weights. So a row of cells sums to 1 (for
 * queries that read any key) and a wide column with one strong key still shows. Computed exactly in
 * one pass over the key rows of the range: per (query, head, column) an online log-sum-exp state
 * (m, l), and one per (query, head) over every key it reads; then p-mass(i, c) = exp(lse(i, c) −
 * lse(i)). Memory W × heads × (C + 1) states, never W × n.
 *
 * <p>A window may instead draw only its own positions as keys (the diagonal block [a, a + W), one
 * key per column when W ≤ cells): the weights stay normalised over every key the query reads, so a
 * row then sums to the share of its queries' mass that stays inside the window.
 */
final class Heatmaps {
  private Heatmaps() {}

  /**
   * One window: its queries (as samples), the range of the keys they read [kLo, kHi] and the range
   * the columns draw [cLo, cHi].
   */
  static final class Window implements Serializable {
    private static final long serialVersionUID = 1L;
    final SampledQueries queries;
    final int kLo;
    final int kHi;
    final int cLo;
    final int cHi;
    final int cols;

    Window(SampledQueries queries, int kLo, int kHi, int cLo, int cHi, int cells) {
      this.queries = queries;
      this.kLo = kLo;
      this.kHi = kHi;
      this.cLo = cLo;
      this.cHi = cHi;
      this.cols = Math.min(cells, cHi - cLo + 1);
    }

    /** The column of key j, or −1 outside the drawn range. */
    int column(int j) {
      return j < cLo || j > cHi ? -1 : (int) ((long) (j - cLo) * cols / (cHi - cLo + 1));
    }

    /**
     * Index of the (m, l) pair of sample i, head h and column c; column {@link #cols} is the pair
     * over every key the sample reads.
     */
    int pair(int i, int h, int heads, int c) {
      return 2 * ((i * heads + h) * (cols + 1) + c);
    }
  }

  /** The window start for window w of a document of n tokens (seeded, in [0, n − W]). */
  static int windowStart(String docId, int n, int queries, int w) {
    int size = Math.min(queries, n);
    return new SplittableRandom(Seeds.mix(Seeds.docHash(docId), 0x4ea7, w)).nextInt(n - size + 1);
  }

  /** {@code windows} seeded windows, window w in document w mod docs, drawn over every key read. */
  static List<Map<String, Object>> compute(
      SparkSession spark,
      Dataset<Row> df,
      TokenRowDecoder decoder,
      List<SampledQueries.Doc> docs,
      PatternSpec spec,
      int heads,
      int d,
      int windows,
      int queries,
      int cells) {
    List<SampledQueries.Doc> of = new ArrayList<>();
    int[] starts = new int[windows];
    for (int w = 0; w < windows; w++) {
      SampledQueries.Doc doc = docs.get(w % docs.size());
      of.add(doc);
      starts[w] = windowStart(doc.id, doc.n, queries, w / docs.size());
    }
    return windows(spark, df, decoder, of, starts, spec, heads, d, queries, cells, false);
  }

  /**
   * Window w: {@code queries} consecutive queries from {@code starts[w]} of {@code docs.get(w)};
   * its columns draw every key it reads, or with {@code ownKeys} only its own positions.
   */
  static List<Map<String, Object>> windows(
      SparkSession spark,
      Dataset<Row> df,
      TokenRowDecoder decoder,
      List<SampledQueries.Doc> docs,
      int[] starts,
      PatternSpec spec,
      int heads,
      int d,
      int queries,
      int cells,
      boolean ownKeys) {
    AttentionPattern pattern = spec.build();
    int windows = starts.length;
    // Positions loaded per document, then split per window.
    Map<String, SampledQueries.Doc> byId = new HashMap<>();
    Map<String, TreeSet<Integer>> wanted = new TreeMap<>();
    for (int w = 0; w < windows; w++) {
      SampledQueries.Doc doc = docs.get(w);
      byId.put(doc.id, doc);
      TreeSet<Integer> set = wanted.computeIfAbsent(doc.id, x -> new TreeSet<>());
      for (int i = 0; i < Math.min(queries, doc.n); i++) {
        set.add(starts[w] + i);
      }
    }
    Map<String, int[]> positions = new HashMap<>();
    wanted.forEach((id, set) -> positions.put(id, set.stream().mapToInt(x -> x).toArray()));
    Map<String, SampledQueries> loaded = SampledQueries.load(df, decoder, byId, positions);

    List<Window> list = new ArrayList<>();
    for (int w = 0; w < windows; w++) {
      SampledQueries.Doc doc = docs.get(w);
      SampledQueries all = loaded.get(doc.id);
      int size = Math.min(queries, doc.n);
      int[] pos = new int[size];
      float[][] q = new float[size][];
      for (int i = 0; i < size; i++) {
        pos[i] = starts[w] + i;
        q[i] = all.q[java.util.Arrays.binarySearch(all.pos, pos[i])];
      }
      SampledQueries s = new SampledQueries(doc.id, doc.n, pos, q, doc.globals);
      int[] range = keyRange(pattern, s, heads);
      list.add(
          ownKeys
              ? new Window(s, range[0], range[1], pos[0], pos[size - 1], cells)
              : new Window(s, range[0], range[1], range[0], range[1], cells));
    }

    Column filter = lit(false);
    for (Window w : list) {
      filter =
          filter.or(
              col(TokenTable.DOC_ID)
                  .equalTo(w.queries.docId)
                  .and(col(TokenTable.POS).between(w.kLo, w.kHi)));
    }
    List<BitSet> blocks = new ArrayList<>();
    for (Window w : list) {
      blocks.add(w.queries.blocksRead(pattern, heads));
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<List<Window>> bWindows = jsc.broadcast(list);
    Broadcast<List<BitSet>> bBlocks = jsc.broadcast(blocks);
    int blockSize = pattern.blockSize();
    double[][] states =
        df.filter(filter)
            .javaRDD()
            .mapPartitions(
                rows -> {
                  AttentionPattern pat = spec.build();
                  List<Window> ws = bWindows.value();
                  double[][] acc = new double[ws.size()][];
                  int[][][] kbs = new int[ws.size()][][];
                  for (int w = 0; w < ws.size(); w++) {
                    Window win = ws.get(w);
                    acc[w] =
                        SampledQueries.emptyPairs(win.queries.pos.length * heads * (win.cols + 1));
                    kbs[w] = win.queries.keyBlocks(pat, heads);
                  }
                  while (rows.hasNext()) {
                    Row r = rows.next();
                    String doc = r.getString(0);
                    int j = r.getInt(1);
                    TokenRecord t = null;
                    for (int w = 0; w < ws.size(); w++) {
                      Window win = ws.get(w);
                      if (!win.queries.docId.equals(doc)
                          || j < win.kLo
                          || j > win.kHi
                          || !bBlocks.value().get(w).get(j / blockSize)) {
                        continue;
                      }
                      t = t != null ? t : decoder.decode(r);
                      accumulate(pat, win, kbs[w], t, heads, d, acc[w]);
                    }
                  }
                  return java.util.Collections.singletonList(acc).iterator();
                })
            .reduce(
                (a, b) -> {
                  for (int w = 0; w < a.length; w++) {
                    SampledQueries.mergePairs(a[w], b[w]);
                  }
                  return a;
                });
    bWindows.destroy();
    bBlocks.destroy();

    List<Map<String, Object>> out = new ArrayList<>();
    for (int w = 0; w < list.size(); w++) {
      Window win = list.get(w);
      for (int h = 0; h < heads; h++) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("doc_id", win.queries.docId);
        m.put("head", h);
        m.put("query_start", win.queries.pos[0]);
        m.put("query_end", win.queries.pos[win.queries.pos.length - 1]);
        m.put("key_start", win.cLo);
        m.put("key_end", win.cHi);
        m.put("pooling", "mass");
        if (ownKeys) {
          m.put(
              "keys",
              "the window's own positions; weights over every key read, so a row holds its"
                  + " queries' share of mass inside the window");
        }
        m.put("cells", pool(states[w], win, heads, h, cells));
        out.add(m);
      }
    }
    return out;
  }

  /**
   * Token labels for the axes that hold one token per cell, when the token table has a {@code
   * token} column: {@code query_tokens} when the window's queries fit the rows, {@code key_tokens}
   * when its key range fits the columns (short windows). One filtered read of those positions.
   */
  static void labelTokens(Dataset<Row> raw, List<Map<String, Object>> maps, int cells) {
    if (!java.util.Arrays.asList(raw.columns()).contains("token") || maps.isEmpty()) {
      return;
    }
    Column filter = lit(false);
    List<Map<String, Object>> short_ = new ArrayList<>();
    for (Map<String, Object> m : maps) {
      int q0 = (Integer) m.get("query_start");
      int q1 = (Integer) m.get("query_end");
      int k0 = (Integer) m.get("key_start");
      int k1 = (Integer) m.get("key_end");
      boolean rows = q1 - q0 + 1 <= cells;
      boolean cols = k1 - k0 + 1 <= cells;
      if (!rows && !cols) {
        continue;
      }
      short_.add(m);
      int lo = rows ? (cols ? Math.min(q0, k0) : q0) : k0;
      int hi = rows ? (cols ? Math.max(q1, k1) : q1) : k1;
      filter =
          filter.or(
              col(TokenTable.DOC_ID)
                  .equalTo(m.get("doc_id"))
                  .and(col(TokenTable.POS).between(lo, hi)));
    }
    if (short_.isEmpty()) {
      return;
    }
    Map<String, String> tok = new HashMap<>();
    for (Row r :
        raw.filter(filter)
            .select(
                col(TokenTable.DOC_ID),
                col(TokenTable.POS).cast("int"),
                col("token").cast("string"))
            .collectAsList()) {
      tok.put(r.getString(0) + "#" + r.getInt(1), r.isNullAt(2) ? "" : r.getString(2));
    }
    for (Map<String, Object> m : short_) {
      String doc = (String) m.get("doc_id");
      int q0 = (Integer) m.get("query_start");
      int q1 = (Integer) m.get("query_end");
      int k0 = (Integer) m.get("key_start");
      int k1 = (Integer) m.get("key_end");
      if (q1 - q0 + 1 <= cells) {
        List<String> l = new ArrayList<>();
        for (int i = q0; i <= q1; i++) {
          l.add(tok.getOrDefault(doc + "#" + i, ""));
        }
        m.put("query_tokens", l);
      }
      if (k1 - k0 + 1 <= cells) {
        List<String> l = new ArrayList<>();
        for (int j = k0; j <= k1; j++) {
          l.add(tok.getOrDefault(doc + "#" + j, ""));
        }
        m.put("key_tokens", l);
      }
    }
  }

  /** Smallest and largest key any query of the window reads, for any head. */
  static int[] keyRange(AttentionPattern p, SampledQueries s, int heads) {
    int[][] kb = s.keyBlocks(p, heads);
    int lo = Integer.MAX_VALUE;
    int hi = Integer.MIN_VALUE;
    for (int i = 0; i < s.pos.length; i++) {
      for (int h = 0; h < heads; h++) {
        int first = firstRead(p, s, kb, heads, i, h, true);
        if (first >= 0) {
          lo = Math.min(lo, first);
          hi = Math.max(hi, firstRead(p, s, kb, heads, i, h, false));
        }
      }
    }
    if (lo > hi) { // no query reads anything (cannot happen: a query reads at least itself)
      return new int[] {s.pos[0], s.pos[s.pos.length - 1]};
    }
    return new int[] {lo, hi};
  }

  /** The first (ascending) or last key query i reads for head h, or −1. */
  private static int firstRead(
      AttentionPattern p, SampledQueries s, int[][] kb, int heads, int i, int h, boolean asc) {
    int b = p.blockSize();
    int qi = s.pos[i];
    int[] blocks = s.isGlobal(qi) ? null : kb[i * heads + h];
    // candidates: the local blocks, or every block for a global query; and every global key
    int nb = blocks == null ? p.numBlocks(s.n) : blocks.length;
    int best = -1;
    for (int x = 0; x < nb && best < 0; x++) {
      int blk = blocks == null ? (asc ? x : nb - 1 - x) : blocks[asc ? x : nb - 1 - x];
      int from = blk * b;
      int to = Math.min(s.n, from + b) - 1;
      for (int y = 0; y <= to - from; y++) {
        int j = asc ? from + y : to - y;
        if (s.reads(p, kb, heads, i, h, j, s.isGlobal(j))) {
          best = j;
          break;
        }
      }
    }
    for (int g : s.globals) {
      if (s.reads(p, kb, heads, i, h, g, true)) {
        best = best < 0 ? g : asc ? Math.min(best, g) : Math.max(best, g);
      }
    }
    return best;
  }

  private static void accumulate(
      AttentionPattern p, Window w, int[][] kb, TokenRecord t, int heads, int d, double[] a) {
    SampledQueries s = w.queries;
    int j = t.pos();
    boolean gj = s.isGlobal(j);
    int c = w.column(j);
    for (int i = 0; i < s.pos.length; i++) {
      for (int h = 0; h < heads; h++) {
        if (s.reads(p, kb, heads, i, h, j, gj)) {
          double score = s.score(i, h, d, t.k());
          SampledQueries.addScore(a, w.pair(i, h, heads, w.cols), score);
          if (c >= 0) {
            SampledQueries.addScore(a, w.pair(i, h, heads, c), score);
          }
        }
      }
    }
  }

  /**
   * Mass pooling of head h: rows of queries, mean over the row's queries of the column's mass (its
   * share of everything the query reads).
   */
  private static float[][] pool(double[] a, Window w, int heads, int h, int cells) {
    int nq = w.queries.pos.length;
    int rows = Math.min(cells, nq);
    double[][] sum = new double[rows][w.cols];
    int[] perRow = new int[rows];
    for (int i = 0; i < nq; i++) {
      double lse = SampledQueries.lse(a, w.pair(i, h, heads, w.cols));
      int r = (int) ((long) i * rows / nq);
      perRow[r]++;
      if (lse == Double.NEGATIVE_INFINITY) {
        continue;
      }
      for (int c = 0; c < w.cols; c++) {
        sum[r][c] += Math.exp(SampledQueries.lse(a, w.pair(i, h, heads, c)) - lse);
      }
    }
    float[][] out = new float[rows][w.cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < w.cols; c++) {
        out[r][c] = (float) (sum[r][c] / perRow[r]);
      }
    }
    return out;
  }
}
