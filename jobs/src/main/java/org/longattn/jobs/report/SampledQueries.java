package org.longattn.jobs.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.longattn.datasets.TokenRecord;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.datasets.TokenTable;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Seeds;

/**
 * Sampled query rows of one document (positions ascending, their q vectors) with what a pattern
 * needs to mask them. Shared by the report's exact recomputations (coverage, hub tokens, heatmaps):
 * each broadcasts these and streams the document's key rows past them, so memory is O(samples ×
 * heads), never O(n²).
 *
 * <p>Mask, as {@link AttentionPattern} defines it: query i reads key j iff (not causal or j ≤ i)
 * and (global(i) or global(j) or (band allows (i, j) and j's block is a local key block of i's
 * block for the head)).
 */
final class SampledQueries implements Serializable {
  private static final long serialVersionUID = 1L;

  final String docId;
  final int n;
  final long hash;
  final int[] pos;
  final float[][] q;
  final int[] globals;

  SampledQueries(String docId, int n, int[] pos, float[][] q, int[] globals) {
    this.docId = docId;
    this.n = n;
    this.hash = Seeds.docHash(docId);
    this.pos = pos;
    this.q = q;
    this.globals = globals;
  }

  /** A document of the token table: id, length and global positions (pattern's and column's). */
  static final class Doc implements Serializable {
    private static final long serialVersionUID = 1L;
    final String id;
    final int n;
    final int[] globals;

    Doc(String id, int n, int[] globals) {
      this.id = id;
      this.n = n;
      this.globals = globals;
    }
  }

  /** The first {@code maxDocs} documents by id, with their lengths and global positions. */
  static List<Doc> documents(Dataset<Row> tokens, AttentionPattern pattern, int maxDocs) {
    List<Doc> out = new ArrayList<>();
    for (Row r :
        tokens
            .groupBy(col(TokenTable.DOC_ID))
            .agg(count("*"), collect_list(when(col(TokenTable.GLOBAL), col(TokenTable.POS))))
            .orderBy(col(TokenTable.DOC_ID))
            .limit(maxDocs)
            .collectAsList()) {
      int n = (int) r.getLong(1);
      int[] cols = r.<Integer>getList(2).stream().mapToInt(Integer::intValue).sorted().toArray();
      out.add(new Doc(r.getString(0), n, pattern.globalPositions(n, cols)));
    }
    return out;
  }

  /**
   * Loads the q rows at {@code positions} (per document id, ascending) in one filtered pass.
   *
   * @return per document id, its samples
   */
  static Map<String, SampledQueries> load(
      Dataset<Row> tokens,
      TokenRowDecoder decoder,
      Map<String, Doc> docs,
      Map<String, int[]> positions) {
    List<String> keys = new ArrayList<>();
    positions.forEach(
        (doc, pos) -> {
          for (int p : pos) {
            keys.add(doc + "#" + p);
          }
        });
    Map<String, Map<Integer, float[]>> qs = new HashMap<>();
    for (Row r :
        tokens
            .filter(
                concat(col(TokenTable.DOC_ID), lit("#"), col(TokenTable.POS)).isin(keys.toArray()))
            .collectAsList()) {
      TokenRecord t = decoder.decode(r);
      qs.computeIfAbsent(t.docId(), d -> new HashMap<>()).put(t.pos(), t.q());
    }
    Map<String, SampledQueries> out = new HashMap<>();
    positions.forEach(
        (id, pos) -> {
          float[][] q = new float[pos.length][];
          for (int i = 0; i < pos.length; i++) {
            q[i] = qs.get(id).get(pos[i]);
          }
          Doc d = docs.get(id);
          out.put(id, new SampledQueries(id, d.n, pos, q, d.globals));
        });
    return out;
  }

  /** Local key blocks of every sample's query block, per head: index {@code i * heads + h}. */
  int[][] keyBlocks(AttentionPattern p, int heads) {
    int[][] kb = new int[pos.length * heads][];
    for (int i = 0; i < pos.length; i++) {
      for (int h = 0; h < heads; h++) {
        kb[i * heads + h] = p.localKeyBlocks(n, hash, h, pos[i] / p.blockSize());
      }
    }
    return kb;
  }

