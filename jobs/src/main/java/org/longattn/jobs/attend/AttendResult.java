package org.longattn.jobs.attend;

import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.longattn.jobs.Progress;

/**
 * What the engine returns: the output rows, lazy (nothing runs until an action), and what the
 * output stage needs around the action.
 *
 * @param rows the output table: doc_id, pos, out (+ stats), as {@code TokenTable.outputSchema}
 * @param rowCount rows the output will have
 * @param record the facts of {@code _longattn.json} (parameters, counts, shuffle), read after the
 *     action has run (they include accumulators), given the shuffle bytes the action wrote
 * @param release frees what the execution persisted; call it once the rows are no longer needed
 *     (the output stage does after writing; unreleased, Spark's cleaner frees it with the Dataset)
 */
public record AttendResult(
    Dataset<Row> rows, long rowCount, Progress progress, RunRecord record, Runnable release) {

  /** The run record's facts, given the shuffle bytes written while the rows were computed. */
  @FunctionalInterface
  public interface RunRecord {
    Map<String, Object> facts(long shuffleBytesWritten);
  }
}
