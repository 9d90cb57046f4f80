package org.longattn.kernels.span;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * Every pattern × causal × awkward shapes, every backend, against the double-precision oracle
 * within {@link Tolerance#REL}; and bitwise equality across span sizes.
 */
class SpanAttentionOracleTest {

  record Case(
      String pattern,
      boolean causal,
      int n,
      int heads,
      int d,
      int dv,
      int block,
      int window,
      int random,
      int spanBlocks,
      int globals) {
    @Override
    public String toString() {
      return pattern
          + (causal ? "+causal" : "")
          + " n="
          + n
          + " "
          + heads
          + "x"
          + d
          + "/"
          + dv
          + " b="
          + block
          + " w="
          + window
          + " r="
          + random
          + " span="
          + spanBlocks
          + " g="
          + globals;
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    int[][] shapes = { // n, heads, d, dv, block
      {1, 1, 8, 8, 4},
      {7, 1, 16, 16, 4},
      {64, 1, 32, 32, 16},
      {65, 2, 16, 16, 16},
      {200, 3, 24, 16, 16},
      {333, 1, 64, 64, 32},
      {517, 2, 8, 12, 8}
    };
    for (String pattern : Families.softmaxAnyDirection()) {
      for (boolean causal : new boolean[] {false, true}) {
        for (int[] s : shapes) {
          for (String backend : BackendsUnderTest.names()) {
            int window = s[0] < 50 ? 3 * s[0] : 37; // also wider than the document
            int spanBlocks = s[0] % 2 == 0 ? 1 : 4;
            int globals = pattern.equals("dense") ? 1 : 3;
            out.add(
                Arguments.of(
                    backend,
                    new Case(
                        pattern,
                        causal,
                        s[0],
                        s[1],
                        s[2],
                        s[3],
                        s[4],
                        window,
                        2,
                        spanBlocks,
                        globals)));
          }
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void matchesOracle(String backendName, Case c) {
    AttentionPattern p =
        PatternSpec.of(
                c.pattern,
                c.block,
                42,
                c.causal,
                false,
                Map.of(
                    Param.WINDOW, c.window, Param.RANDOM_BLOCKS, c.random, Param.RADIUS, c.window))
            .build();
    OracleCheck.check(
        backendName,
        p,
        new HeadShape(c.heads, c.d, c.dv),
        c.n,
        c.spanBlocks,
        OracleCheck.globals(c.n, c.globals),
        c.hashCode());
  }
}
