package org.longattn.jobs.advise;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.longattn.datasets.InputException;
import org.longattn.kernels.pattern.PatternSpec;

/**
 * One candidate pattern of {@code advise}: the name exactly as the user wrote it and the {@link
 * PatternSpec} it stands for, so the key set is the one {@code attend --pattern …} would use.
 *
 * <p>Syntax of a list: items separated by commas, each {@code family} followed by {@code
 * :key=value} parts, e.g. {@code longformer:w=64,bigbird:b=64:r=3,sink:s=4:w=256,dense}. Keys
 * (short or long form) and the attend flag each one sets:
 *
 * <pre>
 *   b, block      --block-size      every family (default 64)
 *   w, window     --window          longformer, sink (default 256)
 *   d, dilation   --dilation        longformer (default 1)
 *   r, random     --random-blocks   bigbird (default 3)
 *   seed          --seed            bigbird (default 0)
 *   s, sinks      --sinks           sink (default 4)
 *   l, stride     --stride          strided, fixed (default 128)
 *   c, summary    --summary         fixed (default min(8, stride))
 * </pre>
 *
 * Global tokens are not a parameter: they are the table's {@code global} column and the pattern's
 * own (BigBird's first and last block), as {@code attend} applies them.
 */
public record Candidate(String name, PatternSpec spec) implements Serializable {

  /** Long form of each short key. */
  private static final Map<String, String> ALIASES =
      Map.ofEntries(
          Map.entry("b", "block"),
          Map.entry("w", "window"),
          Map.entry("d", "dilation"),
          Map.entry("r", "random"),
          Map.entry("s", "sinks"),
          Map.entry("l", "stride"),
          Map.entry("c", "summary"),
          Map.entry("block", "block"),
          Map.entry("window", "window"),
          Map.entry("dilation", "dilation"),
          Map.entry("random", "random"),
          Map.entry("sinks", "sinks"),
          Map.entry("stride", "stride"),
          Map.entry("summary", "summary"),
          Map.entry("seed", "seed"));

  /** The keys each family takes (besides {@code block}). */
  private static final Map<String, Set<String>> KEYS =
      Map.of(
          "dense", Set.of(),
          "blocked", Set.of(),
          "longformer", Set.of("window", "dilation"),
          "bigbird", Set.of("random", "seed"),
          "sink", Set.of("sinks", "window"),
          "strided", Set.of("stride"),
          "fixed", Set.of("stride", "summary"));

  /**
   * Parses a candidate list; {@code causal} (the model's attention is causal) makes every candidate
   * causal.
   *
   * @throws InputException naming the item and what is wrong with it
   */
  public static List<Candidate> parseList(String list, boolean causal) {
    List<Candidate> out = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (String item : list.split(",", -1)) {
      Candidate c = parse(item.trim(), causal);
      if (!names.add(c.name)) {
        throw new InputException("--candidates: '" + c.name + "' is listed twice");
      }
      out.add(c);
    }
    return out;
  }

  /** One item, e.g. {@code bigbird:b=64:r=3}. */
  static Candidate parse(String item, boolean causal) {
    if (item.isEmpty()) {
      throw new InputException("--candidates: empty item (items are separated by commas)");
    }
    String[] parts = item.split(":", -1);
    String family = parts[0];
    Set<String> allowed = KEYS.get(family);
    if (allowed == null) {
      throw new InputException(
          "--candidates: unknown family '"
              + family
              + "' in '"
              + item
              + "' (one of "
              + String.join(", ", PatternSpec.SOFTMAX_NAMES)
              + ")");
    }
    Map<String, Long> values = new LinkedHashMap<>();
    for (int p = 1; p < parts.length; p++) {
      int eq = parts[p].indexOf('=');
      String key = eq < 0 ? parts[p] : parts[p].substring(0, eq);
      String longKey = ALIASES.get(key);
      if (eq < 0 || longKey == null || !(longKey.equals("block") || allowed.contains(longKey))) {
        throw new InputException(
            "--candidates: '"
                + parts[p]
                + "' in '"
                + item
                + "' is not a key=value of "
                + family
                + " (keys: b"
                + (allowed.isEmpty()
                    ? ""
                    : ", " + String.join(", ", new java.util.TreeSet<>(allowed)))
                + ")");
      }
      long v;
      try {
        v = Long.parseLong(parts[p].substring(eq + 1));
      } catch (NumberFormatException e) {
        throw new InputException(
            "--candidates: '" + parts[p] + "' in '" + item + "': the value is not an integer");
      }
      if (!longKey.equals("seed") && (v < 0 || v > Integer.MAX_VALUE)) {
        throw new InputException(
            "--candidates: '" + parts[p] + "' in '" + item + "': the value is out of range");
      }
      if (values.put(longKey, v) != null) {
        throw new InputException("--candidates: '" + key + "' given twice in '" + item + "'");
      }
    }
    int stride = intOr(values, "stride", PatternSpec.DEFAULT_STRIDE);
    try {
      PatternSpec spec =
          new PatternSpec(
              family,
              intOr(values, "block", 64),
              intOr(values, "window", 256),
              intOr(values, "dilation", 1),
              intOr(values, "random", 3),
              values.getOrDefault("seed", 0L),
              causal,
              PatternSpec.DEFAULT_ORDER,
              stride,
              intOr(values, "summary", Math.min(PatternSpec.DEFAULT_SUMMARY, Math.max(1, stride))),
              false,
              PatternSpec.DEFAULT_FEATURES,
              PatternSpec.DEFAULT_RANK,
              intOr(values, "sinks", PatternSpec.DEFAULT_SINKS));
      spec.build();
      return new Candidate(item, spec);
    } catch (IllegalArgumentException e) {
      throw new InputException("--candidates: '" + item + "': " + e.getMessage());
    }
  }

  private static int intOr(Map<String, Long> values, String key, int fallback) {
    Long v = values.get(key);
    return v == null ? fallback : (int) (long) v;
  }
}
