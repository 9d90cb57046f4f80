package org.longattn.kernels.pattern;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Predicate;

/**
 * The registry of attention families: every {@link Family} declared in {@code
 * META-INF/services/org.longattn.kernels.pattern.Family}, in that file's order (the order of
 * messages and listings). The CLI's flags, {@code _longattn.json} (written by {@link
 * PatternSpec#parameters()}, read back by {@link #read}), {@code pattern}, {@code report} and
 * {@code bench} go through it.
 */
public final class Families {
  private static final List<Family> ALL = load();

  private Families() {}

  private static List<Family> load() {
    List<Family> all = new ArrayList<>();
    for (Family f : ServiceLoader.load(Family.class, Family.class.getClassLoader())) {
      if (all.stream().anyMatch(g -> g.name().equals(f.name()))) {
        throw new IllegalStateException("family '" + f.name() + "' is declared twice");
      }
      all.add(f);
    }
    return List.copyOf(all);
  }

  /** Every registered family, in registry order. */
  public static List<Family> all() {
    return ALL;
  }

  /** The family named {@code name}, if registered. */
  public static Optional<Family> find(String name) {
    for (Family f : ALL) {
      if (f.name().equals(name)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  /** The family named {@code name}; an unknown name is refused with the names there are. */
  public static Family of(String name) {
    return find(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "--pattern must be one of "
                        + names(f -> f.shape() != Shape.SCAN)
                        + " or "
                        + names(f -> f.shape() == Shape.SCAN)
                        + ", got '"
                        + name
                        + "'"));
  }

  /** The names of the families that pass {@code which}, in registry order. */
  public static List<String> names(Predicate<Family> which) {
    return ALL.stream().filter(which).map(Family::name).toList();
  }

  /** The softmax families that take every direction (no causal-only or anticausal-only ones). */
  public static List<String> softmaxAnyDirection() {
    return names(f -> f.softmax() && f.direction() == Direction.ANY);
  }

  /** The names of the families taking {@code p}, joined with " or " (for messages). */
  public static String taking(Param p) {
    return String.join(" or ", names(f -> f.params().contains(p)));
  }

  /**
   * The spec a run record's {@code pattern} object describes ({@link PatternSpec#parameters()} read
   * back): every parameter the object holds, the others at their defaults; the seed from the
   * object, else {@code runSeed} (the record's top-level seed).
   */
  public static PatternSpec read(Map<?, ?> pattern, long runSeed) {
    Map<Param, Integer> values = new EnumMap<>(Param.class);
    for (Param p : Param.values()) {
      if (pattern.get(p.key()) instanceof Number n) {
        values.put(p, n.intValue());
      }
    }
    return PatternSpec.of(
        String.valueOf(pattern.get("name")),
        pattern.get("block_size") instanceof Number b ? b.intValue() : 64,
        pattern.get("seed") instanceof Number s ? s.longValue() : runSeed,
        Boolean.TRUE.equals(pattern.get("causal")),
        Boolean.TRUE.equals(pattern.get("anticausal")),
        values);
  }
}
