package org.longattn.kernels.pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Randomised property tests of the patterns (fixed seeds): block routing, the token-level local
 * mask against each pattern's definition written out independently here, BigBird's random blocks,
 * global positions, {@link Band} tile tests, {@link Seeds}, {@link Positions} and {@link
 * PatternSpec} validation.
 */
class PatternTest {

  private static final int INSTANCES = 150; // per pattern × causal
  private static final int MAX_QUERY_BLOCKS = 24; // query blocks checked per instance

  /** One random pattern instance. */
  record Inst(PatternSpec spec, int n, long docHash, int head) {
    AttentionPattern pattern() {
      return spec.build();
    }

    @Override
    public String toString() {
      return spec + " n=" + n + " doc=" + docHash + " head=" + head;
    }
  }

  static Inst randomInstance(SplittableRandom rng, String name, boolean causal) {
    int n = 1 + rng.nextInt(rng.nextBoolean() ? 3000 : 200);
    int block = 1 + rng.nextInt(rng.nextBoolean() ? 97 : 8);
    int window = rng.nextInt(rng.nextBoolean() ? 200 : 12);
    int dilation = rng.nextInt(3) == 0 ? 1 + rng.nextInt(4) : 1;
    int random = rng.nextInt(7);
    long seed = rng.nextLong();
    int stride = 1 + rng.nextInt(rng.nextBoolean() ? 150 : 10);
    int summary = 1 + rng.nextInt(stride);
    boolean anticausal = !causal && rng.nextInt(3) == 0;
    PatternSpec spec =
        PatternSpec.of(
            name,
            block,
            seed,
            causal,
            anticausal,
            Map.of(
                Param.WINDOW,
                window,
                Param.DILATION,
                dilation,
                Param.RANDOM_BLOCKS,
                random,
                Param.STRIDE,
                stride,
                Param.SUMMARY,
                summary,
                Param.RADIUS,
                window));
    return new Inst(spec, n, rng.nextLong(), rng.nextInt(16));
  }

  static Arguments[] patternsAndCausal() {
    return Families.softmaxAnyDirection().stream()
        .flatMap(p -> java.util.stream.Stream.of(Arguments.of(p, false), Arguments.of(p, true)))
        .toArray(Arguments[]::new);
  }

  /** Query blocks to check: all of them for short documents, else the ends and a random sample. */
  static int[] queryBlocks(SplittableRandom rng, int nb) {
    if (nb <= MAX_QUERY_BLOCKS) {
      return Positions.range(0, nb);
    }
    int[] qb = new int[MAX_QUERY_BLOCKS];
    qb[0] = 0;
    qb[1] = 1;
    qb[2] = nb - 2;
    qb[3] = nb - 1;
    for (int k = 4; k < qb.length; k++) {
      qb[k] = rng.nextInt(nb);
    }
    return qb;
  }

  // ---- block routing ----

  @ParameterizedTest(name = "{0} causal={1}")
  @MethodSource("patternsAndCausal")
  void localKeyBlocksAreAscendingDistinctAndInRange(String name, boolean causal) {
    SplittableRandom rng = new SplittableRandom(name.hashCode() * 31L + (causal ? 1 : 0));
    for (int it = 0; it < INSTANCES; it++) {
      Inst in = randomInstance(rng, name, causal);
      AttentionPattern p = in.pattern();
      int nb = p.numBlocks(in.n);
      assertEquals((in.n + in.spec.blockSize() - 1) / in.spec.blockSize(), nb, "numBlocks");
      for (int qb : queryBlocks(rng, nb)) {
        int[] kb = p.localKeyBlocks(in.n, in.docHash, in.head, qb);
        int q = qb;
        Supplier<String> what = () -> in + " qb=" + q + " " + Arrays.toString(kb);
        for (int x = 0; x < kb.length; x++) {
          assertTrue(kb[x] >= 0 && kb[x] < nb, what);
          assertTrue(x == 0 || kb[x - 1] < kb[x], what); // ascending and distinct
          assertTrue(!causal || kb[x] <= qb, what); // causal: no later key block
          assertTrue(!p.anticausal() || kb[x] >= qb, what); // anticausal: no earlier key block
        }
        switch (name) {
          case "dense" ->
              assertArrayEquals(
                  Positions.range(p.anticausal() ? qb : 0, causal ? qb + 1 : nb), kb, what);
          case "blocked" -> assertArrayEquals(new int[] {qb}, kb, what);
          default -> assertTrue(kb.length > 0 || name.equals("bigbird"), what);
        }
      }
    }
  }

