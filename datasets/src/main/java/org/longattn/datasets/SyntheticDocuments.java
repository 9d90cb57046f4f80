package org.longattn.datasets;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.longattn.kernels.pattern.Seeds;

/**
 * Synthetic documents for {@code generate}: Gaussian q, k, v (unit variance, so q·k/√d scores are
 * ~N(0, 1): neither uniform nor one-hot attention) with planted long-range needles — for a query
 * position a, the key at a far position b is set to 16·√d·q_a/|q_a|² per head, so its score q·k/√d
 * is exactly 16: it takes most of any softmax that sees it, even dense over a million keys (e^16 ≈
 * 8.9e6 against n·E[e^s] = n·e^0.5 ≈ 1.6e6 for all the others).
 *
 * <p>Every value comes from a counter-based seed (seed, document, position), so the table is the
 * same for any number of tasks; documents are produced in ranges of {@value #RANGE} tokens, never
 * one document in one task. Column {@code needle} holds, on a needle's query row, the planted key
 * position (null elsewhere); readers ignore it.
 */
public final class SyntheticDocuments {
  /** Tokens produced per task. */
  public static final int RANGE = 65_536;

  /** Score the planted key reaches against its query (before softmax). */
  public static final double NEEDLE_SCORE = 16.0;

  private SyntheticDocuments() {}

  /** One task's work: positions [from, to) of a document (a class: Kryo can't build records). */
  private static final class Range implements Serializable {
    private final int doc;
    private final int from;
    private final int to;
    private final int[] needleQ;
    private final int[] needleK;

    Range(int doc, int from, int to, int[] needleQ, int[] needleK) {
      this.doc = doc;
      this.from = from;
      this.to = to;
      this.needleQ = needleQ;
      this.needleK = needleK;
    }

    int doc() {
      return doc;
    }

    int from() {
      return from;
    }

    int to() {
      return to;
    }

    int[] needleQ() {
      return needleQ;
    }

    int[] needleK() {
      return needleK;
    }
  }

  public static StructType schema(boolean binary) {
    DataType vec =
        binary ? DataTypes.BinaryType : DataTypes.createArrayType(DataTypes.FloatType, false);
    return new StructType()
        .add(TokenTable.DOC_ID, DataTypes.StringType, false)
        .add(TokenTable.POS, DataTypes.IntegerType, false)
        .add(TokenTable.Q, vec, false)
        .add(TokenTable.K, vec, false)
        .add(TokenTable.V, vec, false)
        .add(TokenTable.GLOBAL, DataTypes.BooleanType, false)
        .add("needle", DataTypes.IntegerType, true);
  }

  /** The document id of document i. */
  public static String docId(int i) {
    return String.format("doc-%05d", i);
  }

  /** Document lengths, from the seed. */
  public static int[] lengths(GeneratorSpec g) {
    SplittableRandom rng = new SplittableRandom(Seeds.mix(g.seed(), 0x1e9));
    int[] n = new int[g.docs()];
    for (int i = 0; i < n.length; i++) {
      n[i] = g.minTokens() + rng.nextInt(g.maxTokens() - g.minTokens() + 1);
    }
    return n;
  }

  /** Needle pairs of a document: [0] query positions (distinct), [1] key positions. */
  public static int[][] needles(GeneratorSpec g, int doc, int n) {
    int count = n < 2 ? 0 : Math.min(g.needles(), n / 2);
    SplittableRandom rng = new SplittableRandom(Seeds.mix(g.seed(), doc, 0x5eed));
    int[] qs = new int[count];
    int[] ks = new int[count];
    Map<Integer, Boolean> used = new HashMap<>();
    for (int i = 0; i < count; i++) {
      int a;
      do {
        a = rng.nextInt(n);
      } while (used.containsKey(a));
      used.put(a, true);
      int far = Math.max(1, n / 4);
      int b = rng.nextInt(n);
      for (int tries = 0; Math.abs(a - b) <= far && tries < 64; tries++) {
        b = rng.nextInt(n); // far away when the document allows it
      }
      if (b == a) {
        b = (a + n / 2) % n;
      }
      qs[i] = a;
      ks[i] = b;
    }
    return new int[][] {qs, ks};
  }

