package org.longattn.jobs.attend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenRowDecoder;
import org.longattn.datasets.TokenTable;
import org.longattn.jobs.Progress;
import org.longattn.kernels.pattern.Seeds;
import org.longattn.kernels.span.HeadShape;

/**
 * The input stage every execution shares: token table → {@link PlannedInput}.
 *
 * <ol>
 *   <li>probe: len(q), len(v) of the first row → the head shape (heads must divide them);
 *   <li>decoder: validates every row where it is decoded (on the executors);
 *   <li>plan: per document its length (positions 0..n−1 checked), its global and padding positions
 *       — one aggregation, small, on the driver;
 *   <li>partitions of the routing shuffle and the device that will run.
 * </ol>
 */
public final class InputStage {
  private InputStage() {}

  public static PlannedInput plan(
      Dataset<Row> tokens, AttendParams p, Execution execution, Progress progress) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(tokens.sparkSession().sparkContext());
    int[] lengths = TokenTable.probeLengths(tokens, p.input());
    HeadShape shape = headShape(lengths, p.heads());
    execution.checkShape(shape, lengths);
    TokenRowDecoder decoder =
        TokenRowDecoder.forSchema(tokens.schema(), p.heads(), lengths[0], lengths[1]);
    Routing blocks = Routing.blockLocal(p);
    Map<String, DocPlan> plans = plan(tokens, blocks);
    long tokenCount = plans.values().stream().mapToLong(DocPlan::n).sum();
    long spans = plans.values().stream().mapToLong(d -> blocks.spans(d.n())).sum();
    int partitions = p.partitions() > 0 ? p.partitions() : partitions(spans, tokenCount, p, jsc);
    String device = execution.device(p);
    return new PlannedInput(
        p, tokens, lengths, shape, decoder, plans, tokenCount, spans, partitions, device, progress);
  }

  /**
   * Partitions of the routing shuffle: about one span's worth of tokens each — one partition per
   * span for long documents, many small documents sharing one — and at least one per core.
   */
  static int partitions(long spans, long tokens, AttendParams p, JavaSparkContext jsc) {
    long spanTokens = (long) p.spanBlocks() * p.pattern().blockSize();
    long byTokens = (tokens + spanTokens - 1) / spanTokens;
    long wanted = Math.max(jsc.defaultParallelism(), byTokens);
    return (int) Math.max(1, Math.min(Math.min(spans, wanted), 1 << 16));
  }

  public static HeadShape headShape(int[] lengths, int heads) {
    if (heads < 1) {
      throw new InputException("--heads must be >= 1, got " + heads);
    }
    if (lengths[0] % heads != 0) {
      throw new InputException(
          "column 'q': length " + lengths[0] + " is not divisible by --heads " + heads);
    }
    if (lengths[1] % heads != 0) {
      throw new InputException(
          "column 'v': length " + lengths[1] + " is not divisible by --heads " + heads);
    }
    return new HeadShape(heads, lengths[0] / heads, lengths[1] / heads);
  }

  /** Document lengths (positions checked) and global positions; small, computed on the driver. */
  public static Map<String, DocPlan> plan(Dataset<Row> df, Routing blocks) {
    // One pass over doc_id, pos, global (and mask): counts, position range, the global positions
    // (and the padding positions).
    boolean masked = TokenTable.has(df.schema(), TokenTable.MASK);
    List<Row> meta =
        df.groupBy(col(TokenTable.DOC_ID))
            .agg(
                count("*"),
                min(TokenTable.POS),
                max(TokenTable.POS),
                collect_list(when(col(TokenTable.GLOBAL), col(TokenTable.POS))),
                masked
                    ? collect_list(when(not(col(TokenTable.MASK)), col(TokenTable.POS)))
                    : collect_list(lit(null).cast("int")))
            .collectAsList();
    meta = new ArrayList<>(meta);
    meta.sort(Comparator.comparing(r -> r.isNullAt(0) ? "" : r.getString(0)));
    Map<String, DocPlan> plans = new HashMap<>();
    long firstSpan = 0;
    for (Row r : meta) {
      if (r.isNullAt(0)) {
        throw new InputException("column 'doc_id': null document id in " + r.getLong(1) + " rows");
      }
      String doc = r.getString(0);
      long n = r.getLong(1);
      if (r.isNullAt(2)) {
        throw new InputException("doc '" + doc + "' column 'pos': null position");
      }
      TokenTable.checkPositions(
          doc, (int) Math.min(n, Integer.MAX_VALUE), n, r.getInt(2), r.getInt(3));
      int[] globals = r.<Integer>getList(4).stream().mapToInt(Integer::intValue).sorted().toArray();
      int[] padding = r.<Integer>getList(5).stream().mapToInt(Integer::intValue).sorted().toArray();
      plans.put(doc, new DocPlan(doc, (int) n, Seeds.docHash(doc), globals, firstSpan, padding));
      firstSpan += blocks.spans((int) n);
    }
    return plans;
  }
}
