package org.longattn.datasets.tensors;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.longattn.datasets.InputException;

/**
 * The documents of a set of array files, as {@code import} reads them: per document its q, k and v
 * arrays, their shapes checked against each other and against the other documents'.
 *
 * <p>Naming: a {@code .npy} file is {@code DOC.q.npy}, {@code DOC.k.npy} or {@code DOC.v.npy}; a
 * {@code .safetensors} file holds tensors {@code q}, {@code k}, {@code v} (the document is named
 * after the file, {@code DOC.safetensors}) and/or {@code DOC.q}, {@code DOC.k}, {@code DOC.v} (any
 * number of documents in one file; its other tensors are ignored). DOC is decoded by {@link
 * DocFileNames#decode}. An input is a directory (its files, not its subdirectories; names starting
 * with {@code .} or {@code _} are skipped as Spark skips them) or one file.
 *
 * <p>Shapes: n × H × d, or n × (H·d) with {@code --heads H}; k has q's shape, v has q's n and H and
 * its own d. Every document has the same H, d and value d (a token table is rectangular).
 */
public final class ArrayDocuments {
  /** One document: its id and arrays; the arrays' first dimension is its length. */
  public record Document(String docId, TensorHeader q, TensorHeader k, TensorHeader v)
      implements Serializable {
    public int rows() {
      return q.rows();
    }
  }

  /** The documents (by id) and the head layout they share. */
  public record Plan(List<Document> documents, int heads, int headDim, int valueDim)
      implements Serializable {
    /** Tokens in all documents. */
    public long rows() {
      return documents.stream().mapToLong(Document::rows).sum();
    }
  }

  private static final Pattern NPY = Pattern.compile("(.+)\\.([qkv])\\.npy");
  private static final Pattern SAFETENSORS = Pattern.compile("(.+)\\.safetensors");
  private static final Pattern TENSOR = Pattern.compile("(?:(.+)\\.)?([qkv])");
  private static final String[] ROLES = {"q", "k", "v"};

  private ArrayDocuments() {}

  /**
   * Lists, names and checks the documents of {@code inputs}; reads headers only.
   *
   * @param heads {@code --heads}, or null: then every array must be n × H × d
   * @throws InputException one line naming the file (or document) at fault
   */
  public static Plan plan(Configuration conf, List<String> inputs, Integer heads) {
    if (heads != null && heads < 1) {
      throw new InputException("--heads must be >= 1, got " + heads);
    }
    Map<String, TensorHeader[]> docs = new TreeMap<>();
    for (String input : inputs) {
      for (FileStatus f : files(conf, input)) {
        collect(conf, input, f, docs);
      }
    }
    if (docs.isEmpty()) {
      throw new InputException(
          "no arrays in "
              + String.join(", ", quoted(inputs))
              + " (expected DOC.q.npy, DOC.k.npy,"
              + " DOC.v.npy or .safetensors files)");
    }
    List<Document> out = new ArrayList<>();
    int[] layout = null; // H, d, dv of the first document
    Document first = null;
    for (Map.Entry<String, TensorHeader[]> e : docs.entrySet()) {
      Document d = document(e.getKey(), e.getValue());
      int[] l = layout(d, heads);
      if (layout == null) {
        layout = l;
        first = d;
      } else if (l[0] != layout[0] || l[1] != layout[1] || l[2] != layout[2]) {
        throw new InputException(
            "doc '"
                + d.docId()
                + "': heads × head_dim "
                + l[0]
                + " × "
                + l[1]
                + " (v "
                + l[2]
                + ") differ from those of doc '"
                + first.docId()
                + "' ("
                + layout[0]
                + " × "
                + layout[1]
                + ", v "
                + layout[2]
                + "): the documents of one token table share one layout");
      }
      out.add(d);
    }
    return new Plan(out, layout[0], layout[1], layout[2]);
  }

  private static List<String> quoted(List<String> inputs) {
    return inputs.stream().map(s -> "'" + s + "'").toList();
  }

