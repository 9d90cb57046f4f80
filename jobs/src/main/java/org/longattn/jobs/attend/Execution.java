package org.longattn.jobs.attend;

import org.longattn.kernels.span.HeadShape;

/**
 * One distribution shape of {@code attend}: maps a planned input ({@link InputStage}) to the lazy
 * output rows and the facts of its run record ({@link AttendResult}). Chosen once per run by {@link
 * AttendEngine}: {@link SpanExecution} (routing by the pattern: softmax patterns, conv-band),
 * {@link TileExecution} (dense exact over tiles), {@link ScanExecution} (linear families: reduction
 * or scan over monoid states), {@link SpectralExecution} (Hyena: spectra between spans); {@link
 * CrossExecution} (cross-attention over tiles) has an entry of its own, having a second input.
 */
interface Execution {
  /** Checks the parameters alone, before anything is read; throws {@code InputException}. */
  default void checkParameters(AttendParams p) {}

  /** Checks the head shape the input stage found, before the rows are decoded. */
  default void checkShape(HeadShape shape, int[] lengths) {}

  /** The backend and device that will run, as {@code _longattn.json} records them. */
  String device(AttendParams p);

  /** The "plan" progress line's text. */
  String describe(PlannedInput in);

  /** The output rows (lazy) and the facts the run record gets once they are computed. */
  AttendResult run(PlannedInput in);
}
