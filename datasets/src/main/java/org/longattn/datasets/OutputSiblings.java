package org.longattn.datasets;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The hidden siblings of one output directory {@code NAME} and the crash-safe commit protocol that
 * uses them (the mechanism behind {@link AtomicOutput}). All live in the output's parent:
 *
 * <ul>
 *   <li>{@code .NAME.run-ID} — the owner record of run ID (process id, host, process start time),
 *       created before anything else of the run and deleted last; refreshed every {@link
 *       #HEARTBEAT_MILLIS} while the run lives.
 *   <li>{@code .NAME.tmp-ID} — run ID's output, being written.
 *   <li>{@code .NAME.commit-ID} — the commit record: {@code .NAME.tmp-ID} is complete and is being
 *       moved into place. From here on the commit is decided: recovery finishes it.
 *   <li>{@code .NAME.old-ID} — the previous output, moved away during the commit.
 *   <li>{@code .NAME.lock} — held (an exclusively created file with the holder's record) while one
 *       process recovers or commits, so that renames of concurrent runs never interleave; {@code
 *       .NAME.lock.break-ID} serialises the removal of a dead holder's lock.
 * </ul>
 *
 * <p>A commit runs under the lock: write the commit record, rename {@code NAME → .NAME.old-ID},
 * rename {@code .NAME.tmp-ID → NAME}, delete {@code .NAME.old-ID}, delete the commit record. A
 * {@code kill -9} at any instant leaves the previous output at the path, or the new one, or the
 * previous one in {@code .NAME.old-ID} with the complete new one in {@code .NAME.tmp-ID} and the
 * commit record beside them. Every later run on the same path first takes the lock and {@link
 * #recover recovers}: for each run whose owner is dead, with a commit record it finishes the commit
 * (the new output ends at the path), without one it deletes the run's temporary directory (and puts
 * back a previous output a run of an older version left in {@code .NAME.old-ID}); it says what it
 * did in one line on stderr.
 *
 * <p>Liveness: a run (or lock holder) on this host is alive while its process id runs with the
 * recorded start time; on another host while its record was refreshed within {@link #STALE_MILLIS}.
 * An unreadable record (a kill while it was being written) counts as alive for {@link
 * #UNREADABLE_MILLIS} after it was last modified; siblings without any owner record (left by older
 * versions) are left alone for {@link #STALE_MILLIS}. Hosts are told apart by host name (two
 * containers sharing one host name and one file system would need distinct names). So two
 * concurrent runs on one output never delete each other's files: the first to commit wins, the
 * other finds the output there ("already exists", or replaces it with {@code --overwrite}).
 */
final class OutputSiblings {
  /** How often a live run refreshes its owner record and its lock. */
  static final long HEARTBEAT_MILLIS = 30_000;

  /** A record on another host not refreshed for this long belongs to a dead process. */
  static final long STALE_MILLIS = 10 * 60_000;

  /** An unreadable record older than this belongs to a dead process. */
  static final long UNREADABLE_MILLIS = 60_000;

  /** How long a run waits for a live holder of the lock before it gives up. */
  static final long LOCK_WAIT_MILLIS = 10 * 60_000;

  private static final Pattern SIBLING =
      Pattern.compile(
          "(tmp|old|run|commit)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");

  private static final ScheduledExecutorService HEARTBEAT =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "longattn-output-heartbeat");
            t.setDaemon(true);
            return t;
          });

  final FileSystem fs;

  /** The file system the small sibling files go to: without checksum files on the local one. */
  private final FileSystem raw;

  final Path dst;
  final Path parent;
  final String target;

  OutputSiblings(FileSystem fs, Path dst, String target) {
    this.fs = fs;
    this.raw = fs instanceof LocalFileSystem l ? ((FilterFileSystem) l).getRawFileSystem() : fs;
    this.dst = dst;
    this.parent = dst.getParent();
    this.target = target;
  }

  Path tmp(String id) {
    return sibling("tmp-" + id);
  }

  Path old(String id) {
    return sibling("old-" + id);
  }

  Path run(String id) {
    return sibling("run-" + id);
  }

  Path commit(String id) {
    return sibling("commit-" + id);
  }

  private Path lockFile() {
    return sibling("lock");
  }

  private Path sibling(String suffix) {
    return new Path(parent, "." + dst.getName() + "." + suffix);
  }

  // --- owner records ----------------------------------------------------------------------------

  /** Who wrote a sibling file: process id, host, process start (ms), run or lock id. */
  record Owner(long pid, String host, long start, String id) {
    static Owner self(String id) {
      ProcessHandle me = ProcessHandle.current();
      long start = me.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
      return new Owner(me.pid(), HOST, start, id);
    }

    String line() {
      return "pid=" + pid + " host=" + host + " start=" + start + " id=" + id + "\n";
    }

    static Owner parse(String s) {
      Matcher m =
          Pattern.compile("pid=(\\d+) host=(\\S+) start=(\\d+) id=(\\S+)\\n")
              .matcher(s == null ? "" : s);
      return m.matches()
          ? new Owner(
              Long.parseLong(m.group(1)), m.group(2), Long.parseLong(m.group(3)), m.group(4))
          : null;
    }

    @Override
    public String toString() {
      return "pid " + pid + " on " + host;
    }
  }

  static final String HOST = hostName();

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName().replaceAll("\\s", "_");
    } catch (IOException | RuntimeException e) {
      String h = System.getenv("HOSTNAME");
      return h == null || h.isBlank() ? "unknown-host" : h.replaceAll("\\s", "_");
    }
  }

  /** Whether the owner of a record last modified at {@code mtime} may still be running. */
  static boolean alive(Owner o, long mtime) {
    long age = System.currentTimeMillis() - mtime;
    if (o == null) {
      return age < UNREADABLE_MILLIS;
    }
    if (o.host().equals(HOST)) {
      Optional<ProcessHandle> h = ProcessHandle.of(o.pid());
      if (h.isEmpty() || !h.get().isAlive()) {
        return false;
      }
      Optional<Instant> start = h.get().info().startInstant();
      // another process reusing the id started at another time
      return o.start() == 0
          || start.isEmpty()
          || Math.abs(start.get().toEpochMilli() - o.start()) < 1_000;
    }
    return age < STALE_MILLIS;
  }

  /** Creates {@code file} holding {@code content} unless it exists; true when this call made it. */
  boolean createExclusive(Path file, String content) throws IOException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    if (raw != fs || "file".equals(raw.getUri().getScheme())) {
      try { // O_EXCL: atomic on a local file system
        Files.write(
            Paths.get(fs.makeQualified(file).toUri()),
            bytes,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = raw.create(file, false)) { // atomic on HDFS
      out.write(bytes);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (raw.exists(file)) {
        return false;
      }
      throw e;
    }
  }

  /** The text of a small file, or null when it does not exist. */
  String read(Path file) throws IOException {
    try (InputStream in = raw.open(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /** Modification time, or -1 when the file does not exist. */
  long mtime(Path file) throws IOException {
    try {
      return raw.getFileStatus(file).getModificationTime();
    } catch (FileNotFoundException e) {
      return -1;
    }
  }

  boolean deleteFile(Path file) throws IOException {
    return raw.delete(file, false);
  }

  /** Refreshes the modification time of {@code file} every {@link #HEARTBEAT_MILLIS}. */
  AutoCloseable heartbeat(Path file) {
    ScheduledFuture<?> f =
        HEARTBEAT.scheduleAtFixedRate(
            () -> {
              try {
                raw.setTimes(file, System.currentTimeMillis(), -1);
              } catch (IOException | RuntimeException e) {
                // best effort: a missed beat only matters after STALE_MILLIS
              }
            },
            HEARTBEAT_MILLIS,
            HEARTBEAT_MILLIS,
            TimeUnit.MILLISECONDS);
    return () -> f.cancel(false);
  }

  // --- the run record ---------------------------------------------------------------------------

  /** Run {@code id}'s owner record, refreshed until closed, then deleted. */
  AutoCloseable startRun(String id) throws IOException {
    Path file = run(id);
    if (!createExclusive(file, Owner.self(id).line())) {
      throw new IOException("run record '" + file + "' already exists");
    }
    AutoCloseable beat = heartbeat(file);
    return () -> {
      beat.close();
      deleteFile(file);
    };
  }

  // --- the lock ---------------------------------------------------------------------------------

  /** Holds the output's lock until closed: waits for a live holder, removes a dead one's. */
  AutoCloseable lock() throws IOException {
    String id = java.util.UUID.randomUUID().toString();
    Owner me = Owner.self(id);
    Path lock = lockFile();
    long deadline = System.currentTimeMillis() + LOCK_WAIT_MILLIS;
    boolean told = false;
    while (!createLock(lock, me)) {
      String text = read(lock);
      long mtime = mtime(lock);
      if (text == null || mtime < 0) {
        continue; // released meanwhile
      }
      Owner holder = Owner.parse(text);
      if (!alive(holder, mtime)) {
        breakLock(lock, holder, text, mtime);
        continue;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new InputException(
            "output '"
                + target
                + "' is locked by "
                + holder
                + " (running since "
                + LOCK_WAIT_MILLIS / 60_000
                + " min or more; remove '"
                + lock
                + "' if that process is gone)");
      }
      if (!told) {
        System.err.println(
            "longattn: waiting for output '" + target + "': another run (" + holder + ") commits");
        told = true;
      }
      sleep(100);
    }
    AutoCloseable beat = heartbeat(lock);
    return () -> {
      beat.close();
      if (me.line().equals(read(lock))) { // never someone else's, should ours have been broken
        deleteFile(lock);
      }
    };
  }

  private boolean createLock(Path lock, Owner me) throws IOException {
    try {
      return createExclusive(lock, me.line());
    } catch (java.nio.file.AccessDeniedException
        | org.apache.hadoop.security.AccessControlException e) {
      throw new InputException(
          "output '" + target + "': cannot create files in '" + parent + "' (permission denied)");
    }
  }

  /**
   * Removes the lock of a dead holder. Only the process that creates {@code .NAME.lock.break-KEY}
   * (KEY: the holder's id) removes it, and only if the lock still holds that holder's text: a
   * concurrent breaker can never remove a lock taken meanwhile by a live run.
   */
  private void breakLock(Path lock, Owner holder, String text, long mtime) throws IOException {
    String key = holder != null ? holder.id() : "unreadable-" + mtime;
    Path breaker =
        new Path(parent, lock.getName() + ".break-" + key.replaceAll("[^A-Za-z0-9-]", "_"));
    if (!createExclusive(breaker, Owner.self(key).line())) {
      sleep(50);
      return;
    }
    try {
      if (text.equals(read(lock)) && mtime(lock) == mtime) {
        deleteFile(lock);
        System.err.println(
            "longattn: output '"
                + target
                + "': removed the lock of a run that died ("
                + (holder == null ? "unreadable record" : holder.toString())
                + ")");
      }
    } finally {
      deleteFile(breaker);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for an output lock", e);
    }
  }

  // --- recovery ---------------------------------------------------------------------------------

  /**
   * Under the lock: finishes or rolls back what dead runs left (see the class comment) and says so
   * in one line on stderr; leaves live runs' files alone.
   */
  void recover() throws IOException {
    if (!fs.exists(parent)) {
      return;
    }
    String prefix = "." + dst.getName() + ".";
    Map<String, List<String>> byId = new TreeMap<>();
    List<Path> breakers = new ArrayList<>();
    for (FileStatus s : raw.listStatus(parent)) {
      String name = s.getPath().getName();
      if (!name.startsWith(prefix)) {
        continue;
      }
      String rest = name.substring(prefix.length());
      Matcher m = SIBLING.matcher(rest);
      if (m.matches()) {
        byId.computeIfAbsent(m.group(2), k -> new ArrayList<>()).add(m.group(1));
      } else if (rest.startsWith("lock.break-")) {
        breakers.add(s.getPath()); // we hold the lock: no one is breaking it
      }
    }
    List<String> done = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : byId.entrySet()) {
      String what = recover(e.getKey());
      if (what != null) {
        done.add(what);
      }
    }
    for (Path b : breakers) {
      deleteFile(b);
    }
    if (!done.isEmpty()) {
      System.err.println(
          "longattn: output '"
              + target
              + "': recovered from interrupted runs: "
              + String.join("; ", done));
    }
  }

  /** Recovers run {@code id} if it is dead; what it did, or null when nothing (it lives). */
  private String recover(String id) throws IOException {
    Path run = run(id);
    Path tmp = tmp(id);
    Path old = old(id);
    Path commit = commit(id);
    long runTime = mtime(run);
    if (runTime >= 0) {
      if (alive(Owner.parse(read(run)), runTime)) {
        return null;
      }
    } else if (youngest(tmp, old, commit) > System.currentTimeMillis() - STALE_MILLIS) {
      return null; // no owner record: an older version's run, maybe alive
    }
    String what;
    if (raw.exists(commit)) {
      // the new output in tmp is complete: finish the commit
      if (fs.exists(tmp)) {
        if (fs.exists(dst) && !fs.exists(old)) {
          rename(dst, old);
        }
        if (!fs.exists(dst)) {
          rename(tmp, dst);
          what = "finished the commit of run " + id + " (its complete output is now in place)";
        } else {
          fs.delete(tmp, true);
          what = "removed the temporary directory of run " + id;
        }
      } else if (!fs.exists(dst) && fs.exists(old)) {
        rename(old, dst);
        what = "put back the previous output moved away by run " + id;
      } else {
        what = "completed the clean-up of run " + id;
      }
      fs.delete(old, true);
      deleteFile(commit);
    } else {
      boolean hadTmp = fs.delete(tmp, true);
      if (fs.exists(old)) {
        if (!fs.exists(dst)) {
          rename(old, dst);
          what = "put back the previous output moved away by run " + id;
        } else {
          fs.delete(old, true);
          what = "removed the previous output left by run " + id + " (its commit had finished)";
        }
        if (hadTmp) {
          what += ", and its temporary directory";
        }
      } else {
        what = hadTmp ? "removed the temporary directory of run " + id : null;
      }
    }
    deleteFile(run);
    return what;
  }

  private long youngest(Path... paths) throws IOException {
    long t = -1;
    for (Path p : paths) {
      try {
        t = Math.max(t, fs.getFileStatus(p).getModificationTime());
      } catch (FileNotFoundException e) {
        // absent
      }
    }
    return t;
  }

  /** Renames, never into an existing directory (some file systems would nest it). */
  void rename(Path from, Path to) throws IOException {
    if (fs.exists(to) || !fs.rename(from, to)) {
      throw new IOException("cannot rename '" + from + "' to '" + to + "'");
    }
  }
}
