package org.longattn.jobs.attend;

import java.util.List;

/**
 * How the per-head states of a distribution shape combine, over their encoded payloads (see {@link
 * IndexedStates}): what {@link StateRounds} folds. Implementations associate with the index-only
 * tree of {@code TreeFold}, so every fold is bitwise the same whatever the partitioning.
 */
interface StateMonoid extends java.io.Serializable {
  /** The fold of an aligned run of sibling payloads, in index order ({@code TreeFold}). */
  byte[] fold(List<byte[]> items);

  /** A monoid that also scans: the causal linear families' carry-ins. */
  interface Scan extends StateMonoid {
    /**
     * The exclusive prefixes of an aligned run of sibling payloads (in index order) whose first
     * item is item {@code first} of its level, given {@code carryIn} = the prefix of that item
     * (ignored when {@code first} is 0: the identity) — {@code TreeScan}'s rule.
     */
    List<byte[]> scan(List<byte[]> items, long first, byte[] carryIn);
  }
}
