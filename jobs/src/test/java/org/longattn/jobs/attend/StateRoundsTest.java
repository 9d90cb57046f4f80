package org.longattn.jobs.attend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.longattn.datasets.SparkTestSession;
import org.longattn.kernels.state.SoftmaxState;
import org.longattn.kernels.state.TreeFold;
import org.longattn.kernels.state.TreeScan;
import scala.Tuple2;

/**
 * {@link StateRounds} on Spark, for documents whose item counts sit around the round boundaries (1,
 * 2, 15, 16, 17, 31, 255, 256, 257, 700), records arriving shuffled over 1, 3 and 8 partitions: its
 * totals are bitwise one {@link TreeFold} over all of a document's items, its per-item totals the
 * same, and its exclusive prefixes bitwise one {@link TreeScan} — checked with softmax states and
 * with a non-associative operation that exposes any other association.
 */
class StateRoundsTest {
  private static final int HEADS = 2;
  private static final int ROWS = 3;
  private static final int DV = 4;
  private static final int[] ITEMS = {1, 2, 15, 16, 17, 31, 255, 256, 257, 700};

  /** (a ∘ b) = 31·a + b mod p: not associative, so each tree gives its own result. */
  static final class Skewed implements StateMonoid.Scan {
    static long op(long a, long b) {
      return Math.floorMod(31 * a + b, 1_000_000_007L);
    }

    static byte[] bytes(long v) {
      return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long value(byte[] b) {
      return ByteBuffer.wrap(b).getLong();
    }

    @Override
    public byte[] fold(List<byte[]> items) {
      List<Long> v = new ArrayList<>();
      items.forEach(b -> v.add(value(b)));
      return bytes(TreeFold.fold(v, Skewed::op));
    }

    @Override
    public List<byte[]> scan(List<byte[]> items, long first, byte[] carryIn) {
      List<Long> v = new ArrayList<>();
      items.forEach(b -> v.add(value(b)));
      List<Long> p =
          first == 0
              ? TreeScan.exclusive(v, -1L, Skewed::op)
              : TreeScan.exclusive(v, first, value(carryIn), Skewed::op);
      List<byte[]> out = new ArrayList<>();
      for (int i = 0; i < p.size(); i++) {
        out.add(first == 0 && i == 0 ? new byte[0] : bytes(p.get(i)));
      }
      return out;
    }
  }

  @Test
  void softmaxTotalsAreOneTreeFoldBitwise() {
    Random rng = new Random(11);
    Map<String, List<SoftmaxState[]>> partials = new HashMap<>();
    List<Tuple2<String, byte[]>> records = new ArrayList<>();
    for (int items : ITEMS) {
      String doc = "d" + items;
      List<SoftmaxState[]> states = new ArrayList<>();
      for (int s = 0; s < items; s++) {
        SoftmaxState[] heads = new SoftmaxState[HEADS];
        for (int h = 0; h < HEADS; h++) {
          heads[h] = random(rng);
        }
        states.add(heads);
        records.add(new Tuple2<>(doc, IndexedStates.record(s, SoftmaxStates.encode(heads))));
      }
      partials.put(doc, states);
    }
    SoftmaxStates monoid = new SoftmaxStates(HEADS);
    for (int parts : new int[] {1, 3, 8}) {
      Collections.shuffle(records, rng);
      Map<String, byte[]> totals =
          StateRounds.up(rdd(records, parts), counts(), monoid, parts, null, null)
              .totals()
              .collectAsMap();
      assertEquals(ITEMS.length, totals.size());
      for (Map.Entry<String, List<SoftmaxState[]>> e : partials.entrySet()) {
        SoftmaxState[] got = monoid.decode(totals.get(e.getKey()));
        for (int h = 0; h < HEADS; h++) {
          List<SoftmaxState> column = new ArrayList<>();
          for (SoftmaxState[] p : e.getValue()) {
            column.add(p[h]);
          }
          SoftmaxState want = TreeFold.fold(column, SoftmaxState::merge);
          String what = e.getKey() + ", head " + h + ", " + parts + " partitions";
          assertArrayEquals(want.m, got[h].m, what);
          assertArrayEquals(want.l, got[h].l, what);
          assertArrayEquals(want.o, got[h].o, what);
          assertArrayEquals(want.t, got[h].t, what);
          assertArrayEquals(want.dsum, got[h].dsum, what);
          assertArrayEquals(want.gsum, got[h].gsum, what);
        }
      }
    }
  }

  @Test
  void prefixesAndPerItemTotalsFollowOneTreeScanAndTreeFold() {
    Random rng = new Random(12);
    Map<String, List<Long>> values = new HashMap<>();
    List<Tuple2<String, byte[]>> records = new ArrayList<>();
    for (int items : ITEMS) {
      String doc = "d" + items;
      List<Long> v = new ArrayList<>();
      for (int s = 0; s < items; s++) {
        long x = rng.nextInt(1_000_000);
        v.add(x);
        records.add(new Tuple2<>(doc, IndexedStates.record(s, Skewed.bytes(x))));
      }
      values.put(doc, v);
    }
    Skewed monoid = new Skewed();
    for (int parts : new int[] {1, 3, 8}) {
      Collections.shuffle(records, rng);
      List<JavaPairRDD<?, ?>> persisted = new ArrayList<>();
      StateRounds rounds =
          StateRounds.up(rdd(records, parts), counts(), monoid, parts, null, persisted);
      Map<SpanKey, byte[]> prefixes = rounds.exclusivePrefixes(monoid).collectAsMap();
      Map<SpanKey, byte[]> totals = rounds.totalPerItem().collectAsMap();
      persisted.forEach(JavaPairRDD::unpersist);
      for (Map.Entry<String, List<Long>> e : values.entrySet()) {
        List<Long> v = e.getValue();
        List<Long> want = TreeScan.exclusive(v, -1L, Skewed::op);
        long total = TreeFold.fold(v, Skewed::op);
        for (int s = 0; s < v.size(); s++) {
          SpanKey key = new SpanKey(e.getKey(), s);
          String what = key + ", " + parts + " partitions";
          byte[] p = prefixes.get(key);
          if (s == 0) {
            assertEquals(0, p.length, what + ": the identity");
          } else {
            assertEquals(want.get(s), Skewed.value(p), what);
          }
          assertEquals(total, Skewed.value(totals.get(key)), what);
        }
      }
    }
  }

  private static long[] counts() {
    long[] c = new long[ITEMS.length];
    for (int i = 0; i < c.length; i++) {
      c[i] = ITEMS[i];
    }
    return c;
  }

  private static JavaPairRDD<String, byte[]> rdd(List<Tuple2<String, byte[]>> records, int parts) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    return jsc.parallelizePairs(records, parts);
  }

  private static SoftmaxState random(Random rng) {
    SoftmaxState s = SoftmaxState.identity(ROWS, DV);
    for (int r = 0; r < ROWS; r++) {
      if (rng.nextInt(8) == 0) {
        continue; // a row that saw no key in this span: the identity
      }
      s.m[r] = (float) (rng.nextGaussian() * 4);
      s.l[r] = 1 + rng.nextFloat() * 50;
      s.t[r] = rng.nextFloat();
      s.dsum[r] = rng.nextFloat() * 100;
      s.gsum[r] = rng.nextFloat();
      for (int c = 0; c < DV; c++) {
        s.o[r * DV + c] = (float) rng.nextGaussian();
      }
    }
    return s;
  }
}