  private static List<FileStatus> files(Configuration conf, String input) {
    Path p = new Path(input);
    try {
      FileSystem fs = FileSystem.get(p.toUri(), conf);
      if (!fs.exists(p)) {
        throw new InputException("input '" + input + "' does not exist");
      }
      FileStatus s = fs.getFileStatus(p);
      if (!s.isDirectory()) {
        return List.of(s);
      }
      List<FileStatus> files = new ArrayList<>();
      for (FileStatus f : fs.listStatus(p)) {
        String name = f.getPath().getName();
        if (f.isFile() && !name.startsWith(".") && !name.startsWith("_")) {
          files.add(f);
        }
      }
      files.sort((a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
      return files;
    } catch (IOException | IllegalArgumentException e) {
      throw new InputException("input '" + input + "': " + e.getMessage());
    }
  }

  private static void collect(
      Configuration conf, String input, FileStatus f, Map<String, TensorHeader[]> docs) {
    String name = f.getPath().getName();
    String label = label(input, f);
    FileSystem fs;
    try {
      fs = f.getPath().getFileSystem(conf);
    } catch (IOException e) {
      throw new InputException("file '" + label + "': " + e.getMessage());
    }
    Matcher npy = NPY.matcher(name);
    Matcher st = SAFETENSORS.matcher(name);
    if (npy.matches()) {
      put(
          docs,
          DocFileNames.decode(npy.group(1)),
          npy.group(2),
          ArrayFiles.npy(fs, f.getPath(), label));
    } else if (st.matches()) {
      String fileDoc = DocFileNames.decode(st.group(1));
      boolean any = false;
      for (Map.Entry<String, TensorHeader> t :
          ArrayFiles.safetensors(fs, f.getPath(), label).entrySet()) {
        Matcher m = TENSOR.matcher(t.getKey());
        if (m.matches()) {
          put(docs, m.group(1) == null ? fileDoc : m.group(1), m.group(2), t.getValue());
          any = true;
        }
      }
      if (!any) {
        throw new InputException(
            "file '" + label + "': no tensors named q, k, v (or DOC.q, DOC.k, DOC.v)");
      }
    } else {
      throw new InputException(
          "file '"
              + label
              + "': not an array file of import (DOC.q.npy, DOC.k.npy, DOC.v.npy or"
              + " NAME.safetensors)");
    }
  }

  /** The file as the user named it: the input itself, or the input directory / name. */
  private static String label(String input, FileStatus f) {
    String name = f.getPath().getName();
    if (new Path(input).getName().equals(name) && !f.isDirectory()) {
      return input;
    }
    return input.endsWith("/") ? input + name : input + "/" + name;
  }

  private static void put(
      Map<String, TensorHeader[]> docs, String doc, String role, TensorHeader h) {
    int r = "qkv".indexOf(role);
    TensorHeader[] arrays = docs.computeIfAbsent(doc, x -> new TensorHeader[3]);
    if (arrays[r] != null) {
      throw new InputException(
          "doc '"
              + doc
              + "' has two "
              + role
              + " arrays: "
              + arrays[r].label()
              + " and "
              + h.label());
    }
    arrays[r] = h;
  }

  private static Document document(String doc, TensorHeader[] a) {
    for (int r = 0; r < 3; r++) {
      if (a[r] == null) {
        TensorHeader some = a[0] != null ? a[0] : a[1] != null ? a[1] : a[2];
        throw new InputException(
            "doc '"
                + doc
                + "': no "
                + ROLES[r]
                + " array (there is "
                + some.label()
                + "; expected "
                + DocFileNames.encode(doc)
                + "."
                + ROLES[r]
                + ".npy or a safetensors tensor '"
                + ROLES[r]
                + "')");
      }
      if (a[r].type() == null) {
        throw new InputException(
            a[r].label()
                + ": element type "
                + a[r].dtype()
                + " is not a float type import reads (F16, BF16, F32, F64)");
      }
    }
    return new Document(doc, a[0], a[1], a[2]);
  }

  /** {H, d, dv} of a document, its arrays checked against each other. */
  private static int[] layout(Document d, Integer heads) {
    int[] q = shape(d.q(), heads);
    int[] k = shape(d.k(), heads);
    int[] v = shape(d.v(), heads);
    if (q[0] == 0) {
      throw new InputException(d.q().label() + ": 0 rows (a document needs at least one token)");
    }
    if (k[0] != q[0] || k[1] != q[1] || k[2] != q[2]) {
      throw mismatch(d.k(), k, d.q(), q, "k must have q's shape");
    }
    if (v[0] != q[0] || v[1] != q[1]) {
      throw mismatch(d.v(), v, d.q(), q, "v must have q's rows and heads");
    }
    return new int[] {q[1], q[2], v[2]};
  }

  private static InputException mismatch(
      TensorHeader a, int[] sa, TensorHeader b, int[] sb, String rule) {
    return new InputException(
        a.label()
            + ": shape "
            + a.shapeText()
            + " (n "
            + sa[0]
            + ", heads "
            + sa[1]
            + ", dim "
            + sa[2]
            + ") does not fit "
            + b.label()
            + " "
            + b.shapeText()
            + " (n "
            + sb[0]
            + ", heads "
            + sb[1]
            + ", dim "
            + sb[2]
            + "): "
            + rule);
  }

  /** {n, H, d} of one array. */
  private static int[] shape(TensorHeader h, Integer heads) {
    int[] s = h.shape();
    if (s.length == 3) {
      if (heads != null && s[1] != heads) {
        throw new InputException(
            h.label()
                + ": shape "
                + h.shapeText()
                + " has "
                + s[1]
                + " heads, --heads is "
                + heads);
      }
      if (s[2] == 0) {
        throw new InputException(h.label() + ": shape " + h.shapeText() + " has empty vectors");
      }
      return new int[] {s[0], s[1], s[2]};
    }
    if (s.length == 2) {
      if (heads == null) {
        throw new InputException(
            h.label()
                + ": shape "
                + h.shapeText()
                + " is n × (heads·dim): give --heads (or save the array as n × heads × dim)");
      }
      if (s[1] == 0 || s[1] % heads != 0) {
        throw new InputException(
            h.label()
                + ": shape "
                + h.shapeText()
                + ": width "
                + s[1]
                + " is not a positive"
                + " multiple of --heads "
                + heads);
      }
      return new int[] {s[0], heads, s[1] / heads};
    }
    throw new InputException(
        h.label()
            + ": shape "
            + h.shapeText()
            + " is not n × heads × dim or n × (heads·dim) (one document per array; drop a batch"
            + " dimension of 1 before saving)");
  }
}
