package org.longattn.jobs.attend;

import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.jobs.Progress;
import org.longattn.kernels.span.HeadShape;

/**
 * A token table after the input stage ({@link InputStage}): validated, probed and planned — what
 * every execution starts from.
 *
 * @param tokens the token table, canonical columns ({@code TokenTable.read} / {@code canonical})
 * @param lengths len(q), len(v) of the first row (every row is checked against them when decoded)
 * @param decoder decodes and validates the token rows
 * @param plans per document: length (positions checked), hash, column globals, padding, first span
 * @param tokenCount tokens of all documents
 * @param spans spans of all documents
 * @param partitions partitions of the routing shuffle ({@code --partitions} or derived)
 * @param device the backend and device that will run, as recorded
 */
public record PlannedInput(
    AttendParams params,
    Dataset<Row> tokens,
    int[] lengths,
    HeadShape shape,
    TokenRowDecoder decoder,
    Map<String, DocPlan> plans,
    long tokenCount,
    long spans,
    int partitions,
    String device,
    Progress progress) {

  public SparkSession spark() {
    return tokens.sparkSession();
  }

  public JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(spark().sparkContext());
  }

  /** Blocks and spans of the run, each block routed to its own span only. */
  public Routing blockLocal() {
    return Routing.blockLocal(params);
  }

  /** "N documents, T tokens, S spans of X tokens": how every execution's plan line starts. */
  public String sizes() {
    return plans.size()
        + " documents, "
        + tokenCount
        + " tokens, "
        + spans
        + " spans of "
        + blockLocal().spanTokens()
        + " tokens";
  }

  /** Largest span count of a document (≥ 1). */
  public long maxSpans() {
    Routing r = blockLocal();
    return plans.values().stream().mapToLong(d -> r.spans(d.n())).max().orElse(1);
  }
}
