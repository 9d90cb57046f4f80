package org.longattn.kernels.vectorization;

/**
 * Chooses the JVM's {@link FloatOps} once, at first use: {@link PanamaFloatOps} when the module
 * {@code jdk.incubator.vector} is in the boot layer (the project's JVM flags add it), else {@link
 * ScalarFloatOps}. The system property {@code longattn.kernels} overrides: {@code scalar} forces
 * the scalar implementation, {@code vector} requires the Vector API (startup fails without it),
 * {@code auto} (the default) chooses as above. The Vector API class is loaded by name only after
 * the module is found, so a JVM without the module never touches a vector type.
 */
public final class FloatOpsProvider {
  /** The system property that overrides the choice. */
  public static final String PROPERTY = "longattn.kernels";

  /** Lanes of the scalar implementation when it is chosen. */
  static final int SCALAR_LANES = 8;

  static final FloatOps INSTANCE = choose(System.getProperty(PROPERTY, "auto"));

  private FloatOpsProvider() {}

  /** Whether the Vector API module is present in this JVM. */
  public static boolean vectorModulePresent() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /**
   * The implementation for a setting of {@link #PROPERTY}.
   *
   * @throws IllegalArgumentException for an unknown setting
   * @throws IllegalStateException for {@code vector} without the module
   */
  public static FloatOps choose(String setting) {
    switch (setting) {
      case "scalar":
        return new ScalarFloatOps(SCALAR_LANES);
      case "vector":
        if (!vectorModulePresent()) {
          throw new IllegalStateException(
              "-D" + PROPERTY + "=vector needs --add-modules=jdk.incubator.vector");
        }
        return panama();
      case "auto":
        return vectorModulePresent() ? panama() : new ScalarFloatOps(SCALAR_LANES);
      default:
        throw new IllegalArgumentException(
            "-D" + PROPERTY + "=" + setting + ": expected auto, vector or scalar");
    }
  }

  private static FloatOps panama() {
    try {
      return (FloatOps)
          Class.forName("org.longattn.kernels.vectorization.PanamaFloatOps")
              .getDeclaredConstructor()
              .newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot load the Vector API kernels", e);
    }
  }
}