  /**
   * localAllows against the interface's definition (key block listed and band allows) and against
   * each pattern's own definition, written out here without the pattern's code.
   */
  @ParameterizedTest(name = "{0} causal={1}")
  @MethodSource("patternsAndCausal")
  void localAllowsMatchesEachPatternsDefinition(String name, boolean causal) {
    SplittableRandom rng = new SplittableRandom(name.hashCode() * 37L + (causal ? 1 : 0));
    for (int it = 0; it < INSTANCES; it++) {
      Inst in = randomInstance(rng, name, causal);
      AttentionPattern p = in.pattern();
      int n = in.n;
      int b = in.spec.blockSize();
      int nb = p.numBlocks(n);
      int reach = in.spec.window() * in.spec.dilation();
      for (int pair = 0; pair < 300; pair++) {
        int i = rng.nextInt(n);
        int j;
        if (pair % 4 == 0) {
          j = rng.nextInt(n); // anywhere
        } else if (pair % 4 == 3) {
          int l = in.spec.stride(); // strided columns and fixed summaries, ± 1
          j = i - l * rng.nextInt(1 + n / l) + rng.nextInt(3) - 1;
        } else if (pair % 4 == 1) {
          j = i + (rng.nextBoolean() ? reach : -reach) + rng.nextInt(5) - 2; // band edges
        } else {
          j = i + rng.nextInt(2 * b + 1) - b; // neighbouring blocks
        }
        if (j < 0 || j >= n) {
          continue;
        }
        boolean got = p.localAllows(n, in.docHash, in.head, i, j);
        int[] listed = p.localKeyBlocks(n, in.docHash, in.head, i / b);
        boolean routed = Arrays.binarySearch(listed, j / b) >= 0;
        boolean byInterface =
            (routed && p.band().allows(i, j))
                || (p.columnGroups() != null && p.columnGroups().allows(i, j));
        boolean causalOk = (!causal || j <= i) && (!in.spec.anticausal() || j >= i);
        int l = in.spec.stride();
        int qb = i / b;
        int kb = j / b;
        boolean expected =
            switch (name) {
              case "dense" -> causalOk;
              case "blocked" -> qb == kb && causalOk;
              case "longformer" ->
                  Math.abs(i - j) <= reach && (i - j) % in.spec.dilation() == 0 && causalOk;
              case "bigbird" -> {
                boolean window = Math.abs(kb - qb) <= 1 && kb >= 1 && kb <= nb - 2;
                boolean random =
                    Arrays.binarySearch(
                            ((BigBirdPattern) p).randomKeyBlocks(nb, in.docHash, in.head, qb), kb)
                        >= 0;
                yield (window || random) && causalOk;
              }
              case "strided" -> causalOk && (Math.abs(i - j) < l || Math.floorMod(i - j, l) == 0);
              case "fixed" -> causalOk && (j / l == i / l || j % l >= l - in.spec.summary());
              default -> throw new AssertionError(name);
            };
        int qi = i;
        int kj = j;
        if (got) {
          assertTrue(routed, () -> "allowed key not routed: " + in + " i=" + qi + " j=" + kj);
        }
        assertEquals(
            byInterface, got, () -> "interface definition: " + in + " i=" + qi + " j=" + kj);
        assertEquals(expected, got, () -> "pattern definition: " + in + " i=" + qi + " j=" + kj);
      }
    }
  }

