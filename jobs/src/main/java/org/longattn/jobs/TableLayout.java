package org.longattn.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.longattn.datasets.InputException;

/**
 * How a token table's vectors split into heads, as the commands that write token tables state it in
 * their {@code _longattn.json}: {@code "token_table": {"heads": H, "head_dim": D, "value_dim":
 * DV}}. {@code attend} reads it so that {@code --heads} may be omitted, and refuses a {@code
 * --heads} that disagrees; a table without it (written by other tools) needs {@code --heads}.
 */
public final class TableLayout {
  /** The record's section. */
  public static final String SECTION = "token_table";

  private TableLayout() {}

  /** The section to put into a token table's {@code _longattn.json}. */
  public static Map<String, Object> section(int heads, int headDim, int valueDim) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("heads", heads);
    m.put("head_dim", headDim);
    m.put("value_dim", valueDim);
    return m;
  }

  /**
   * The heads the table's {@code _longattn.json} states, or empty when it has none (no file, or a
   * record of something else). Read with Hadoop's file systems, before Spark starts; an unreadable
   * or malformed record is a one-line error naming it.
   */
  public static OptionalInt heads(String table) {
    Path record = new Path(table, "_longattn.json");
    JsonNode json;
    try {
      FileSystem fs = FileSystem.get(record.toUri(), new Configuration());
      if (fs.globStatus(new Path(table)) == null || fs.globStatus(new Path(table)).length == 0) {
        throw new InputException("input '" + table + "' does not exist");
      }
      if (!fs.isFile(record)) {
        return OptionalInt.empty();
      }
      try (InputStream in = fs.open(record)) {
        json = new ObjectMapper().readTree(in);
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new InputException(
          "'" + record + "': cannot read the token table's record: " + firstLine(e.getMessage()));
    }
    JsonNode heads = json == null ? null : json.path(SECTION).get("heads");
    if (heads == null) {
      String command = json == null ? "" : json.path("command").asText("");
      if (command.equals("generate") || command.equals("embed")) {
        heads = json.path("parameters").get("heads"); // tables written before the section
      }
    }
    if (heads == null) {
      return OptionalInt.empty();
    }
    if (!heads.canConvertToInt() || heads.asInt() < 1) {
      throw new InputException("'" + record + "': " + SECTION + ".heads is not a positive integer");
    }
    return OptionalInt.of(heads.asInt());
  }

  /**
   * The heads to use: the table's, or {@code --heads} (required when the table states none; an
   * error when it disagrees with the table's).
   */
  public static int resolve(String table, Integer flag) {
    OptionalInt stated = heads(table);
    if (stated.isEmpty()) {
      if (flag == null) {
        throw new InputException(
            "--heads is required: input '"
                + table
                + "' has no _longattn.json stating its heads (tables from generate and embed"
                + " have one)");
      }
      return flag;
    }
    if (flag != null && flag != stated.getAsInt()) {
      throw new InputException(
          "--heads "
              + flag
              + " disagrees with input '"
              + table
              + "', whose _longattn.json states "
              + stated.getAsInt()
              + " heads (omit --heads to use it)");
    }
    return stated.getAsInt();
  }

  private static String firstLine(String s) {
    String t = String.valueOf(s);
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
