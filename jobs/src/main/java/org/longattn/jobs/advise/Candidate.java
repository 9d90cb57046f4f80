package org.longattn.jobs.advise;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.longattn.datasets.InputException;
import org.longattn.kernels.pattern.Families;
import org.longattn.kernels.pattern.Family;
import org.longattn.kernels.pattern.Param;
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
 *   r, random_blocks --random-blocks bigbird (default 3)
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

  /**
   * The short key of each pattern parameter; the long forms are the parameters' own JSON keys
   * ({@link Param#key()}, e.g. {@code random_blocks}) and, for readers of older lists, {@code
   * random}. Which keys a family takes comes from its declaration ({@link Family#params()}).
   */
  private static final Map<String, Param> SHORT =
      Map.of(
          "w", Param.WINDOW,
          "d", Param.DILATION,
          "r", Param.RANDOM_BLOCKS,
          "random", Param.RANDOM_BLOCKS,
          "s", Param.SINKS,
          "l", Param.STRIDE,
          "c", Param.SUMMARY);

  private static Param param(String key) {
    Param p = SHORT.get(key);
    if (p != null) {
      return p;
    }
    for (Param q : Param.values()) {
      if (q.key().equals(key)) {
        return q;
      }
    }
    return null;
  }

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
    Family family = Families.find(parts[0]).filter(Family::softmax).orElse(null);
    if (family == null) {
      throw new InputException(
          "--candidates: unknown family '"
              + parts[0]
              + "' in '"
              + item
              + "' (one of "
              + String.join(", ", Families.names(Family::softmax))
              + ")");
    }
    List<String> keys = new ArrayList<>(List.of("b"));
    family.params().forEach(q -> keys.add(q.key()));
    if (family.seeded()) {
      keys.add("seed");
    }
    Map<Param, Integer> values = new LinkedHashMap<>();
    Set<String> given = new LinkedHashSet<>();
    int block = 64;
    long seed = 0;
    for (int p = 1; p < parts.length; p++) {
      int eq = parts[p].indexOf('=');
      String key = eq < 0 ? parts[p] : parts[p].substring(0, eq);
      boolean blockKey = key.equals("b") || key.equals("block");
      boolean seedKey = key.equals("seed") && family.seeded();
      Param q = blockKey || seedKey ? null : param(key);
      if (eq < 0 || !(blockKey || seedKey || (q != null && family.params().contains(q)))) {
        throw new InputException(
            "--candidates: '"
                + parts[p]
                + "' in '"
                + item
                + "' is not a key=value of "
                + family.name()
                + " (keys: "
                + String.join(", ", keys)
                + ")");
      }
      long v;
      try {
        v = Long.parseLong(parts[p].substring(eq + 1));
      } catch (NumberFormatException e) {
        throw new InputException(
            "--candidates: '" + parts[p] + "' in '" + item + "': the value is not an integer");
      }
      if (!seedKey && (v < 0 || v > Integer.MAX_VALUE)) {
        throw new InputException(
            "--candidates: '" + parts[p] + "' in '" + item + "': the value is out of range");
      }
      if (!given.add(blockKey ? "block" : seedKey ? "seed" : q.key())) {
        throw new InputException("--candidates: '" + key + "' given twice in '" + item + "'");
      }
      if (blockKey) {
        block = (int) v;
      } else if (seedKey) {
        seed = v;
      } else {
        values.put(q, (int) v);
      }
    }
    try {
      PatternSpec spec = PatternSpec.of(family.name(), block, seed, causal, false, values);
      spec.build();
      return new Candidate(item, spec);
    } catch (IllegalArgumentException e) {
      throw new InputException("--candidates: '" + item + "': " + e.getMessage());
    }
  }
}
