package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.opencl.OpenClDevices;

/**
 * {@code attend --backend opencl} through the real CLI in local[2] (two task threads, each with its
 * own pooled kernel) against the double-precision oracle, and the device recorded in {@code
 * _longattn.json}. A smaller sibling of {@link AttendEndToEndTest}. Needs an OpenCL device (PoCL in
 * CI) and libjsig preloaded (OpenCL runtimes replace the JVM's signal handlers): skipped without
 * them, failed without them when {@code -Dlongattn.requireOpenCL=true}.
 */
class OpenClEndToEndTest {
  @TempDir static Path tmp;

  @BeforeAll
  static void needsOpenClAndLibjsig() {
    BackendsUnderTest.assumeOpenCl();
    if (!OpenClDevices.libjsigPreloaded()) {
      String msg =
          "opencl end-to-end needs LD_PRELOAD=$JAVA_HOME/lib/libjsig.so (as .ci/run and"
              + " bin/longattn set it): without it the JVM may crash (exit 139)";
      if (BackendsUnderTest.openClRequired()) {
        fail(msg);
      }
      Assumptions.abort(msg + " — skipped");
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of( // id, pattern, causal, n1, n2, heads, block
        Arguments.of(0, "bigbird", false, 1337, 70, 2, 32),
        Arguments.of(1, "longformer", true, 900, 33, 1, 16),
        Arguments.of(2, "dense", false, 300, 5, 2, 64),
        Arguments.of(3, "blocked", true, 777, 1, 3, 16));
  }

  @ParameterizedTest(name = "#{0} {1} causal={2} n={3},{4} heads={5} block={6}")
  @MethodSource("cases")
  void attendOnOpenClMatchesOracle(
      int id, String pattern, boolean causal, int n1, int n2, int heads, int block)
      throws Exception {
    String out =
        new OracleCase(id, pattern, causal, n1, n2, heads, block)
            .runAndCheck(tmp, id * 17L, "--backend", "opencl");
    String info = Files.readString(Path.of(out, "_longattn.json"));
    String device = "opencl on " + OpenClDevices.describe(OpenClDevices.get(-1));
    assertTrue(info.contains(device), "_longattn.json records " + device + ": " + info);
  }
}
