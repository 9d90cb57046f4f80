package org.longattn.jobs;

import org.longattn.jobs.cli.Cli;

/**
 * The one entry point: {@code bin/longattn CMD …} embedded, or {@code spark-submit --class
 * org.longattn.jobs.Main longattn-jobs-VERSION-all.jar CMD …} on a cluster.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = Cli.run(args);
    System.exit(code);
  }
}
