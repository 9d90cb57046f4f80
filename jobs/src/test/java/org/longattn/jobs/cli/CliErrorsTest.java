package org.longattn.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.longattn.datasets.InputException;

/** How failures map to one-line messages. */
class CliErrorsTest {
  @Test
  void inputErrorsAreFoundAnywhereInTheCauseChain() {
    Exception wrapped =
        new RuntimeException(
            "job aborted",
            new IllegalStateException(
                "task failed", new InputException("doc 'd' pos 3 column 'k': NaN at index 1")));
    assertEquals("doc 'd' pos 3 column 'k': NaN at index 1", Cli.userMessage(wrapped));
    Exception textOnly =
        new RuntimeException(
            "Job aborted: ... org.longattn.datasets.InputException: doc 'x' pos"
                + " 9 column 'q': length 3, expected 4\n\tat somewhere");
    assertEquals("doc 'x' pos 9 column 'q': length 3, expected 4", Cli.userMessage(textOnly));
    assertNull(Cli.userMessage(new IllegalStateException("a bug")));
  }

  @Test
  void anUnreachableMasterIsNamedAsSuch() {
    Exception stopped =
        new IllegalStateException(
            "Cannot call methods on a stopped SparkContext.\nThis stopped"
                + " SparkContext was created at: ...");
    String msg = Cli.clusterMessage(new RuntimeException("wrapper", stopped));
    assertTrue(msg.startsWith("cluster unreachable"), msg);
    assertNull(Cli.clusterMessage(new IllegalStateException("a bug")));
  }
}
