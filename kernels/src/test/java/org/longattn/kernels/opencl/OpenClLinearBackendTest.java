package org.longattn.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aparapi.device.JavaDevice;
import com.aparapi.device.OpenCLDevice;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.Backends;
import org.longattn.kernels.BackendsUnderTest;
import org.longattn.kernels.LinearAttentionBackend;
import org.longattn.kernels.TestData;

/**
 * {@link OpenClLinearBackend} against double precision (the same contract as {@code java}, see
 * {@code LinearKernelsTest}): accumulation, application and the causal block, awkward sizes and
 * strided rows, tolerance 1e-5 of the terms' magnitude; and the launches ran on the OpenCL device.
 * Skipped without an OpenCL device (required in CI).
 */
class OpenClLinearBackendTest {
  @BeforeAll
  static void needsOpenCl() {
    BackendsUnderTest.assumeOpenCl();
  }

  @Test
  void accumulateMatchesDoublePrecision() {
    SplittableRandom rng = new SplittableRandom(1);
    try (LinearAttentionBackend cl = Backends.linear("opencl", -1)) {
      for (int[] c : new int[][] {{1, 1, 1}, {7, 3, 5}, {65, 16, 64}, {64, 64, 17}}) {
        int n = c[0];
        int m = c[1];
        int dv = c[2];
        float[] phi = positive(rng, n * (m + 2) + 1);
        float[] v = TestData.gaussian(rng, n * (dv + 1), 1, 1.0);
        float[] s = TestData.gaussian(rng, m * dv, 1, 1.0);
        float[] z = positive(rng, m);
        float[] s0 = s.clone();
        float[] z0 = z.clone();
        cl.accumulate(phi, 1, m + 2, v, 0, dv + 1, n, m, dv, s, z);
        for (int i = 0; i < m; i++) {
          double zi = z0[i];
          for (int j = 0; j < n; j++) {
            zi += phi[1 + j * (m + 2) + i];
          }
          assertEquals(zi, z[i], 1e-5 * zi);
          for (int x = 0; x < dv; x++) {
            double ref = s0[i * dv + x];
            double mag = Math.abs(ref);
            for (int j = 0; j < n; j++) {
              double t = (double) phi[1 + j * (m + 2) + i] * v[j * (dv + 1) + x];
              ref += t;
              mag += Math.abs(t);
            }
            assertEquals(ref, s[i * dv + x], 1e-5 * (1 + mag), "S n=" + n + " m=" + m);
          }
        }
      }
    }
  }

  @Test
  void applyAndApplyCausalMatchDoublePrecision() {
    SplittableRandom rng = new SplittableRandom(2);
    try (LinearAttentionBackend cl = Backends.linear("opencl", -1)) {
      for (int[] c : new int[][] {{1, 1, 1}, {5, 3, 7}, {64, 16, 64}, {33, 64, 8}}) {
        for (boolean causal : new boolean[] {false, true}) {
          check(cl, rng, c[0], c[1], c[2], causal);
        }
      }
    }
  }

  private static void check(
      LinearAttentionBackend cl, SplittableRandom rng, int n, int m, int dv, boolean causal) {
    float[] phi = positive(rng, n * (m + 1));
    float[] psi = positive(rng, n * m);
    float[] v = TestData.gaussian(rng, n * dv, 1, 1.0);
    float[] s = TestData.gaussian(rng, m * dv, 1, 1.0);
    float[] z = positive(rng, m);
    float[] out = new float[n * (dv + 3)];
    if (causal) {
      cl.applyCausal(phi, 0, m + 1, psi, 0, m, v, 0, dv, n, m, dv, s, z, out, 2, dv + 3);
    } else {
      cl.apply(phi, 0, m + 1, n, m, dv, s, z, out, 2, dv + 3);
    }
    for (int r = 0; r < n; r++) {
      double den = 0;
      double[] a = new double[n];
      for (int i = 0; i < m; i++) {
        den += (double) phi[r * (m + 1) + i] * z[i];
      }
      for (int j = 0; causal && j <= r; j++) {
        for (int i = 0; i < m; i++) {
          a[j] += (double) phi[r * (m + 1) + i] * psi[j * m + i];
        }
        den += a[j];
      }
      for (int x = 0; x < dv; x++) {
        double num = 0;
        double mag = 0;
        for (int i = 0; i < m; i++) {
          double t = (double) phi[r * (m + 1) + i] * s[i * dv + x];
          num += t;
          mag += Math.abs(t);
        }
        for (int j = 0; causal && j <= r; j++) {
          num += a[j] * v[j * dv + x];
          mag += Math.abs(a[j] * v[j * dv + x]);
        }
        assertEquals(
            num / den,
            out[2 + r * (dv + 3) + x],
            1e-5 * (1 + mag / den),
            "n=" + n + " m=" + m + " dv=" + dv + " causal=" + causal + " r=" + r);
      }
    }
  }

  /** Aparapi's profile: the kernel ran on the OpenCL device, never on its Java thread pool. */
  @Test
  void ranOnTheDevice() {
    OpenCLDevice device = OpenClDevices.get(-1);
    try (LinearAttentionBackend cl = Backends.linear("opencl", -1)) {
      assertEquals("opencl", cl.name());
      assertEquals(OpenClDevices.describe(device), cl.device());
      cl.apply(
          new float[] {1f}, 0, 1, 1, 1, 1, new float[] {3f}, new float[] {2f}, new float[1], 0, 1);
    }
    LinearStateKernel k = new LinearStateKernel();
    assertFalse(Double.isNaN(k.getAccumulatedExecutionTimeAllThreads(device)), "ran on device");
    assertTrue(Double.isNaN(k.getAccumulatedExecutionTimeAllThreads(JavaDevice.THREAD_POOL)));
  }

  private static float[] positive(SplittableRandom rng, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (0.05 + rng.nextDouble());
    }
    return a;
  }
}
