package org.longattn.kernels;

import java.util.List;
import org.longattn.kernels.cpu.JavaAttentionBackend;
import org.longattn.kernels.cpu.JavaLinearBackend;
import org.longattn.kernels.opencl.OpenClAttentionBackend;
import org.longattn.kernels.opencl.OpenClDevices;
import org.longattn.kernels.opencl.OpenClLinearBackend;

/**
 * The one device switch: turns a {@code --backend} name into the softmax kernels ({@link
 * #create(String, int)}) or the linear families' kernels ({@link #linear}), by the same rule, once
 * per task thread.
 *
 * <p>{@code java}: the CPU (Vector API, or the scalar implementation where the incubator module is
 * absent — see {@code FloatOpsProvider}); {@code opencl}: Aparapi on OpenCL device {@code
 * deviceIndex} (−1 for the first — a GPU when there is one; see {@link OpenClDevices}); {@code
 * auto}: {@code opencl} when an OpenCL GPU exists, else {@code java} (a CPU OpenCL such as PoCL is
 * slower than {@code java}). {@code auto} looks for GPUs only in a JVM with libjsig preloaded (as
 * bin/longattn, conf/spark-defaults.conf and .ci/run arrange): loading an OpenCL runtime without it
 * risks random JVM crashes, which a default must not.
 */
public final class Backends {
  /** Names accepted by {@link #create} and {@link #linear}. */
  public static final List<String> NAMES = List.of("auto", "java", "opencl");

  private enum Device {
    JAVA,
    OPENCL
  }

  private Backends() {}

  /** {@link #create(String, int)} on the default device. */
  public static AttentionBackend create(String name) {
    return create(name, -1);
  }

  /**
   * A new softmax backend.
   *
   * @param deviceIndex the OpenCL device (e.g. the GPU address Spark assigned the task), −1 for the
   *     default; ignored by {@code java}
   * @throws IllegalArgumentException for an unknown name
   * @throws IllegalStateException for {@code opencl} without a usable OpenCL device (never a silent
   *     fallback)
   */
  public static AttentionBackend create(String name, int deviceIndex) {
    return switch (resolve(name)) {
      case JAVA -> new JavaAttentionBackend();
      case OPENCL -> new OpenClAttentionBackend(deviceIndex);
    };
  }

  /**
   * A linear-family backend, by the same rule as {@link #create(String, int)}.
   *
   * @throws IllegalArgumentException for an unknown name
   * @throws IllegalStateException for {@code opencl} without a usable OpenCL device
   */
  public static LinearAttentionBackend linear(String name, int deviceIndex) {
    return switch (resolve(name)) {
      case JAVA -> JavaLinearBackend.INSTANCE;
      case OPENCL -> new OpenClLinearBackend(deviceIndex);
    };
  }

  private static Device resolve(String name) {
    return switch (name) {
      case "java" -> Device.JAVA;
      case "opencl" -> Device.OPENCL;
      case "auto" ->
          OpenClDevices.libjsigPreloaded() && OpenClDevices.hasGpu() ? Device.OPENCL : Device.JAVA;
      default ->
          throw new IllegalArgumentException(
              "unknown backend '" + name + "' (expected one of " + NAMES + ")");
    };
  }
}
