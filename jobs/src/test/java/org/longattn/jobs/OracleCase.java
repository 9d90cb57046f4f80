package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.longattn.datasets.SparkTestSession;
import org.longattn.kernels.DenseOracle;
import org.longattn.kernels.Tolerance;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;

/**
 * One end-to-end oracle case: two documents (rows shuffled, 3 files) through the real {@code
 * attend} CLI with stats, every output row compared with the double-precision dense oracle.
 */
public record OracleCase(
    int id, String pattern, boolean causal, int n1, int n2, int heads, int block) {
  static final int D = 16;
  static final int DV = 8;
  static final int WINDOW = 40;
  static final int RANDOM_BLOCKS = 2;
  static final long SEED = 5;

  /** Writes the input, runs attend with {@code extraArgs}, checks it; returns the output dir. */
  public String runAndCheck(Path tmp, long dataSeed, String... extraArgs) {
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("a-" + id, n1, heads * D, heads * DV, 3, dataSeed + 1),
            TokenTables.random("b-" + id, n2, heads * D, heads * DV, 1, dataSeed + 2));
    String in = tmp.resolve("in-" + id).toString();
    String out = tmp.resolve("out-" + id).toString();
    TokenTables.write(TokenTables.rows(docs, id + 1), in, 3);
    AttendRun run =
        AttendRun.of(in, out)
            .pattern(pattern)
            .heads(heads)
            .blockSize(block)
            .stats()
            .spanTokens(4 * block)
            .seed(SEED);
    if (pattern.equals("longformer")) {
      run.flag("--window", WINDOW);
    }
    if (pattern.equals("bigbird")) {
      run.flag("--random-blocks", RANDOM_BLOCKS);
    }
    if (causal) {
      run.causal();
    }
    run.flags(List.of(extraArgs));
    CliRunner.Result r = run.run();
    assertEquals(0, r.code(), r.err());
    check(docs, out);
    return out;
  }

  private void check(List<TokenTables.Doc> docs, String out) {
    AttentionPattern p =
        PatternSpec.of(
                pattern,
                block,
                SEED,
                causal,
                false,
                Map.of(
                    Param.WINDOW, WINDOW, Param.RANDOM_BLOCKS, RANDOM_BLOCKS, Param.RADIUS, WINDOW))
            .build();
    checkOutput(docs, out, p, heads, Map.of());
  }

  /**
   * Every output row of {@code out} against the dense oracle of pattern p; documents in {@code
   * padding} (id → padded[i]) must have null out and stats on their padded rows.
   */
  public static void checkOutput(
      List<TokenTables.Doc> docs,
      String out,
      AttentionPattern p,
      int heads,
      Map<String, boolean[]> padding) {
    checkOutput(docs, out, p, heads, padding, DenseOracle.Scorer.scaledDot(D));
  }

  /** {@link #checkOutput} with the oracle scoring by {@code scorer}. */
  public static void checkOutput(
      List<TokenTables.Doc> docs,
      String out,
      AttentionPattern p,
      int heads,
      Map<String, boolean[]> padding,
      DenseOracle.Scorer scorer) {
    Map<String, Row> rows = new HashMap<>();
    for (Row row : SparkTestSession.get().read().parquet(out).collectAsList()) {
      rows.put(row.getString(0) + "#" + row.getInt(1), row);
    }
    assertEquals(
        docs.stream().mapToInt(TokenTables.Doc::n).sum(), rows.size(), "one output row per token");
    for (TokenTables.Doc doc : docs) {
      boolean[] padded = padding.getOrDefault(doc.id(), new boolean[doc.n()]);
      DenseOracle.Result ref =
          DenseOracle.attend(
              p,
              doc.q(),
              doc.k(),
              doc.v(),
              doc.n(),
              heads,
              D,
              DV,
              Seeds.docHash(doc.id()),
              doc.globals(),
              padded,
              scorer);
      for (int i = 0; i < doc.n(); i++) {
        Row row = rows.get(doc.id() + "#" + i);
        String at = doc.id() + " pos " + i;
        if (padded[i]) {
          for (int c = 2; c < row.length(); c++) {
            assertTrue(row.isNullAt(c), at + ": padding row, column " + c + " must be null");
          }
          continue;
        }
        List<Float> o = row.getList(2);
        for (int x = 0; x < heads * DV; x++) {
          Tolerance.assertClose(ref.out()[i][x], o.get(x), Tolerance.REL, at + " out[" + x + "]");
        }
        double[][][] stats = {ref.entropy(), ref.meanDistance(), ref.maxWeight(), ref.globalMass()};
        String[] names = {"entropy", "mean_distance", "max_weight", "global_mass"};
        for (int s = 0; s < 4; s++) {
          for (int h = 0; h < heads; h++) {
            Tolerance.assertClose(
                stats[s][i][h],
                row.<Float>getList(3 + s).get(h),
                Tolerance.REL,
                at + " " + names[s] + "[" + h + "]");
          }
        }
      }
    }
  }
}
