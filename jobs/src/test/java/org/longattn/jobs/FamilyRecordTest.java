package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.jobs.attend.AttendParams;
import org.longattn.jobs.report.ReportJob;
import org.longattn.kernels.pattern.Direction;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * Every registered family with every parameter it takes away from its default, and every direction
 * it allows, is written to {@code _longattn.json}'s pattern object (as JSON text) and read back by
 * {@code report} ({@link ReportJob#patternOf}) equal to what was written.
 */
class FamilyRecordTest {
  static Stream<Family> families() {
    return Families.all().stream();
  }

  /** A value of p other than its default that every family taking it accepts. */
  private static int nonDefault(Param p) {
    return switch (p) {
      case SUMMARY -> 3; // ≤ the stride below
      case STRIDE -> 12;
      case ORDER -> 3;
      default -> p.defaultValue() + 7;
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void parametersWrittenAreReadBackEqual(Family family) throws Exception {
    Map<Param, Integer> values = new EnumMap<>(Param.class);
    for (Param p : family.params()) {
      values.put(p, nonDefault(p));
    }
    boolean[][] directions =
        family.direction() == Direction.ANY
            ? new boolean[][] {{false, false}, {true, false}, {false, true}}
            : new boolean[][] {{false, false}, {true, false}};
    for (boolean[] dir : directions) {
      if (dir[0] && family.causalRefusal() != null) {
        continue;
      }
      PatternSpec spec = PatternSpec.of(family.name(), 32, 123, dir[0], dir[1], values);
      ObjectMapper json = new ObjectMapper();
      String text = json.writeValueAsString(Map.of("pattern", spec.parameters(), "seed", 123));
      @SuppressWarnings("unchecked")
      Map<String, Object> run = json.readValue(text, Map.class);
      PatternSpec back = ReportJob.patternOf(run);
      assertEquals(spec, back, family.name() + " from " + text);
      for (Param p : family.params()) {
        assertNotEquals(p.defaultValue(), p.of(back), family.name() + " " + p + " read back");
      }
    }
  }

  @org.junit.jupiter.api.Test
  void withPatternKeepsEverythingElse() {
    AttendParams p =
        new AttendParams(
            "in",
            "out",
            true,
            2,
            PatternSpec.of("longformer", 16, 1, false, false, Map.of()),
            true,
            "java",
            64,
            3,
            true,
            "bilinear",
            "w.npy",
            AttendParams.DEFAULT_CONV);
    PatternSpec sink = PatternSpec.of("sink", 16, 1, false, false, Map.of(Param.SINKS, 2));
    AttendParams q = p.withPattern(sink);
    assertEquals(sink, q.pattern());
    assertEquals("bilinear", q.score());
    assertEquals(p, q.withPattern(p.pattern()), "everything but the pattern is kept");
  }
}
