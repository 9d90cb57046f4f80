package org.longattn.kernels;

import java.util.List;
import org.longattn.kernels.cpu.JavaAttentionBackend;

/** Picks an {@link AttentionBackend} by name, once per task thread. */
public final class Backends {
  /** Names accepted by {@link #create}. */
  public static final List<String> NAMES = List.of("auto", "java");

  private Backends() {}

  /** A new backend: {@code java}, or {@code auto} (the best available: {@code java} on CPUs). */
  public static AttentionBackend create(String name) {
    return switch (name) {
      case "java", "auto" -> new JavaAttentionBackend();
      default ->
          throw new IllegalArgumentException(
              "unknown backend '" + name + "' (expected one of " + NAMES + ")");
    };
  }
}
