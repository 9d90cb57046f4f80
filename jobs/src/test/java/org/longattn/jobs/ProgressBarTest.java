package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The progress bar's text and ETA; and that tests (no terminal) never get one. */
class ProgressBarTest {
  @Test
  void lineShowsCountsAndEta() {
    String l = Progress.Bar.line("attend", 3, 25, 100, 10.0);
    assertEquals("[attend] stage 3 [######..................] 25/100 tasks, 10 s, ETA 30 s", l);
    assertTrue(l.length() <= 79, l);
    assertTrue(Progress.Bar.line("attend", 3, 0, 100, 5.0).endsWith("ETA ?"));
    assertTrue(Progress.Bar.line("attend", 3, 100, 100, 5.0).contains("ETA 0 s"));
  }

  @Test
  void noBarWithoutATerminal() {
    assertFalse(Progress.Bar.enabled(), "surefire's stderr is not a terminal");
  }
}