  /**
   * Longformer routes exactly the blocks its band reaches: every key in the band of some query of
   * the block lies in a listed block (brute force over the band of sampled queries), and with
   * dilation 1 every listed block holds such a key (nothing shipped for nothing).
   */
  @Test
  void longformerKeyBlocksCoverTheBand() {
    SplittableRandom rng = new SplittableRandom(41);
    for (int it = 0; it < 2 * INSTANCES; it++) {
      Inst in = randomInstance(rng, "longformer", rng.nextBoolean());
      AttentionPattern p = in.pattern();
      int n = in.n;
      int b = in.spec.blockSize();
      int reach = in.spec.window() * in.spec.dilation();
      for (int qb : queryBlocks(rng, p.numBlocks(n))) {
        int[] kb = p.localKeyBlocks(n, in.docHash, in.head, qb);
        int first = qb * b;
        int last = Math.min(n, first + b) - 1;
        int q = qb;
        Supplier<String> what = () -> in + " qb=" + q + " " + Arrays.toString(kb);
        for (int i : new int[] {first, last, first + rng.nextInt(last - first + 1)}) {
          for (int j = Math.max(0, i - reach); j <= Math.min(n - 1, i + reach); j++) {
            if (p.band().allows(i, j)) {
              int kj = j;
              assertTrue(
                  Arrays.binarySearch(kb, j / b) >= 0,
                  () -> "j=" + kj + " unlisted: " + what.get());
            }
          }
        }
        if (in.spec.dilation() == 1) {
          int lo = Math.max(0, first - reach);
          int hi = Math.min(n - 1, in.spec.causal() ? last : last + reach);
          for (int k : kb) {
            assertTrue(
                k * b <= hi && (k + 1) * b - 1 >= lo,
                () -> "block " + k + " unused: " + what.get());
          }
        }
      }
    }
  }

  // ---- BigBird random blocks ----

  @Test
  void bigBirdRandomBlocksAreValidAndExactlyMinOfRAndCandidates() {
    SplittableRandom rng = new SplittableRandom(51);
    for (int it = 0; it < 3000; it++) {
      boolean causal = rng.nextBoolean();
      int nb = 1 + rng.nextInt(rng.nextBoolean() ? 400 : 12);
      int r = rng.nextInt(9);
      long seed = rng.nextLong();
      BigBirdPattern p = new BigBirdPattern(1 + rng.nextInt(64), r, seed, causal);
      long doc = rng.nextLong();
      int head = rng.nextInt(16);
      int qb = rng.nextInt(nb);
      int[] got = p.randomKeyBlocks(nb, doc, head, qb);
      String what = "nb=" + nb + " r=" + r + " causal=" + causal + " qb=" + qb;
      int candidates = 0;
      if (qb != 0 && qb != nb - 1) { // global query blocks read everything anyway
        for (int k = 1; k <= nb - 2; k++) {
          if (Math.abs(k - qb) > 1 && (!causal || k < qb)) {
            candidates++;
          }
        }
      }
      assertEquals(Math.min(r, candidates), got.length, "count: " + what);
      for (int x = 0; x < got.length; x++) {
        int k = got[x];
        assertTrue(x == 0 || got[x - 1] < k, "ascending, distinct: " + what);
        assertTrue(Math.abs(k - qb) > 1, "not a window block: " + what);
        assertTrue(k != 0 && k != nb - 1 && k > 0 && k < nb, "not a global block: " + what);
        assertTrue(!causal || k < qb, "causal: earlier blocks only: " + what);
      }
      // deterministic for (seed, doc, head, block): again, and from a fresh instance
      assertArrayEquals(got, p.randomKeyBlocks(nb, doc, head, qb), what);
      BigBirdPattern twin = new BigBirdPattern(p.blockSize(), r, seed, causal);
      assertArrayEquals(got, twin.randomKeyBlocks(nb, doc, head, qb), "fresh instance: " + what);
    }
  }

