package org.longattn.kernels.pattern;

import java.nio.charset.StandardCharsets;

/** Stable seeds: the same on every JVM, executor and run. */
public final class Seeds {
  private Seeds() {}

  /** 64-bit FNV-1a of the UTF-8 bytes of a document id, finished with a SplitMix64 mix. */
  public static long docHash(String docId) {
    long h = 0xcbf29ce484222325L;
    for (byte b : docId.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return splitMix(h);
  }

  /** Mixes several values into one seed (order matters). */
  public static long mix(long... parts) {
    long h = 0x9E3779B97F4A7C15L;
    for (long p : parts) {
      h = splitMix(h ^ p);
    }
    return h;
  }

  private static long splitMix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
