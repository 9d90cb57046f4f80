package org.longattn.kernels.opencl;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import java.util.HashSet;
import java.util.Set;
import org.longattn.kernels.LinearAttentionBackend;

/**
 * {@code opencl} for the linear families: {@link LinearStateKernel} on one OpenCL device. The host
 * copies the (possibly strided) rows into dense arrays, launches, and copies results back; every
 * launch is checked, like {@link OpenClAttentionBackend}'s, to have run on the device (never a Java
 * fallback). The first backend made for a device in a JVM runs a probe accumulation and checks its
 * result. Not thread-safe: one instance per task thread; {@link #close} returns its kernel to the
 * JVM-wide {@link KernelPool}.
 */
public final class OpenClLinearBackend implements LinearAttentionBackend {
  private static final Set<OpenCLDevice> PROBED = new HashSet<>();

  private final OpenCLDevice device;
  private final String description;
  private LinearStateKernel kernel;

  /** A backend on OpenCL device {@code deviceIndex} (−1: the default, a GPU when there is one). */
  public OpenClLinearBackend(int deviceIndex) {
    this.device = OpenClDevices.get(deviceIndex);
    this.description = OpenClDevices.describe(device);
    this.kernel = KernelPool.borrow(device, LinearStateKernel.class, LinearStateKernel::new);
    probeOnce();
  }

  @Override
  public String name() {
    return "opencl";
  }

  @Override
  public String device() {
    return description;
  }

  @Override
  public void accumulate(
      float[] phi,
      int pOff,
      int pStride,
      float[] v,
      int vOff,
      int vStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z) {
    if (n == 0) {
      return;
    }
    LinearStateKernel k = kernel();
    k.phi = dense(k.phi, phi, pOff, pStride, n, m);
    k.v = dense(k.v, v, vOff, vStride, n, dv);
    k.s = dense(k.s, s, 0, dv, m, dv);
    k.z = dense(k.z, z, 0, m, 1, m);
    launch(k, LinearStateKernel.ACCUMULATE, n, m, dv, m * dv + m);
    System.arraycopy(k.s, 0, s, 0, m * dv);
    System.arraycopy(k.z, 0, z, 0, m);
  }

  @Override
  public void apply(
      float[] phi,
      int pOff,
      int pStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z,
      float[] out,
      int oOff,
      int oStride) {
    applyCausal(phi, pOff, pStride, null, 0, 0, null, 0, 0, n, m, dv, s, z, out, oOff, oStride);
  }

  @Override
  public void applyCausal(
      float[] phi,
      int pOff,
      int pStride,
      float[] psi,
      int kOff,
      int kStride,
      float[] v,
      int vOff,
      int vStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z,
      float[] out,
      int oOff,
      int oStride) {
    if (n == 0) {
      return;
    }
    LinearStateKernel k = kernel();
    k.phi = dense(k.phi, phi, pOff, pStride, n, m);
    if (psi != null) {
      k.psi = dense(k.psi, psi, kOff, kStride, n, m);
      k.v = dense(k.v, v, vOff, vStride, n, dv);
    }
    k.s = dense(k.s, s, 0, dv, m, dv);
    k.z = dense(k.z, z, 0, m, 1, m);
    k.out = ensure(k.out, n * dv);
    int mode = psi == null ? LinearStateKernel.APPLY : LinearStateKernel.APPLY_CAUSAL;
    launch(k, mode, n, m, dv, n * dv);
    for (int r = 0; r < n; r++) {
      System.arraycopy(k.out, r * dv, out, oOff + r * oStride, dv);
    }
  }

  private LinearStateKernel kernel() {
    if (kernel == null) {
      throw new IllegalStateException("opencl backend used after close()");
    }
    return kernel;
  }

  private void launch(LinearStateKernel k, int mode, int n, int m, int dv, int work) {
    k.mode = mode;
    k.n = n;
    k.m = m;
    k.dv = dv;
    k.work = work;
    int group = OpenClAttentionBackend.WORK_GROUP;
    try {
      k.execute(Range.create(device, (work + group - 1) / group * group, group));
    } catch (AssertionError e) { // how Aparapi reports a failed build on a user-chosen device
      throw new IllegalStateException(
          "opencl: Aparapi could not run the kernel on " + description + ": " + e.getMessage(), e);
    }
    OpenClAttentionBackend.checkRanOn(k, device, description);
  }

  /** Rows of {@code src} packed densely into {@code dst} (grown when too small). */
  private static float[] dense(float[] dst, float[] src, int off, int stride, int n, int width) {
    dst = ensure(dst, n * width);
    for (int r = 0; r < n; r++) {
      System.arraycopy(src, off + r * stride, dst, r * width, width);
    }
    return dst;
  }

  private static float[] ensure(float[] a, int n) {
    return a.length >= n ? a : new float[Math.max(n, a.length * 3 / 2)];
  }

  private void probeOnce() {
    synchronized (PROBED) {
      if (PROBED.contains(device)) {
        return;
      }
      float[] s = new float[2];
      float[] z = new float[1];
      try {
        accumulate(new float[] {2f, 3f}, 0, 1, new float[] {1f, 4f, 5f, 6f}, 0, 2, 2, 1, 2, s, z);
      } catch (RuntimeException e) {
        close();
        throw e;
      }
      if (s[0] != 17f || s[1] != 26f || z[0] != 5f) {
        close();
        throw new IllegalStateException(
            "opencl: probe launch on " + description + " gave a wrong result");
      }
      PROBED.add(device);
    }
  }

  @Override
  public void close() {
    if (kernel != null) {
      KernelPool.giveBack(device, kernel);
      kernel = null;
    }
  }
}
