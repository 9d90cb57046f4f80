package org.longattn.jobs.attend;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.Progress;
import org.longattn.kernels.pattern.Family;

/**
 * The attention engine: a token table in, the output table out — Dataset to Dataset, nothing read
 * or written (the CLI reads Parquet, calls it and hands the result to {@link OutputStage}; {@code
 * org.longattn.ml.LongAttention} calls it from a Spark ML pipeline).
 *
 * <p>One {@link InputStage} (probe, head shape, decoder, plan), then one execution, chosen by how
 * the family is distributed:
 *
 * <table>
 *   <caption>executions</caption>
 *   <tr><th>family</th><th>execution</th></tr>
 *   <tr><td>softmax patterns, conv-band</td><td>{@link SpanExecution}: span routing</td></tr>
 *   <tr><td>dense with a document of more than one span (scaled dot, no padding, not
 *       anticausal)</td><td>{@link TileExecution}: tiles</td></tr>
 *   <tr><td>linear, gated-linear, performer, linformer</td><td>{@link ScanExecution}: scan over
 *       monoid states</td></tr>
 *   <tr><td>hyena</td><td>{@link SpectralExecution}: spectra between spans</td></tr>
 *   <tr><td>cross-attention ({@link #cross})</td><td>{@link CrossExecution}: tiles</td></tr>
 * </table>
 */
public final class AttendEngine {
  private AttendEngine() {}

  /**
   * Attention over any Dataset with the token table's columns (checked as {@code TokenTable.read}
   * checks a Parquet table; {@code p.input()} names it in messages): the output rows, lazy. What
   * the execution persists is freed by Spark's cleaner once the returned Dataset is unreachable;
   * use {@link #run} to free it yourself.
   */
  public static Dataset<Row> attend(Dataset<Row> tokens, AttendParams p) {
    return run(TokenTable.canonical(tokens, p.input()), p).rows();
  }

  /**
   * Checks the parameters alone (before anything is read or an output is claimed).
   *
   * @throws org.longattn.datasets.InputException on a combination the family refuses
   */
  public static void checkParameters(AttendParams p) {
    check(execution(p), p);
  }

  /**
   * The checks every execution shares — the family declares the backend ({@code auto} always
   * resolves to one it has) — then the execution's own.
   */
  private static void check(Execution execution, AttendParams p) {
    Family family = p.pattern().family();
    if (!p.backend().equals("auto") && !family.backends().contains(p.backend())) {
      throw new InputException(
          "--backend "
              + p.backend()
              + ": --pattern "
              + family.name()
              + " has kernels for "
              + String.join(", ", new java.util.TreeSet<>(family.backends()))
              + " only; use --backend auto or java");
    }
    execution.checkParameters(p);
  }

  /**
   * Attention over a token table with the canonical columns ({@code TokenTable.read} or {@code
   * TokenTable.canonical}): the lazy output rows, the run record's facts and what to release.
   */
  public static AttendResult run(Dataset<Row> tokens, AttendParams p) {
    return run(tokens, p, new Progress("attend"));
  }

  /** {@link #run}, reporting its stages to {@code progress}. */
  static AttendResult run(Dataset<Row> tokens, AttendParams p, Progress progress) {
    Execution execution = execution(p);
    check(execution, p);
    PlannedInput in = InputStage.plan(tokens, p, execution, progress);
    progress.stage("plan", execution.describe(in));
    if (execution == SpanExecution.INSTANCE && TileExecution.applies(in)) {
      execution = TileExecution.INSTANCE;
    }
    return execution.run(in);
  }

  /**
   * The input stage alone — the planned input (lengths, head shape, plans, spans, partitions,
   * device) without any execution: what a plan needs before a run (reads {@code doc_id}, {@code
   * pos}, {@code global}, {@code mask} and the first row).
   */
  public static PlannedInput plan(Dataset<Row> tokens, AttendParams p) {
    Execution execution = execution(p);
    check(execution, p);
    return InputStage.plan(tokens, p, execution, new Progress("attend"));
  }

  /**
   * Cross-attention of the query table {@code c.queries()} against a token table with the canonical
   * columns (the keys and values), exact.
   */
  public static AttendResult cross(Dataset<Row> tokens, CrossParams c) {
    return cross(tokens, c, new Progress("attend"));
  }

  static AttendResult cross(Dataset<Row> tokens, CrossParams c, Progress progress) {
    PlannedInput in = InputStage.plan(tokens, c.base(), SpanExecution.INSTANCE, progress);
    return CrossExecution.run(in, c);
  }

  /** The execution of a family, by how it is distributed. */
  private static Execution execution(AttendParams p) {
    return switch (p.pattern().family().shape()) {
      case SPECTRAL -> SpectralExecution.INSTANCE; // long convolutions, not attention
      case SCAN -> ScanExecution.INSTANCE;
      case SPANS, TILES -> SpanExecution.INSTANCE; // SpanExecution hands dense tiles on
    };
  }
}
