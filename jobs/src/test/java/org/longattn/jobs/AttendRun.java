package org.longattn.jobs;

import java.util.ArrayList;
import java.util.List;

/**
 * An {@code attend} command line for end-to-end tests, built by name instead of by hand: {@code
 * AttendRun.of(in, out).pattern("sink").heads(2).flag("--sinks", 5).partitions(3).run()}. Pattern
 * and heads are always explicit (no defaults are left to the CLI).
 */
public final class AttendRun {
  private final List<String> args = new ArrayList<>();

  private AttendRun(String input, String output) {
    args.addAll(List.of("attend", "--input", input, "--output", output));
  }

  /** A run reading {@code input} and writing {@code output}. */
  public static AttendRun of(String input, String output) {
    return new AttendRun(input, output);
  }

  public AttendRun pattern(String name) {
    return flag("--pattern", name);
  }

  public AttendRun heads(int heads) {
    return flag("--heads", heads);
  }

  public AttendRun blockSize(int tokens) {
    return flag("--block-size", tokens);
  }

  public AttendRun spanTokens(int tokens) {
    return flag("--span-tokens", tokens);
  }

  public AttendRun partitions(int partitions) {
    return flag("--partitions", partitions);
  }

  public AttendRun seed(long seed) {
    return flag("--seed", seed);
  }

  public AttendRun stats() {
    return flag("--stats");
  }

  public AttendRun causal() {
    return flag("--causal");
  }

  /** A flag with its value, e.g. {@code flag("--window", 40)}. */
  public AttendRun flag(String name, Object value) {
    args.add(name);
    args.add(String.valueOf(value));
    return this;
  }

  /** A switch, e.g. {@code flag("--anticausal")}. */
  public AttendRun flag(String name) {
    args.add(name);
    return this;
  }

  /** Further arguments as they are, e.g. a case's own flags. */
  public AttendRun flags(List<String> more) {
    args.addAll(more);
    return this;
  }

  /** The command line. */
  public String[] args() {
    return args.toArray(String[]::new);
  }

  /** Runs it in-process ({@link CliRunner}). */
  public CliRunner.Result run() {
    return CliRunner.run(args());
  }

  /** Runs it in a fresh JVM with {@code jvmFlags} added ({@link ChildCli}). */
  public ChildCli.Result runInChild(long timeoutSeconds, List<String> jvmFlags)
      throws java.io.IOException {
    return ChildCli.run(timeoutSeconds, jvmFlags, args());
  }
}