  @Test
  void bigBirdRandomBlocksDependOnSeedDocHeadAndBlock() {
    SplittableRandom rng = new SplittableRandom(52);
    int cases = 0;
    int headDiffers = 0;
    int seedDiffers = 0;
    int docDiffers = 0;
    for (int it = 0; it < 500; it++) {
      int nb = 20 + rng.nextInt(200);
      int r = 1 + rng.nextInt(3);
      long seed = rng.nextLong();
      long doc = rng.nextLong();
      int head = rng.nextInt(16);
      int qb = 1 + rng.nextInt(nb - 2);
      BigBirdPattern p = new BigBirdPattern(16, r, seed, false);
      int[] base = p.randomKeyBlocks(nb, doc, head, qb);
      cases++;
      headDiffers += Arrays.equals(base, p.randomKeyBlocks(nb, doc, head + 1, qb)) ? 0 : 1;
      docDiffers += Arrays.equals(base, p.randomKeyBlocks(nb, doc + 1, head, qb)) ? 0 : 1;
      BigBirdPattern other = new BigBirdPattern(16, r, seed + 1, false);
      seedDiffers += Arrays.equals(base, other.randomKeyBlocks(nb, doc, head, qb)) ? 0 : 1;
    }
    // ≥ 17 candidates and r ≤ 3: two independent draws coincide with probability < 1/17
    assertTrue(headDiffers > cases * 0.8, "heads: " + headDiffers + "/" + cases);
    assertTrue(docDiffers > cases * 0.8, "docs: " + docDiffers + "/" + cases);
    assertTrue(seedDiffers > cases * 0.8, "seeds: " + seedDiffers + "/" + cases);
  }

  /**
   * Without replacement and uniform: over many heads every candidate is drawn ≈ r/c of the time.
   */
  @Test
  void bigBirdRandomBlocksAreRoughlyUniform() {
    BigBirdPattern p = new BigBirdPattern(8, 2, 1234, false);
    int nb = 12;
    int qb = 5; // candidates 1,2,3,7,8,9,10
    int[] count = new int[nb];
    int draws = 7000;
    for (int head = 0; head < draws; head++) {
      int[] got = p.randomKeyBlocks(nb, 99, head, qb);
      assertEquals(2, got.length);
      for (int k : got) {
        count[k]++;
      }
    }
    for (int k = 0; k < nb; k++) {
      boolean candidate = k >= 1 && k <= nb - 2 && Math.abs(k - qb) > 1;
      if (!candidate) {
        assertEquals(0, count[k], "block " + k);
      } else {
        // expected 2000, σ ≈ 38: ±200 is > 5σ
        assertTrue(Math.abs(count[k] - 2000) < 200, "block " + k + ": " + count[k]);
      }
    }
  }

  // ---- global positions ----

  @ParameterizedTest(name = "{0} causal={1}")
  @MethodSource("patternsAndCausal")
  void globalPositionsAreSortedDistinctAndBigBirdsAreItsEndBlocks(String name, boolean causal) {
    SplittableRandom rng = new SplittableRandom(name.hashCode() * 43L + (causal ? 1 : 0));
    for (int it = 0; it < INSTANCES; it++) {
      Inst in = randomInstance(rng, name, causal);
      AttentionPattern p = in.pattern();
      int n = in.n;
      int b = in.spec.blockSize();
      int nb = p.numBlocks(n);
      int[] columns = new int[rng.nextInt(6)];
      for (int x = 0; x < columns.length; x++) {
        columns[x] = rng.nextInt(n);
      }
      TreeSet<Integer> expected = new TreeSet<>();
      for (int c : columns) {
        expected.add(c);
      }
      if (name.equals("bigbird")) {
        for (int pos = 0; pos < n; pos++) {
          if (pos / b == 0 || pos / b == nb - 1) {
            expected.add(pos);
          }
        }
        assertArrayEquals(
            expected.stream().filter(x -> x / b == 0 || x / b == nb - 1).mapToInt(x -> x).toArray(),
            p.globalPositions(n, new int[0]),
            "structural only: " + in);
      }
      assertArrayEquals(
          expected.stream().mapToInt(x -> x).toArray(),
          p.globalPositions(n, columns),
          in + " columns " + Arrays.toString(columns));
      assertArrayEquals(
          p.globalPositions(n, new int[0]), p.globalPositions(n, null), "null columns: " + in);
    }
  }

  // ---- Band ----

  @Test
  void bandAllowsMatchesItsDefinition() {
    SplittableRandom rng = new SplittableRandom(61);
    for (int it = 0; it < 2000; it++) {
      Band band = randomBand(rng);
      for (int k = 0; k < 50; k++) {
        int i = rng.nextInt(200);
        int j = i + rng.nextInt(81) - 40;
        boolean expected =
            i - (long) band.left() <= j
                && j <= i + (long) band.right()
                && (i - j) % band.dilation() == 0;
        Supplier<String> what = () -> band + " i=" + i + " j=" + j;
        assertEquals(expected, band.allows(i, j), what);
        assertEquals(expected && j <= i, band.causal().allows(i, j), what);
      }
    }
  }

