package org.longattn.kernels.span;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.DenseOracle;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.TestData;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.cpu.JavaAttentionBackend;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.pattern.DensePattern;
import org.longattn.kernels.state.SoftmaxState;
import org.longattn.kernels.state.TreeFold;

/**
 * Tiles of (row group × key chunk), folded over chunks with {@link TreeFold}, equal dense attention
 * (double-precision oracle, explicit mask, causal or not, globals in the stats) on every backend;
 * stepping through a chunk {@link TileAttention#KEY_STEP} keys at a time is bitwise one call.
 */
class TileAttentionTest {
  static final int HEADS = 2;
  static final int D = 16;
  static final int DV = 8;

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (String backend : BackendsUnderTest.names()) {
      for (boolean causal : new boolean[] {false, true}) {
        cases.add(Arguments.of(backend, causal, 1, 64, 32));
        cases.add(Arguments.of(backend, causal, 65, 64, 7));
        cases.add(Arguments.of(backend, causal, 517, 192, 100));
        cases.add(Arguments.of(backend, causal, 1300, 1088, 1024));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} causal={1} n={2} chunk={3} group={4}")
  @MethodSource("cases")
  void foldedTilesMatchDenseOracle(String backend, boolean causal, int n, int chunk, int group) {
    SplittableRandom rng = new SplittableRandom(n * 31L + chunk);
    float[] q = TestData.gaussian(rng, n, HEADS * D, 1.0);
    float[] k = TestData.gaussian(rng, n, HEADS * D, 1.0);
    float[] v = TestData.gaussian(rng, n, HEADS * DV, 1.0);
    int[] globals = n > 3 ? new int[] {1, n / 2} : new int[0];
    DenseOracle.Result ref =
        DenseOracle.attend(new DensePattern(64, causal), q, k, v, n, HEADS, D, DV, 1L, globals);
    HeadShape shape = new HeadShape(HEADS, D, DV);
    try (AttentionBackend be = BackendsUnderTest.create(backend)) {
      TileAttention tiles =
          new TileAttention(shape, causal ? Band.ALL.causal() : Band.ALL, true, be);
      for (int r0 = 0; r0 < n; r0 += group) {
        int rows = Math.min(group, n - r0);
        List<List<SoftmaxState>> perHead = List.of(new ArrayList<>(), new ArrayList<>());
        for (int c0 = 0; c0 < n; c0 += chunk) {
          int kn = Math.min(chunk, n - c0);
          TokenBlock keys =
              new TokenBlock(
                  -1,
                  c0,
                  kn,
                  null,
                  java.util.Arrays.copyOfRange(k, c0 * HEADS * D, (c0 + kn) * HEADS * D),
                  java.util.Arrays.copyOfRange(v, c0 * HEADS * DV, (c0 + kn) * HEADS * DV));
          byte[] flags = new byte[kn];
          for (int g : globals) {
            if (g >= c0 && g < c0 + kn) {
              flags[g - c0] = KeyRows.GLOBAL;
            }
          }
          SoftmaxState[] st = tiles.compute(q, 0, r0, rows, keys, flags);
          perHead.get(0).add(st[0]);
          perHead.get(1).add(st[1]);
        }
        for (int h = 0; h < HEADS; h++) {
          SoftmaxState s = TreeFold.fold(perHead.get(h), SoftmaxState::merge);
          float[] out = new float[DV];
          for (int r = 0; r < rows; r++) {
            int i = r0 + r;
            s.output(r, out, 0);
            String at = backend + " row " + i + " head " + h;
            for (int c = 0; c < DV; c++) {
              Tolerance.assertClose(ref.out()[i][h * DV + c], out[c], Tolerance.REL, at);
            }
            Tolerance.assertClose(ref.entropy()[i][h], s.entropy(r), Tolerance.REL, at + " H");
            Tolerance.assertClose(
                ref.meanDistance()[i][h], s.meanDistance(r), Tolerance.REL, at + " dist");
            Tolerance.assertClose(
                ref.globalMass()[i][h], s.globalMass(r), Tolerance.REL, at + " gmass");
          }
        }
      }
    }
  }

  @Test
  void keyStepsAreBitwiseOneBackendCall() {
    int n = 3 * TileAttention.KEY_STEP + 77;
    SplittableRandom rng = new SplittableRandom(9);
    float[] q = TestData.gaussian(rng, 200, D, 1.0);
    float[] k = TestData.gaussian(rng, n, D, 1.0);
    float[] v = TestData.gaussian(rng, n, DV, 1.0);
    HeadShape shape = new HeadShape(1, D, DV);
    try (AttentionBackend be = new JavaAttentionBackend()) {
      SoftmaxState stepped =
          new TileAttention(shape, Band.ALL, true, be)
              .compute(q, 5, 0, 200, new TokenBlock(-1, 0, n, null, k, v), null)[0];
      SoftmaxState once = SoftmaxState.identity(200, DV);
      be.accumulate(
          new QueryRows(q, 0, D, 200, D, null, 5),
          List.of(new KeyRows(k, 0, D, v, 0, DV, n, D, DV, null, 0, null, 0)),
          Band.ALL,
          (float) (1 / Math.sqrt(D)),
          true,
          once);
      assertArrayEquals(once.o, stepped.o);
      assertArrayEquals(once.m, stepped.m);
      assertArrayEquals(once.l, stepped.l);
      assertArrayEquals(once.t, stepped.t);
      assertArrayEquals(once.dsum, stepped.dsum);
    }
  }
}
