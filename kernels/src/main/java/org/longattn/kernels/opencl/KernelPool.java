package org.longattn.kernels.opencl;

import com.aparapi.Kernel;
import com.aparapi.device.OpenCLDevice;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The JVM's one pool of idle Aparapi kernels, per device and kernel class, shared by the task
 * threads of both OpenCL backends. A kernel's fields are its arguments, so one kernel serves one
 * thread at a time; and each Aparapi kernel owns a thread pool and compiled programs, so they are
 * reused across tasks instead of made per task.
 */
final class KernelPool {
  private record Slot(OpenCLDevice device, Class<? extends Kernel> type) {}

  private static final Map<Slot, ArrayDeque<Kernel>> IDLE = new HashMap<>();

  private KernelPool() {}

  /** An idle kernel of {@code type} for {@code device}, or a new one from {@code make}. */
  static synchronized <K extends Kernel> K borrow(
      OpenCLDevice device, Class<K> type, Supplier<K> make) {
    Kernel k = IDLE.computeIfAbsent(new Slot(device, type), s -> new ArrayDeque<>()).poll();
    return k != null ? type.cast(k) : make.get();
  }

  /** Gives {@code kernel} back for the next task on {@code device}. */
  static synchronized void giveBack(OpenCLDevice device, Kernel kernel) {
    IDLE.computeIfAbsent(new Slot(device, kernel.getClass()), s -> new ArrayDeque<>()).push(kernel);
  }
}
