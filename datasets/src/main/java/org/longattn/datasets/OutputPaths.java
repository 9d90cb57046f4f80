package org.longattn.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Refuses, before any work, a command whose outputs overlap what it reads: an output that is an
 * input, lies inside one, or contains one (an {@code --overwrite} would delete it), or that
 * contains the working directory. Paths are compared in canonical form, as the file system will see
 * them: qualified by Hadoop (scheme, authority, working directory; {@code .}, {@code ..} and
 * trailing slashes removed), and on the local file system with every symbolic link of the longest
 * existing prefix resolved ({@link java.nio.file.Path#toRealPath}). Other file systems (HDFS,
 * object stores) are compared by qualified path. Paths on different file systems never overlap.
 *
 * <pre>{@code
 * OutputPaths.check(spark).writes("--output", output).reads("--input", input).verify();
 * }</pre>
 */
public final class OutputPaths {
  private final Configuration conf;
  private final List<Named> outputs = new ArrayList<>();
  private final List<Named> inputs = new ArrayList<>();

  private record Named(String flag, String path) {}

  private OutputPaths(Configuration conf) {
    this.conf = conf;
  }

  /** A check on the session's Hadoop configuration (its default file system). */
  public static OutputPaths check(SparkSession spark) {
    return new OutputPaths(spark.sparkContext().hadoopConfiguration());
  }

  /** A check on a plain Hadoop configuration. */
  public static OutputPaths check(Configuration conf) {
    return new OutputPaths(conf);
  }

  /** An output named by {@code flag}; null (an absent optional flag) is ignored. */
  public OutputPaths writes(String flag, String path) {
    if (path != null) {
      outputs.add(new Named(flag, path));
    }
    return this;
  }

  /** An input named by {@code flag}; null (an absent optional flag) is ignored. */
  public OutputPaths reads(String flag, String path) {
    if (path != null) {
      inputs.add(new Named(flag, path));
    }
    return this;
  }

  /**
   * A local file named by {@code flag} (e.g. a {@code --conf} preset), considered only when it is
   * an existing regular file: a bare name may denote something else (a bundled preset).
   */
  public OutputPaths readsFile(String flag, String path) {
    try {
      if (path != null && Files.isRegularFile(Paths.get(path))) {
        inputs.add(new Named(flag, path));
      }
    } catch (java.nio.file.InvalidPathException e) {
      // not a local file
    }
    return this;
  }

  /**
   * Checks every output against every input, every other output and the working directory.
   *
   * @throws InputException one line naming both flags and paths, e.g. {@code --output 'tok/' is the
   *     same path as --input 'tok'}
   */
  public void verify() {
    List<Canonical> outs = new ArrayList<>();
    for (Named o : outputs) {
      outs.add(canonical(o.path()));
    }
    List<Canonical> ins = new ArrayList<>();
    for (Named i : inputs) {
      ins.add(canonical(i.path()));
    }
    for (int a = 0; a < outputs.size(); a++) {
      for (int b = 0; b < inputs.size(); b++) {
        refuseOverlap(outputs.get(a), outs.get(a), inputs.get(b), ins.get(b), "the input");
      }
      for (int b = a + 1; b < outputs.size(); b++) {
        refuseOverlap(outputs.get(a), outs.get(a), outputs.get(b), outs.get(b), "the other output");
      }
      Canonical cwd = canonical(Paths.get("").toAbsolutePath().toUri().toString());
      if (cwd.equals(outs.get(a)) || cwd.within(outs.get(a))) {
        throw new InputException(
            outputs.get(a).flag()
                + " '"
                + printable(outputs.get(a).path())
                + "' is or contains the working directory '"
                + printable(cwd.toString())
                + "': choose an output elsewhere");
      }
    }
  }

  private static void refuseOverlap(
      Named out, Canonical o, Named other, Canonical c, String whatOther) {
    String relation;
    String where;
    if (o.equals(c)) {
      relation = "is the same path as";
      where = o.toString();
    } else if (o.within(c)) {
      relation = "lies inside";
      where = o + " inside " + c;
    } else if (c.within(o)) {
      relation = "contains";
      where = c + " inside " + o;
    } else {
      return;
    }
    throw new InputException(
        out.flag()
            + " '"
            + printable(out.path())
            + "' "
            + relation
            + " "
            + other.flag()
            + " '"
            + printable(other.path())
            + "' ("
            + printable(where)
            + "): writing it could destroy "
            + whatOther
            + "; choose another "
            + out.flag());
  }

  /** A path as file system, then names from the root. */
  record Canonical(String fileSystem, List<String> names) {
    /** True when this path is strictly inside {@code other}. */
    boolean within(Canonical other) {
      return fileSystem.equals(other.fileSystem)
          && names.size() > other.names.size()
          && names.subList(0, other.names.size()).equals(other.names);
    }

    @Override
    public String toString() {
      return (fileSystem.startsWith("file:") ? "" : fileSystem) + "/" + String.join("/", names);
    }
  }

  /** The canonical form of {@code path} (see the class comment). */
  Canonical canonical(String path) {
    Path p;
    try {
      p = new Path(path);
    } catch (IllegalArgumentException e) {
      throw new InputException("path '" + printable(path) + "' is not valid: " + e.getMessage());
    }
    URI uri = p.toUri();
    if (uri.getScheme() == null || uri.getScheme().equals("file") || !p.isAbsolute()) {
      try {
        uri = p.getFileSystem(conf).makeQualified(p).toUri();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot resolve '" + path + "'", e);
      }
    } else if (uri.getAuthority() == null) {
      // hdfs:///x: the default file system's authority when it has this scheme (as Hadoop does)
      URI def = FileSystem.getDefaultUri(conf);
      if (uri.getScheme().equals(def.getScheme()) && def.getAuthority() != null) {
        try {
          uri = new URI(uri.getScheme(), def.getAuthority(), uri.getPath(), null, null);
        } catch (java.net.URISyntaxException e) {
          throw new InputException(
              "path '" + printable(path) + "' is not valid: " + e.getMessage());
        }
      }
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    if (scheme.equals("file")) {
      return new Canonical("file:", names(realPrefix(Paths.get(uri.getPath()))));
    }
    String fs = scheme + "://" + (uri.getAuthority() == null ? "" : uri.getAuthority());
    return new Canonical(fs, names(uri.getPath()));
  }

  /**
   * {@code p} (absolute, normalised) with its longest existing prefix replaced by its real path:
   * symbolic links resolved, as the operating system will resolve them when writing.
   */
  static String realPrefix(java.nio.file.Path p) {
    java.nio.file.Path existing = p;
    java.nio.file.Path rest = p.getFileSystem().getPath("");
    while (existing != null) {
      try {
        return existing.toRealPath().resolve(rest).normalize().toString();
      } catch (NoSuchFileException e) {
        // also a dangling link: go up one
      } catch (IOException e) {
        if (Files.exists(existing)) {
          // unreadable: compare it as written
          return p.normalize().toString();
        }
      }
      if (existing.getFileName() == null) {
        break;
      }
      rest = existing.getFileName().resolve(rest);
      existing = existing.getParent();
    }
    return p.normalize().toString();
  }

  private static List<String> names(String absolute) {
    List<String> names = new ArrayList<>();
    for (String s : absolute.split("/")) {
      if (!s.isEmpty()) {
        names.add(s);
      }
    }
    return names;
  }

  /** Control characters escaped, so that a hostile path keeps the message on one line. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
