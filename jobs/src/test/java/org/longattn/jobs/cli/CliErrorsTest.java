package org.longattn.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.spark.SparkThrowable;
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

  /** What Spark throws from a task that could not read a file (condition and parameters). */
  private static final class ReadFailure extends RuntimeException implements SparkThrowable {
    private final String condition;
    private final Map<String, String> parameters;

    ReadFailure(String condition, Map<String, String> parameters, Throwable cause) {
      super("[" + condition + "] Encountered error while reading file\n...", cause);
      this.condition = condition;
      this.parameters = parameters;
    }

    @Override
    public String getCondition() {
      return condition;
    }

    @Override
    public Map<String, String> getMessageParameters() {
      return parameters;
    }
  }

  @Test
  void anUnreadableInputFileIsNamedOnOneLine() {
    Exception corrupted =
        new RuntimeException(
            "Job aborted due to stage failure",
            new ReadFailure(
                "FAILED_READ_FILE.NO_HINT",
                Map.of("path", "file:///data/tok/part-00003.parquet"),
                new java.io.IOException("can not read class PageHeader")));
    String msg = Cli.userMessage(corrupted);
    assertEquals(
        "input file '/data/tok/part-00003.parquet' cannot be decoded: corrupted or truncated"
            + " Parquet data (--verbose shows the reader's error)",
        msg);
    String mismatch =
        Cli.userMessage(
            new ReadFailure(
                "FAILED_READ_FILE.PARQUET_COLUMN_DATA_TYPE_MISMATCH",
                Map.of(
                    "path", "hdfs://nn/tok/b.parquet",
                    "column", "[pos]",
                    "expectedType", "int",
                    "actualType", "INT64"),
                null));
    assertTrue(mismatch.startsWith("input file 'hdfs://nn/tok/b.parquet' column [pos]"), mismatch);
    assertNull(Cli.userMessage(new ReadFailure("SOMETHING_ELSE", Map.of(), null)));
  }

  @Test
  void aMasterSparkCannotParseIsAUserError() {
    String msg =
        Cli.userMessage(
            new RuntimeException(
                "wrapped", new IllegalStateException("Could not parse Master URL: 'bogus://'")));
    assertTrue(msg.startsWith("--master 'bogus://' is not a Spark master URL"), msg);
  }

  @Test
  void fileSystemRefusalsAreUserErrors() {
    String denied =
        Cli.userMessage(
            new java.io.UncheckedIOException(
                new java.nio.file.AccessDeniedException("/srv/out/.tmp-1")));
    assertEquals("'/srv/out/.tmp-1': permission denied", denied);
    String parent =
        Cli.userMessage(
            new java.io.UncheckedIOException(
                "cannot write output 'notes.txt/out'",
                new java.io.IOException(
                    "x",
                    new org.apache.hadoop.fs.FileAlreadyExistsException(
                        "Destination exists and is not a directory: /tmp/notes.txt"))));
    assertEquals(
        "cannot write output 'notes.txt/out': Destination exists and is not a directory:"
            + " /tmp/notes.txt",
        parent);
  }

  @Test
  void messagesStayOnOneLine() {
    assertEquals(
        "doc 'a\\nb\\r\\tc\\u0007\\u202e' pos 3",
        new InputException("doc 'a\nb\r\tc\u0007\u202e' pos 3").getMessage());
    String once = InputException.oneLine("x\ny");
    assertEquals(once, InputException.oneLine(once), "escaping twice changes nothing");
    assertEquals("plain 'd' \\ ü", InputException.oneLine("plain 'd' \\ ü"));
  }
}
