package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile strings — document ids (file names), tokens, directory names and values in {@code
 * _longattn.json} made of markup, quotes, ampersands, line breaks, right-to-left controls and very
 * long runs — go through {@code embed → attend → report}, and the report, parsed by an HTML parser
 * as a browser parses it, holds no element or attribute they could inject (no script, no event
 * handler, no image) and shows each of them as text.
 */
class HostileStringsTest {
  @TempDir Path tmp;

  /** Every element the report itself uses (HTML and inline SVG). */
  private static final Set<String> REPORT_TAGS =
      Set.of(
          "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "code", "table",
          "tbody", "tr", "th", "td", "div", "svg", "rect", "line", "text", "section", "b", "span");

  private static final String LONG = "&<".repeat(1500) + "end";

  /** Tokens of the texts (split on white space), each a markup or encoding hazard. */
  private static final List<String> TOKENS =
      List.of(
          "<script>alert('t1')</script>",
          "\"",
          "&",
          "&amp;",
          "</svg>",
          "</td></tr></table><img\u00a0src=x\u00a0onerror=alert('t2')>",
          "<b\u00a0onmouseover=alert('t3')>b</b>",
          "'\"><iframe\u00a0src=javascript:alert('t4')>",
          "\u202eevil\u202c",
          "שלום",
          "مرحبا",
          "]]><!--",
          LONG);

  /** Document ids: the text files' names. */
  private static final List<String> DOC_IDS =
      List.of(
          "<img src=x onerror=alert('d1')>.txt",
          "\"q\" & 'a' <b>.txt",
          "line\nbreak.txt",
          "\u202etxt.exe.txt",
          "x".repeat(180) + "<s>.txt");

  @Test
  void hostileStringsReachTheReportAsTextOnly() throws Exception {
    Path texts = Files.createDirectories(tmp.resolve("texts"));
    for (int d = 0; d < DOC_IDS.size(); d++) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < 160; i++) {
        text.append(TOKENS.get((i * 7 + d * 3) % TOKENS.size())).append(i % 9 == 8 ? '\n' : ' ');
      }
      Files.writeString(texts.resolve(DOC_IDS.get(d)), text, StandardCharsets.UTF_8);
    }
    Path tok = tmp.resolve("tok <i onclick=alert('p1')> & \"q\"");
    Path att = tmp.resolve("att '><svg onload=alert('p2')>");
    Path rep = tmp.resolve("report");

    run(
        "embed",
        "--input",
        texts.toString(),
        "--output",
        tok.toString(),
        "--heads",
        "2",
        "--head-dim",
        "4",
        "--vector-size",
        "8",
        "--min-count",
        "1",
        "--token-pattern",
        "\\s+");
    run(
        "attend",
        "--input",
        tok.toString(),
        "--output",
        att.toString(),
        "--heads",
        "2",
        "--pattern",
        "longformer",
        "--window",
        "16",
        "--stats");

    // Values of the run record, as a tampered or foreign _longattn.json would hold them.
    ObjectMapper json = new ObjectMapper();
    Path record = att.resolve("_longattn.json");
    @SuppressWarnings("unchecked")
    Map<String, Object> run = json.readValue(record.toFile(), LinkedHashMap.class);
    String device = "</td><script>alert('j1')</script>";
    String stage = "<img src=x onerror=alert('j2')>";
    String version = "\"><style>*{display:none}</style>";
    run.put("device", device);
    run.put("longattn_version", version);
    @SuppressWarnings("unchecked")
    Map<String, Object> timings = (Map<String, Object>) run.get("timings_s");
    timings.put(stage, 1.5);
    json.writeValue(record.toFile(), run);
    Files.deleteIfExists(att.resolve("._longattn.json.crc")); // Hadoop's checksum of the original

    run(
        "report",
        "--input",
        att.toString(),
        "--output",
        rep.toString(),
        "--coverage-samples",
        "8",
        "--coverage-docs",
        "5",
        "--heatmaps",
        "5",
        "--heatmap-queries",
        "16",
        "--hubs",
        "20");

    String html = Files.readString(rep.resolve("index.html"), StandardCharsets.UTF_8);
    Document doc = Jsoup.parse(html);
    for (Element e : doc.getAllElements()) {
      String tag = e.normalName();
      if (tag.equals("#root")) {
        continue;
      }
      assertTrue(REPORT_TAGS.contains(tag), "an element the report does not make: <" + tag + ">");
      for (Attribute a : e.attributes()) {
        String name = a.getKey().toLowerCase();
        assertFalse(
            name.startsWith("on"), "an event handler attribute: " + a + " on <" + tag + ">");
        assertFalse(
            a.getValue().toLowerCase().contains("javascript:"), "a javascript: URL in " + a);
        assertFalse(name.equals("src"), "a src attribute: " + a + " on <" + tag + ">");
      }
    }
    assertTrue(doc.select("script, img, iframe, i, style + style").isEmpty(), "injected elements");
    assertEquals(1, doc.select("style").size(), "the report's one stylesheet only");

    String text = flat(doc.text());
    for (String docId : DOC_IDS) {
      assertTrue(text.contains(flat(docId)), "document id shown as text: " + docId);
    }
    assertTrue(text.contains(flat(device)), "the record's device shown as text");
    assertTrue(text.contains(flat(stage)), "the record's stage name shown as text");
    assertTrue(text.contains(flat(version)), "the record's version shown as text");
    assertTrue(text.contains(flat(att.toString())), "the attend output's path shown as text");

    // Hub tokens: every token cell is one of the texts' tokens, and hostile ones are among them.
    List<String> shown = new ArrayList<>();
    for (Element row : doc.select("table.hubs tr")) {
      List<Element> cells = row.select("td"); // #, doc_id, pos, token, global, hub mass
      if (cells.size() == 6) {
        assertTrue(DOC_IDS.contains(cells.get(1).wholeText()), "hub doc_id " + cells.get(1));
        shown.add(cells.get(3).wholeText());
      }
    }
    assertFalse(shown.isEmpty(), "the report lists hub tokens");
    Set<String> vocabulary = Set.copyOf(TOKENS.stream().map(String::toLowerCase).toList());
    for (String t : shown) {
      assertTrue(vocabulary.contains(t), "a hub token the texts do not hold: '" + t + "'");
    }
    assertTrue(
        shown.stream().anyMatch(t -> t.contains("<") || t.contains("&") || t.contains("\"")),
        "hostile tokens are among the hubs: " + shown);
  }

  /** White space as the parser's text() folds it (a line break in an id becomes a space). */
  private static String flat(String s) {
    return s.replaceAll("[\\s\u00a0]+", " ").trim();
  }

  private static void run(String... args) {
    CliRunner.Result r = CliRunner.run(args);
    assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.err());
  }
}
