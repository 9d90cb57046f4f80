package org.longattn.kernels;

import java.util.List;
import org.longattn.kernels.cpu.JavaAttentionBackend;
import org.longattn.kernels.opencl.OpenClAttentionBackend;
import org.longattn.kernels.opencl.OpenClDevices;

/** Picks an {@link AttentionBackend} by name, once per task thread. */
public final class Backends {
  /** Names accepted by {@link #create}. */
  public static final List<String> NAMES = List.of("auto", "java", "opencl");

  private Backends() {}

  /** {@link #create(String, int)} on the default device. */
  public static AttentionBackend create(String name) {
    return create(name, -1);
  }

  /**
   * A new backend: {@code java} (Vector API, CPU), {@code opencl} (Aparapi on OpenCL device {@code
   * deviceIndex}, −1 for the first — a GPU when there is one; see {@link OpenClDevices}), or {@code
   * auto}: {@code opencl} when an OpenCL GPU exists, else {@code java} (a CPU OpenCL such as PoCL
   * is slower than {@code java}). {@code auto} looks for GPUs only in a JVM with libjsig preloaded
   * (as bin/longattn, conf/spark-defaults.conf and .ci/run arrange): loading an OpenCL runtime
   * without it risks random JVM crashes, which a default must not.
   *
   * @param deviceIndex the OpenCL device (e.g. the GPU address Spark assigned the task), −1 for the
   *     default; ignored by {@code java}
   * @throws IllegalStateException for {@code opencl} without a usable OpenCL device (never a silent
   *     fallback)
   */
  public static AttentionBackend create(String name, int deviceIndex) {
    return switch (name) {
      case "java" -> new JavaAttentionBackend();
      case "opencl" -> new OpenClAttentionBackend(deviceIndex);
      case "auto" ->
          OpenClDevices.libjsigPreloaded() && OpenClDevices.hasGpu()
              ? new OpenClAttentionBackend(deviceIndex)
              : new JavaAttentionBackend();
      default ->
          throw new IllegalArgumentException(
              "unknown backend '" + name + "' (expected one of " + NAMES + ")");
    };
  }
}