  public static Dataset<Row> generate(SparkSession spark, GeneratorSpec g) {
    int[] lengths = lengths(g);
    List<Range> ranges = new ArrayList<>();
    for (int d = 0; d < lengths.length; d++) {
      int[][] nd = needles(g, d, lengths[d]);
      for (int from = 0; from < lengths[d]; from += RANGE) {
        ranges.add(new Range(d, from, Math.min(lengths[d], from + RANGE), nd[0], nd[1]));
      }
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Row> rows =
        jsc.parallelize(ranges, Math.max(1, ranges.size())).flatMap(r -> rows(g, r));
    return spark.createDataFrame(rows, schema(g.binary()));
  }

  private static Iterator<Row> rows(GeneratorSpec g, Range r) {
    int qk = g.heads() * g.headDim();
    int vw = g.heads() * g.valueDim();
    String id = docId(r.doc());
    // Keys planted in this range: position -> the query position they copy.
    Map<Integer, Integer> plantedKeys = new HashMap<>();
    Map<Integer, Integer> needleOf = new HashMap<>();
    for (int i = 0; i < r.needleQ().length; i++) {
      if (r.needleK()[i] >= r.from() && r.needleK()[i] < r.to()) {
        plantedKeys.put(r.needleK()[i], r.needleQ()[i]);
      }
      needleOf.put(r.needleQ()[i], r.needleK()[i]);
    }
    return new Iterator<>() {
      private int p = r.from();

      @Override
      public boolean hasNext() {
        return p < r.to();
      }

      @Override
      public Row next() {
        int pos = p++;
        SplittableRandom rng = new SplittableRandom(Seeds.mix(g.seed(), r.doc(), pos));
        float[] q = gaussian(rng, qk);
        float[] k = gaussian(rng, qk);
        float[] v = gaussian(rng, vw);
        boolean global = pos == 0 || rng.nextDouble() < g.globalFraction();
        Integer copyOf = plantedKeys.get(pos);
        if (copyOf != null) {
          k = needleKey(g, r.doc(), copyOf);
        }
        Object qo = g.binary() ? FloatBytes.encode(q) : q;
        Object ko = g.binary() ? FloatBytes.encode(k) : k;
        Object vo = g.binary() ? FloatBytes.encode(v) : v;
        return RowFactory.create(id, pos, qo, ko, vo, global, needleOf.get(pos));
      }
    };
  }

  /** The planted key for query position a: per head NEEDLE_SCORE·√d·q_a/|q_a|² (score 16). */
  static float[] needleKey(GeneratorSpec g, int doc, int a) {
    int qk = g.heads() * g.headDim();
    float[] qa = gaussian(new SplittableRandom(Seeds.mix(g.seed(), doc, a)), qk);
    float[] k = new float[qk];
    double scale = NEEDLE_SCORE * Math.sqrt(g.headDim());
    for (int h = 0; h < g.heads(); h++) {
      double norm = 0;
      for (int c = 0; c < g.headDim(); c++) {
        norm += (double) qa[h * g.headDim() + c] * qa[h * g.headDim() + c];
      }
      for (int c = 0; c < g.headDim(); c++) {
        k[h * g.headDim() + c] = (float) (scale * qa[h * g.headDim() + c] / norm); // norm = |q_a|²
      }
    }
    return k;
  }

  private static float[] gaussian(SplittableRandom rng, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i += 2) {
      double u1 = 1 - rng.nextDouble();
      double u2 = rng.nextDouble();
      double r = Math.sqrt(-2 * Math.log(u1));
      a[i] = (float) (r * Math.cos(2 * Math.PI * u2));
      if (i + 1 < n) {
        a[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
      }
    }
    return a;
  }

  /** For tests: all needle pairs of the generated documents. */
  public static List<int[]> allNeedles(GeneratorSpec g) {
    int[] lengths = lengths(g);
    List<int[]> out = new ArrayList<>();
    for (int d = 0; d < lengths.length; d++) {
      int[][] nd = needles(g, d, lengths[d]);
      for (int i = 0; i < nd[0].length; i++) {
        out.add(new int[] {d, nd[0][i], nd[1][i]});
      }
    }
    return out;
  }
}
