package org.longattn.kernels;

import org.longattn.kernels.cpu.JavaLinearBackend;
import org.longattn.kernels.opencl.OpenClDevices;
import org.longattn.kernels.opencl.OpenClLinearBackend;

/** Picks a {@link LinearAttentionBackend} by name, with {@link Backends}' rules and names. */
public final class LinearBackends {
  private LinearBackends() {}

  /**
   * {@code java}, {@code opencl} (OpenCL device {@code deviceIndex}, −1 for the default) or {@code
   * auto} (opencl on a GPU with libjsig preloaded, else java), as {@link Backends#create(String,
   * int)}.
   *
   * @throws IllegalStateException for {@code opencl} without a usable OpenCL device
   */
  public static LinearAttentionBackend create(String name, int deviceIndex) {
    return switch (name) {
      case "java" -> JavaLinearBackend.INSTANCE;
      case "opencl" -> new OpenClLinearBackend(deviceIndex);
      case "auto" ->
          OpenClDevices.libjsigPreloaded() && OpenClDevices.hasGpu()
              ? new OpenClLinearBackend(deviceIndex)
              : JavaLinearBackend.INSTANCE;
      default ->
          throw new IllegalArgumentException(
              "unknown backend '" + name + "' (expected one of " + Backends.NAMES + ")");
    };
  }
}