  /**
   * allowsAll / allowsNone against brute force over random tiles. With dilation 1 and a non-empty
   * band they are exact; with dilation > 1 they are conservative (allowsAll is never claimed,
   * allowsNone looks at the band's extent, not its stride), and so for an empty band (−left >
   * right, which no pattern builds): safe for skipping or unmasking tiles, so there only soundness
   * is required.
   */
  @Test
  void bandTileTestsAgreeWithBruteForce() {
    SplittableRandom rng = new SplittableRandom(62);
    for (int it = 0; it < 20000; it++) {
      Band band = randomBand(rng);
      int qLo = rng.nextInt(100);
      int qHi = qLo + rng.nextInt(10);
      int kLo = Math.max(0, qLo + rng.nextInt(81) - 40);
      int kHi = kLo + rng.nextInt(10);
      boolean all = true;
      boolean none = true;
      for (int i = qLo; i <= qHi; i++) {
        for (int j = kLo; j <= kHi; j++) {
          boolean a = band.allows(i, j);
          all &= a;
          none &= !a;
        }
      }
      Supplier<String> what = () -> band + " q[" + qLo + "," + qHi + "] k[" + kLo + "," + kHi + "]";
      boolean empty = (long) -band.left() > band.right(); // no pattern builds one
      if (band.dilation() == 1 && !empty) {
        assertEquals(all, band.allowsAll(qLo, qHi, kLo, kHi), what);
        assertEquals(none, band.allowsNone(qLo, qHi, kLo, kHi), what);
      } else {
        assertTrue(!band.allowsAll(qLo, qHi, kLo, kHi) || all, what);
        assertTrue(!band.allowsNone(qLo, qHi, kLo, kHi) || none, what);
      }
    }
  }

  static Band randomBand(SplittableRandom rng) {
    int left = rng.nextInt(8) == 0 ? Band.UNBOUNDED : rng.nextInt(61) - 30;
    int right = rng.nextInt(8) == 0 ? Band.UNBOUNDED : rng.nextInt(61) - 30;
    int dilation = rng.nextInt(2) == 0 ? 1 : 1 + rng.nextInt(5);
    Band band = new Band(left, right, dilation);
    return rng.nextInt(4) == 0 ? band.causal() : band;
  }

