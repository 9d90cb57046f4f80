package org.longattn.jobs.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.longattn.datasets.OutputPaths;
import org.longattn.jobs.RunInfo;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.pattern.ColumnGroups;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;
import org.longattn.kernels.pattern.Shape;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code pattern}: prints, as JSON, the key blocks every query block reads for a document length —
 * the same {@link AttentionPattern} object {@code attend} routes and masks with.
 */
@Command(
    name = "pattern",
    mixinStandardHelpOptions = true,
    description = "Print a pattern for a document length as JSON (key blocks per query block).")
public final class PatternCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Query blocks (over all heads) the JSON may list: each is an object of about 100 bytes. */
  static final long MAX_LISTED_BLOCKS = 1_000_000;

  @Option(names = "--tokens", required = true, description = "Document length n.")
  int tokens;

  @Option(names = "--heads", defaultValue = "1", description = "Heads (BigBird draws per head).")
  int heads;

  @Option(
      names = "--doc-id",
      defaultValue = "doc",
      description = "Document id (seeds BigBird's random blocks; default: ${DEFAULT-VALUE}).")
  String docId;

  @Option(
      names = "--globals",
      split = ",",
      description = "Positions the token table marks global (comma-separated).")
  int[] globals;

  @Option(names = "--output", description = "Write the JSON to this file instead of stdout.")
  Path output;

  @Mixin PatternOptions pattern;

  @Option(
      names = Presets.FLAG,
      paramLabel = "NAME|FILE",
      description = "Flag defaults from a preset (as for attend).")
  String preset;

  @Override
  public Integer call() throws IOException {
    CommandLine cmd = spec.commandLine();
    if (tokens < 1 || heads < 1) {
      throw new CommandLine.ParameterException(cmd, "--tokens and --heads must be >= 1");
    }
    int[] cols = globals == null ? new int[0] : globals;
    for (int g : cols) {
      if (g < 0 || g >= tokens) {
        throw new CommandLine.ParameterException(
            cmd, "--globals: position " + g + " is outside 0.." + (tokens - 1));
      }
    }
    PatternSpec ps = pattern.spec(cmd);
    if (ps.family().shape() == Shape.SCAN) {
      throw new CommandLine.ParameterException(
          cmd,
          "--pattern "
              + ps.name()
              + " is a linear-attention family: no block pattern to print (each query reads"
              + " the state of all keys, or of the keys up to it with --causal)");
    }
    OutputPaths.check(new Configuration())
        .writes("--output", output == null ? null : output.toString())
        .readsFile("--preset", preset)
        .verify();
    long blocks = ((long) tokens + ps.blockSize() - 1) / ps.blockSize() * heads;
    if (blocks > MAX_LISTED_BLOCKS) {
      throw new CommandLine.ParameterException(
          cmd,
          "--tokens "
              + tokens
              + " in blocks of --block-size "
              + ps.blockSize()
              + " x "
              + heads
              + " heads are "
              + blocks
              + " query blocks; the JSON lists at most "
              + MAX_LISTED_BLOCKS
              + " (raise --block-size or lower --tokens)");
    }
    String json = RunInfo.toJson(describe(ps, tokens, heads, docId, cols));
    if (output == null) {
      PrintStream out = System.out;
      out.print(json);
      out.flush();
    } else {
      Files.writeString(output, json, StandardCharsets.UTF_8);
    }
    return 0;
  }

  /** The JSON-ready description of a pattern over one document. */
  public static Map<String, Object> describe(
      PatternSpec ps, int n, int heads, String docId, int[] columnGlobals) {
    AttentionPattern p = ps.build();
    long hash = Seeds.docHash(docId);
    int[] gpos = p.globalPositions(n, columnGlobals);
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Object> params = ps.parameters();
    Map<String, Object> band = new LinkedHashMap<>();
    band.put("left", p.band().left() == Band.UNBOUNDED ? "unbounded" : p.band().left());
    band.put("right", p.band().right() == Band.UNBOUNDED ? "unbounded" : p.band().right());
    band.put("dilation", p.band().dilation());
    params.put("band", band);
    ColumnGroups cg = p.columnGroups();
    if (cg != null) {
      Map<String, Object> columns = new LinkedHashMap<>();
      if (cg instanceof ColumnGroups.Residues r) {
        columns.put("group_of_query", "i mod " + r.period());
        columns.put("keys_of_group_g", "j mod " + r.period() + " = g");
      } else if (cg instanceof ColumnGroups.Segments sg) {
        columns.put("group_of_query", "floor(i / " + sg.period() + ")");
        columns.put(
            "keys_of_group_g",
            "floor(j / "
                + sg.period()
                + ") = g or j mod "
                + sg.period()
                + " >= "
                + (sg.period() - sg.summary()));
      }
      List<Object> bands = new ArrayList<>();
      for (Band cb : cg.bands()) {
        bands.add(
            Map.of(
                "left", cb.left() == Band.UNBOUNDED ? "unbounded" : cb.left(),
                "right", cb.right() == Band.UNBOUNDED ? "unbounded" : cb.right()));
      }
      columns.put("bands", bands);
      params.put("columns", columns);
    }
    m.put("pattern", params);
    m.put("doc_id", docId);
    m.put("tokens", n);
    m.put("blocks", p.numBlocks(n));
    m.put("global_positions", gpos);
    List<Object> perHead = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      List<Object> blocks = new ArrayList<>();
      for (int qb = 0; qb < p.numBlocks(n); qb++) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("query_block", qb);
        b.put("first", qb * p.blockSize());
        int first = qb * p.blockSize();
        int len = (int) Math.min(n, (long) first + p.blockSize()) - first;
        b.put("length", len);
        int globalRows = 0;
        for (int g : gpos) {
          globalRows += g >= first && g < first + len ? 1 : 0;
        }
        // Rows that are all global read every key: their local key blocks are not used.
        b.put("key_blocks", globalRows == len ? "all" : p.localKeyBlocks(n, hash, h, qb));
        b.put("global_rows", globalRows);
        blocks.add(b);
      }
      Map<String, Object> head = new LinkedHashMap<>();
      head.put("head", h);
      head.put("query_blocks", blocks);
      perHead.add(head);
    }
    m.put("heads", perHead);
    m.put(
        "semantics",
        "query i reads key j iff causal_ok(i,j) and (global(i) or global(j) or (block(j) in"
            + " key_blocks(block(i)) and band allows (i,j)) or (j is a key of group(i) and one of"
            + " the column bands allows (i,j)))");
    return m;
  }
}