  /**
   * The key blocks any sample reads for any head: their local key blocks and the blocks of global
   * tokens, or every block when a sample is itself a global query. Passes skip the other rows.
   */
  java.util.BitSet blocksRead(AttentionPattern p, int heads) {
    java.util.BitSet b = new java.util.BitSet(p.numBlocks(n));
    for (int qi : pos) {
      if (isGlobal(qi)) {
        b.set(0, p.numBlocks(n));
        return b;
      }
    }
    for (int[] blocks : keyBlocks(p, heads)) {
      for (int k : blocks) {
        b.set(k);
      }
    }
    for (int g : globals) {
      b.set(g / p.blockSize());
    }
    return b;
  }

  boolean isGlobal(int position) {
    return Arrays.binarySearch(globals, position) >= 0;
  }

  /**
   * Whether sample i reads key j for head h ({@code kb} from {@link #keyBlocks}, {@code jGlobal}
   * from {@link #isGlobal}).
   */
  boolean reads(AttentionPattern p, int[][] kb, int heads, int i, int h, int j, boolean jGlobal) {
    int qi = pos[i];
    if (!p.directionAllows(qi, j)) {
      return false;
    }
    return jGlobal
        || isGlobal(qi)
        || (p.columnGroups() != null && p.columnGroups().allows(qi, j))
        || (p.band().allows(qi, j)
            && Arrays.binarySearch(kb[i * heads + h], j / p.blockSize()) >= 0);
  }

  /** Scaled score q_i·k_j / √d of head h, in double. */
  double score(int i, int h, int d, float[] k) {
    double dot = 0;
    for (int c = 0; c < d; c++) {
      dot += (double) q[i][h * d + c] * k[h * d + c];
    }
    return dot / Math.sqrt(d);
  }

  /** (m, l) at {@code a[at]}, {@code a[at + 1]} ← (m, l) ⊕ s: the online log-sum-exp update. */
  static void addScore(double[] a, int at, double s) {
    double m = a[at];
    if (s <= m) {
      a[at + 1] += Math.exp(s - m);
    } else {
      a[at + 1] = a[at + 1] * Math.exp(m - s) + 1;
      a[at] = s;
    }
  }

  /**
   * Merges (m, l) pairs of {@code b} into {@code a}, both laid out as pairs at even indices with
   * identity (−∞, 0): m = max(m1, m2), l = l1·e^(m1−m) + l2·e^(m2−m).
   */
  static void mergePairs(double[] a, double[] b) {
    for (int at = 0; at < a.length; at += 2) {
      mergePair(a, b, at);
    }
  }

  /**
   * Merges the (m, l) pair of {@code b} at {@code at} into {@code a}'s and returns the factors
   * {e^(m1−m), e^(m2−m)} it scaled them by (0 for an identity side), for values kept alongside.
   */
  static double[] mergePair(double[] a, double[] b, int at) {
    double m1 = a[at];
    double m2 = b[at];
    double mx = Math.max(m1, m2);
    if (mx == Double.NEGATIVE_INFINITY) {
      return new double[] {0, 0};
    }
    double c1 = m1 == Double.NEGATIVE_INFINITY ? 0 : Math.exp(m1 - mx);
    double c2 = m2 == Double.NEGATIVE_INFINITY ? 0 : Math.exp(m2 - mx);
    a[at] = mx;
    a[at + 1] = a[at + 1] * c1 + b[at + 1] * c2;
    return new double[] {c1, c2};
  }

  /** {@code pairs} (m, l) pairs set to the identity (−∞, 0). */
  static double[] emptyPairs(int pairs) {
    double[] a = new double[2 * pairs];
    for (int i = 0; i < pairs; i++) {
      a[2 * i] = Double.NEGATIVE_INFINITY;
    }
    return a;
  }

  /** log-sum-exp of the pair at {@code at}: m + log l (−∞ for the identity). */
  static double lse(double[] a, int at) {
    return a[at] == Double.NEGATIVE_INFINITY
        ? Double.NEGATIVE_INFINITY
        : a[at] + Math.log(a[at + 1]);
  }
}
