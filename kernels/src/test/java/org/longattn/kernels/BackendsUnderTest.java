package org.longattn.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.longattn.kernels.opencl.OpenClDevices;

/**
 * The backends every kernel contract test runs against: {@code java} always, {@code opencl} on the
 * machine's OpenCL device. Without one, the {@code opencl} cases are skipped with a message —
 * unless OpenCL is required ({@code -Dlongattn.requireOpenCL=true} or {@code
 * LONGATTN_REQUIRE_OPENCL=true}, or {@code CI=true} as {@code .ci/run} sets after installing PoCL),
 * and then they fail.
 */
public final class BackendsUnderTest {
  /** System property that makes a missing OpenCL device a test failure. */
  public static final String REQUIRE_OPENCL = "longattn.requireOpenCL";

  private BackendsUnderTest() {}

  public static List<String> names() {
    return List.of("java", "opencl");
  }

  public static AttentionBackend create(String name) {
    if (name.equals("opencl")) {
      assumeOpenCl();
    }
    return Backends.create(name);
  }

  /** Whether this run must test the OpenCL backend (CI). */
  public static boolean openClRequired() {
    return Boolean.getBoolean(REQUIRE_OPENCL)
        || "true".equalsIgnoreCase(System.getenv("LONGATTN_REQUIRE_OPENCL"))
        || "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Skips the calling test (or fails it when OpenCL is required) if there is no OpenCL device. */
  public static void assumeOpenCl() {
    if (!OpenClDevices.all().isEmpty()) {
      return;
    }
    if (openClRequired()) {
      fail(
          "OpenCL is required (-D"
              + REQUIRE_OPENCL
              + "=true) but no OpenCL device was found: apt-get install -y pocl-opencl-icd"
              + " ocl-icd-libopencl1 clinfo");
    }
    Assumptions.abort(
        "opencl skipped: no OpenCL device on this machine (apt-get install -y pocl-opencl-icd"
            + " ocl-icd-libopencl1; CI runs these with -D"
            + REQUIRE_OPENCL
            + "=true)");
  }
}
