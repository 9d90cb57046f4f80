package org.longattn.kernels.opencl;

import com.aparapi.device.OpenCLDevice;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle {@link AttentionKernel}s per device, shared by the JVM's task threads. A kernel's fields are
 * its arguments, so one kernel serves one thread at a time; and each Aparapi kernel owns a thread
 * pool and compiled programs, so they are reused across tasks instead of made per task.
 */
final class KernelPool {
  private static final Map<OpenCLDevice, ArrayDeque<AttentionKernel>> IDLE = new HashMap<>();

  private KernelPool() {}

  /** An idle kernel for {@code device}, or a new one. */
  static synchronized AttentionKernel borrow(OpenCLDevice device) {
    AttentionKernel k = IDLE.computeIfAbsent(device, d -> new ArrayDeque<>()).poll();
    return k != null ? k : new AttentionKernel();
  }

  /** Gives {@code kernel} back for the next task on {@code device}. */
  static synchronized void giveBack(OpenCLDevice device, AttentionKernel kernel) {
    IDLE.computeIfAbsent(device, d -> new ArrayDeque<>()).push(kernel);
  }
}
