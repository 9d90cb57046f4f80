package org.longattn.kernels.span;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * strided and fixed (several strides and summaries, stride 1 and c = l included), Longformer with
 * dilation, and every pattern anticausal: each direction, awkward shapes, column globals, every
 * backend, against the double-precision oracle; bitwise equal across span sizes.
 */
class SparseTransformerOracleTest {

  static Stream<Arguments> cases() {
    int[][] shapes = { // n, heads, d, dv, block, stride, summary, spanBlocks, globals
      {1, 1, 8, 8, 4, 1, 1, 1, 0},
      {7, 1, 16, 16, 4, 3, 1, 4, 1},
      {65, 2, 16, 16, 16, 5, 2, 1, 3},
      {130, 1, 8, 8, 64, 13, 13, 1, 0},
      {200, 3, 24, 16, 16, 16, 4, 4, 2},
      {333, 1, 64, 64, 32, 7, 3, 2, 0},
      {517, 2, 8, 12, 8, 24, 5, 4, 3},
      {300, 1, 16, 16, 8, 1, 1, 4, 0}
    };
    List<Arguments> out = new ArrayList<>();
    for (String backend : BackendsUnderTest.names()) {
      for (String name : List.of("strided", "fixed")) {
        for (int dir = 0; dir < 3; dir++) {
          for (int[] s : shapes) {
            if (backend.equals("opencl") && s[0] > 300) {
              continue; // PoCL launches per residue group are slow; java covers the large ones
            }
            PatternSpec spec =
                PatternSpec.of(
                    name,
                    s[4],
                    7,
                    dir == 1,
                    dir == 2,
                    Map.of(
                        Param.WINDOW,
                        0,
                        Param.RANDOM_BLOCKS,
                        0,
                        Param.STRIDE,
                        s[5],
                        Param.SUMMARY,
                        s[6],
                        Param.RADIUS,
                        0));
            out.add(Arguments.of(backend, spec, s));
          }
        }
      }
      for (String name : Families.softmaxAnyDirection()) {
        for (int[] s :
            new int[][] {{65, 2, 16, 16, 16, 5, 2, 1, 3}, {517, 1, 8, 8, 8, 7, 3, 4, 2}}) {
          int dilation = name.equals("longformer") ? 1 + s[0] % 3 : 1;
          out.add(
              Arguments.of(
                  backend,
                  PatternSpec.of(
                      name,
                      s[4],
                      7,
                      false,
                      true,
                      Map.of(
                          Param.WINDOW,
                          9,
                          Param.DILATION,
                          dilation,
                          Param.RANDOM_BLOCKS,
                          2,
                          Param.STRIDE,
                          5,
                          Param.SUMMARY,
                          2,
                          Param.RADIUS,
                          9)),
                  s));
        }
      }
      for (int dilation : new int[] {2, 3}) {
        for (int dir = 0; dir < 2; dir++) {
          int[] s = {200, 2, 16, 8, 16, 1, 1, 2, 2};
          out.add(
              Arguments.of(
                  backend,
                  PatternSpec.of(
                      "longformer",
                      16,
                      7,
                      dir == 1,
                      false,
                      Map.of(
                          Param.WINDOW,
                          20,
                          Param.DILATION,
                          dilation,
                          Param.RANDOM_BLOCKS,
                          0,
                          Param.STRIDE,
                          1)),
                  s));
        }
      }
    }
    return out.stream();
  }

  /** Every pattern and direction with padding (a tail and scattered rows, some of them global). */
  static Stream<Arguments> paddedCases() {
    List<Arguments> out = new ArrayList<>();
    for (String backend : BackendsUnderTest.names()) {
      for (String name : Families.softmaxAnyDirection()) {
        for (int dir = 0; dir < 3; dir++) {
          PatternSpec spec =
              PatternSpec.of(
                  name,
                  8,
                  7,
                  dir == 1,
                  dir == 2,
                  Map.of(
                      Param.WINDOW,
                      6,
                      Param.DILATION,
                      2,
                      Param.RANDOM_BLOCKS,
                      2,
                      Param.STRIDE,
                      6,
                      Param.SUMMARY,
                      2,
                      Param.RADIUS,
                      6));
          out.add(Arguments.of(backend, spec, 71, new int[] {0, 5, 13, 14, 40, 63, 64, 65, 70}));
          out.add(Arguments.of(backend, spec, 9, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8}));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} n={2}")
  @MethodSource("paddedCases")
  void paddingIsNeitherQueryNorKey(String backend, PatternSpec spec, int n, int[] padding) {
    OracleCheck.check(
        backend,
        spec.build(),
        new HeadShape(2, 8, 8),
        n,
        2,
        OracleCheck.globals(n, 5),
        padding,
        spec.hashCode() + n);
  }

  @ParameterizedTest(name = "{0} {1} n={2}")
  @MethodSource("cases")
  void matchesOracle(String backend, PatternSpec spec, int[] s) {
    OracleCheck.check(
        backend,
        spec.build(),
        new HeadShape(s[1], s[2], s[3]),
        s[0],
        s[7],
        OracleCheck.globals(s[0], s[8]),
        spec.hashCode() * 31L + s[0]);
  }
}