  @Test
  void bandRejectsBadValues() {
    assertThrows(IllegalArgumentException.class, () -> new Band(1, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new Band(Band.UNBOUNDED + 1, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new Band(1, -Band.UNBOUNDED - 1, 1));
  }

  // ---- Seeds and Positions ----

  /** Regression pins, cross-checked once against an independent FNV-1a + SplitMix64 in Python. */
  @Test
  void docHashIsStable() {
    assertEquals(0xc3817c016ba4ff30L, Seeds.docHash(""));
    assertEquals(0x46c876cb8cfc63f5L, Seeds.docHash("doc-1"));
    assertEquals(0x78db240002221039L, Seeds.docHash("café")); // UTF-8 bytes, not chars
    assertEquals(0x48cf5028b6df10dbL, Seeds.mix(1, 2, 3));
  }

  @Test
  void mixDependsOnOrderAndEveryPart() {
    SplittableRandom rng = new SplittableRandom(71);
    for (int it = 0; it < 1000; it++) {
      long a = rng.nextLong();
      long b = rng.nextLong();
      long c = rng.nextLong();
      assertEquals(Seeds.mix(a, b, c), Seeds.mix(a, b, c));
      assertNotEquals(Seeds.mix(a, b, c), Seeds.mix(b, a, c));
      assertNotEquals(Seeds.mix(a, b, c), Seeds.mix(a, b, c + 1));
      assertNotEquals(Seeds.mix(a, b), Seeds.mix(a, b, 0));
    }
  }

  @Test
  void positionsUnionAndRange() {
    SplittableRandom rng = new SplittableRandom(72);
    for (int it = 0; it < 1000; it++) {
      int sets = rng.nextInt(4);
      int[][] in = new int[sets][];
      TreeSet<Integer> expected = new TreeSet<>();
      for (int s = 0; s < sets; s++) {
        if (rng.nextInt(5) == 0) {
          continue; // null
        }
        in[s] = new int[rng.nextInt(8)];
        for (int x = 0; x < in[s].length; x++) {
          in[s][x] = rng.nextInt(30) - 10;
          expected.add(in[s][x]);
        }
      }
      int[][] copy = new int[sets][];
      for (int s = 0; s < sets; s++) {
        copy[s] = in[s] == null ? null : in[s].clone();
      }
      assertArrayEquals(expected.stream().mapToInt(x -> x).toArray(), Positions.union(in));
      for (int s = 0; s < sets; s++) {
        assertArrayEquals(copy[s], in[s], "inputs unchanged");
      }
      int lo = rng.nextInt(40) - 20;
      int hi = rng.nextInt(40) - 20;
      int[] r = Positions.range(lo, hi);
      assertEquals(Math.max(0, hi - lo), r.length);
      for (int x = 0; x < r.length; x++) {
        assertEquals(lo + x, r[x]);
      }
    }
    assertArrayEquals(new int[0], Positions.union());
  }

  // ---- PatternSpec ----

  @Test
  void patternSpecRejectsBadValuesNamingTheFlag() {
    SplittableRandom rng = new SplittableRandom(81);
    for (int it = 0; it < 100; it++) {
      String name =
          Families.softmaxAnyDirection().get(rng.nextInt(Families.softmaxAnyDirection().size()));
      int bad = -rng.nextInt(1000);
      assertMessage(
          "--block-size",
          () ->
              PatternSpec.of(
                  name,
                  bad,
                  7,
                  false,
                  false,
                  Map.of(Param.WINDOW, 4, Param.RANDOM_BLOCKS, 2, Param.RADIUS, 4))); // bad ≤ 0
      assertMessage(
          "--window",
          () ->
              PatternSpec.of(
                  name,
                  8,
                  7,
                  false,
                  false,
                  Map.of(Param.WINDOW, bad - 1, Param.RANDOM_BLOCKS, 2, Param.RADIUS, bad - 1)));
      assertMessage(
          "--dilation",
          () ->
              PatternSpec.of(
                  name,
                  8,
                  7,
                  false,
                  false,
                  Map.of(
                      Param.WINDOW,
                      4,
                      Param.DILATION,
                      bad,
                      Param.RANDOM_BLOCKS,
                      2,
                      Param.RADIUS,
                      4)));
      assertMessage(
          "--random-blocks",
          () ->
              PatternSpec.of(
                  name,
                  8,
                  7,
                  false,
                  false,
                  Map.of(Param.WINDOW, 4, Param.RANDOM_BLOCKS, bad - 1, Param.RADIUS, 4)));
    }
    for (String unknown : new String[] {"", "Dense", "big-bird", "strided?", "longformer "}) {
      IllegalArgumentException e =
          assertMessage(
              "--pattern",
              () ->
                  PatternSpec.of(
                          unknown,
                          8,
                          7,
                          false,
                          false,
                          Map.of(Param.WINDOW, 4, Param.RANDOM_BLOCKS, 2, Param.RADIUS, 4))
                      .build());
      assertTrue(e.getMessage().contains("'" + unknown + "'"), e.getMessage());
    }
    assertMessage(
        "--window",
        () ->
            PatternSpec.of(
                    "longformer",
                    8,
                    7,
                    false,
                    false,
                    Map.of(Param.WINDOW, 1 << 20, Param.DILATION, 1 << 10, Param.RANDOM_BLOCKS, 0))
                .build());
    for (String name : Families.softmaxAnyDirection()) {
      AttentionPattern p =
          PatternSpec.of(
                  name,
                  8,
                  7,
                  true,
                  false,
                  Map.of(Param.WINDOW, 0, Param.RANDOM_BLOCKS, 0, Param.RADIUS, 0))
              .build();
      assertEquals(name, p.name());
      assertEquals(8, p.blockSize());
      assertTrue(p.causal());
      assertFalse(p.band().allows(5, 6), "causal band");
    }
  }

  private static IllegalArgumentException assertMessage(String flag, Runnable r) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, r::run, "expected a rejection naming " + flag);
    assertTrue(e.getMessage().contains(flag), "'" + e.getMessage() + "' should name " + flag);
    return e;
  }
}
