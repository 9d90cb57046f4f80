package org.longattn.kernels;

import java.util.List;

/** The backends every kernel contract test runs against. */
public final class BackendsUnderTest {
  private BackendsUnderTest() {}

  public static List<String> names() {
    return List.of("java");
  }

  public static AttentionBackend create(String name) {
    return Backends.create(name);
  }
}
