package org.longattn.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.jobs.CliRunner;
import org.longattn.jobs.TokenTables;

/**
 * The shaded jar on a real Spark standalone cluster — {@code bin/cluster start}: a master and two
 * workers (1 core, 1536 MiB each) on 127.0.0.1, executors in their own JVMs — submitted with {@code
 * bin/cluster submit} (SparkSubmit in a separate driver process). Every output is compared bit for
 * bit with the local in-process run of the same command on the same input; an executor is SIGKILLed
 * in the middle of the attention stage; failed submissions exit non-zero with one clear message and
 * leave no output. The cluster is started once for the class and always stopped.
 *
 * <p>Runs with maven-failsafe in {@code integration-test} (after {@code package} built the shaded
 * jar and {@code classpath.txt}).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ClusterIT {
  /** Repository root (failsafe sets it; the module's parent otherwise). */
  static final Path HOME =
      Path.of(System.getProperty("longattn.home", "..")).toAbsolutePath().normalize();

  static final Path CLUSTER_DIR = HOME.resolve("jobs/target/cluster-it");
  static final Duration START = Duration.ofMinutes(3);
  static final Duration JOB = Duration.ofMinutes(5);

  @TempDir static Path tmp;
  private static Thread stopHook;

  /** Exit code and the process's combined stdout + stderr. */
  record Result(int code, String out) {}

  @BeforeAll
  static void startCluster() throws Exception {
    assertTrue(
        Files.isExecutable(HOME.resolve("bin/cluster")), "bin/cluster under " + HOME + " missing");
    stopHook = new Thread(ClusterIT::stopQuietly, "stop longattn test cluster");
    Runtime.getRuntime().addShutdownHook(stopHook);
    Result r = run(START, tmp.resolve("start.log"), Map.of(), "start");
    assertEquals(0, r.code(), "bin/cluster start failed:\n" + r.out());
    Result s = run(Duration.ofSeconds(30), tmp.resolve("status.log"), Map.of(), "status");
    assertEquals(0, s.code(), s.out());
  }

  @AfterAll
  static void stopCluster() throws Exception {
    Result r = run(Duration.ofMinutes(2), tmp.resolve("stop.log"), Map.of(), "stop");
    try {
      Runtime.getRuntime().removeShutdownHook(stopHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    assertEquals(0, r.code(), r.out());
    Result s = run(Duration.ofSeconds(30), tmp.resolve("status.log"), Map.of(), "status");
    assertEquals(1, s.code(), "cluster still running after stop:\n" + s.out());
    assertFalse(s.out().contains("executor "), "executors left running:\n" + s.out());
  }

  private static void stopQuietly() {
    try {
      run(Duration.ofMinutes(1), CLUSTER_DIR.resolve("stop-hook.log"), Map.of(), "stop");
    } catch (Exception e) {
      System.err.println("could not stop the test cluster: " + e);
    }
  }

  // --- tests ---------------------------------------------------------------------------------

  /** Several documents, BigBird with statistics: the cluster's output equals the local run's. */
  @Test
  void bigbirdWithStatsIsBitwiseIdenticalToLocal() throws Exception {
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("alpha", 3001, 32, 16, 3, 11),
            TokenTables.random("beta", 1500, 32, 16, 1, 12),
            TokenTables.random("gamma", 700, 32, 16, 0, 13),
            TokenTables.random("delta", 77, 32, 16, 2, 14));
    String in = tmp.resolve("bb-in").toString();
    TokenTables.write(TokenTables.rows(docs, 5), in, 3);
    List<String> args =
        List.of(
            "--pattern",
            "bigbird",
            "--heads",
            "2",
            "--block-size",
            "32",
            "--random-blocks",
            "2",
            "--span-tokens",
            "512",
            "--seed",
            "9",
            "--stats");
    // longattn's --conf (after the jar) reaches the executors: the workers start them with the
    // heap it sets (bin/cluster's own default is 1g = -Xmx1024M)
    compareWithLocal(
        in, "bb", args, 3001 + 1500 + 700 + 77, "--conf", "spark.executor.memory=1000m");
    List<String> heaps = new ArrayList<>();
    for (Path log : executorLogs()) {
      String first =
          Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream()
              .filter(l -> l.startsWith("Spark Executor Command:"))
              .findFirst()
              .orElse("");
      heaps.add(first.replaceAll(".*(-Xmx[0-9]+[A-Za-z]?).*", "$1"));
    }
    assertTrue(heaps.contains("-Xmx1000M"), "an executor started with --conf's heap: " + heaps);
  }

  /** Longformer with global tokens (and binary output encoding). */
  @Test
  void longformerWithGlobalsIsBitwiseIdenticalToLocal() throws Exception {
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("one", 2500, 48, 48, 6, 21),
            TokenTables.random("two", 999, 48, 48, 3, 22),
            TokenTables.random("three", 1, 48, 48, 1, 23));
    String in = tmp.resolve("lf-in").toString();
    TokenTables.write(TokenTables.rows(docs, 7), in, 2);
    List<String> args =
        List.of(
            "--pattern",
            "longformer",
            "--window",
            "96",
            "--heads",
            "3",
            "--block-size",
            "32",
            "--span-tokens",
            "256",
            "--stats",
            "--output-encoding",
            "binary");
    compareWithLocal(in, "lf", args, 2500 + 999 + 1);
  }

  /**
   * The other distributed plans on two executors: exact dense as (query span × key chunk) tiles,
   * the causal gated-linear scan over blocks, and Hyena's overlap-add — each bitwise equal to the
   * local run (their association orders depend on block ids only).
   */
  @Test
  void denseTilesLinearScanAndHyenaAreBitwiseIdenticalToLocal() throws Exception {
    List<TokenTables.Doc> docs =
        List.of(
            TokenTables.random("long", 2100, 32, 32, 0, 31),
            TokenTables.random("short", 130, 32, 32, 0, 32));
    String in = tmp.resolve("fam-in").toString();
    TokenTables.write(TokenTables.rows(docs, 3), in, 3);
    long tokens = 2100 + 130;
    List<String> common = List.of("--heads", "2", "--block-size", "32", "--span-tokens", "256");
    List<List<String>> runs =
        List.of(
            List.of("--pattern", "dense", "--causal", "--stats"),
            List.of("--pattern", "gated-linear", "--causal"),
            List.of("--pattern", "hyena", "--order", "2"));
    int i = 0;
    for (List<String> run : runs) {
      List<String> args = new ArrayList<>(run);
      args.addAll(common);
      compareWithLocal(in, "fam" + i++, args, tokens);
    }
  }

  /**
   * {@code attend} on the cluster with one executor SIGKILLed in the middle of the attention stage:
   * the job recovers (lost tasks and shuffle outputs re-run, the worker starts a new executor) and
   * the output has every (doc, pos) once, bitwise equal to local.
   */
  @Test
  void survivesAnExecutorKilledMidStage() throws Exception {
    int docs = 2;
    int tokensPerDoc = 60_000;
    long tokens = (long) docs * tokensPerDoc;
    String in = tmp.resolve("fault-in").toString();
    // generated in-process (generate runs under spark-submit in the demo below)
    CliRunner.Result gen =
        CliRunner.run(
            "generate",
            "--output",
            in,
            "--docs",
            String.valueOf(docs),
            "--tokens",
            String.valueOf(tokensPerDoc),
            "--heads",
            "2",
            "--head-dim",
            "16",
            "--global-fraction",
            "0.0002",
            "--seed",
            "17");
    assertEquals(0, gen.code(), gen.err());
    assertEquals(tokens, SparkTestSession.get().read().parquet(in).count());

    List<String> args =
        List.of(
            "--pattern",
            "bigbird",
            "--heads",
            "2",
            "--block-size",
            "32",
            "--span-tokens",
            "1024",
            "--stats");
    String local = tmp.resolve("fault-local").toString();
    attendLocal(in, local, args);

    String out = tmp.resolve("fault-cluster").toString();
    Path log = tmp.resolve("fault-cluster.log");
    // --verbose: Spark's own log, where the driver reports the lost executor (quiet otherwise).
    List<String> cmd =
        new ArrayList<>(List.of("submit", "attend", "--input", in, "--output", out, "--verbose"));
    cmd.addAll(args);
    Process p = start(log, submitEnv(), cmd.toArray(String[]::new));
    Killed killed;
    try {
      killed = killExecutorMidStage(p, log);
      if (!p.waitFor(JOB.toSeconds(), TimeUnit.SECONDS)) {
        fail("attend did not finish within " + JOB + " after the kill:\n" + tail(log));
      }
    } finally {
      destroyTree(p);
    }
    String driver = Files.readString(log);
    assertEquals(0, p.exitValue(), "attend failed after the executor kill:\n" + driver);
    assertTrue(
        driver.contains("[attend] done:"), "driver finished the job after the kill:\n" + driver);
    assertTrue(
        driver.contains("Lost executor " + killed.executorId() + " "),
        "the driver saw the executor go:\n" + driver);
    // The standalone worker replaced the killed executor (a new executor directory for the app).
    long executors = countExecutorDirs(killed.appId());
    assertTrue(executors >= 3, "a replacement executor was launched, saw " + executors);

    Map<String, byte[]> expected = readBits(local, tokens);
    Map<String, byte[]> got = readBits(out, tokens);
    assertSameBits(expected, got, "after SIGKILL of executor " + killed.executorId());
    assertNoTemporarySiblings(out);
  }

  /** Missing input, bad input, unreachable master: non-zero exit, clear message, no output. */
  @Test
  void failedSubmissionsLeaveNoOutput() throws Exception {
    // missing input
    Path out1 = tmp.resolve("fail-missing");
    Result r1 =
        submit(
            "fail-missing",
            "attend",
            "--input",
            tmp.resolve("no-such-table").toString(),
            "--output",
            out1.toString(),
            "--pattern",
            "dense",
            "--heads",
            "1");
    assertEquals(2, r1.code(), r1.out());
    assertOneErrorLine(r1, "no-such-table");
    assertNoOutput(out1);

    // bad input: NaN in k, found by the executors while routing (the message crosses processes)
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      float k = i == 123 ? Float.NaN : i * 0.01f;
      rows.add(
          RowFactory.create(
              "bad-doc",
              i,
              TokenTables.boxed(new float[] {1, 2, 3, 4}, 0, 4),
              TokenTables.boxed(new float[] {k, 1, 0, 1}, 0, 4),
              TokenTables.boxed(new float[] {0, 1, 2, 3}, 0, 4),
              false));
    }
    String bad = tmp.resolve("fail-bad-in").toString();
    TokenTables.write(rows, bad, 2);
    Path out2 = tmp.resolve("fail-bad");
    Result r2 =
        submit(
            "fail-bad",
            "attend",
            "--input",
            bad,
            "--output",
            out2.toString(),
            "--span-tokens",
            "64",
            "--block-size",
            "16",
            "--pattern",
            "dense",
            "--heads",
            "1");
    assertEquals(2, r2.code(), r2.out());
    assertOneErrorLine(r2, "doc 'bad-doc'", "pos 123", "'k'");
    assertNoOutput(out2);

    // unreachable cluster (nothing listens on the port)
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path out3 = tmp.resolve("fail-port");
    Map<String, String> env = new HashMap<>(submitEnv());
    env.put("LONGATTN_MASTER_URL", "spark://127.0.0.1:" + port);
    Result r3 =
        run(
            JOB,
            tmp.resolve("fail-port.log"),
            env,
            "submit",
            "attend",
            "--input",
            bad,
            "--output",
            out3.toString(),
            "--pattern",
            "dense",
            "--heads",
            "1");
    assertTrue(r3.code() != 0, r3.out());
    assertTrue(r3.out().contains("unreachable") && r3.out().contains(":" + port), r3.out());
    assertNoOutput(out3);
  }

  /** The other commands run unchanged from the shaded jar under spark-submit. */
  @Test
  void patternBenchDemoReportAndEmbedRunUnderSparkSubmit() throws Exception {
    Result pattern =
        submit("pattern", "pattern", "--tokens", "1024", "--pattern", "bigbird", "--heads", "2");
    assertEquals(0, pattern.code(), pattern.out());
    assertTrue(pattern.out().contains("\"pattern\""), pattern.out());

    Result bench =
        submit(
            "bench",
            "bench",
            "--pattern",
            "bigbird",
            "--tokens",
            "8192",
            "--heads",
            "1",
            "--head-dim",
            "16",
            "--span-tokens",
            "2048",
            "--repeat",
            "1",
            "--work-dir",
            tmp.resolve("bench-work").toString());
    assertEquals(0, bench.code(), bench.out());
    assertTrue(bench.out().contains("\"end_to_end\""), bench.out());
    assertTrue(bench.out().contains("\"master\" : \"spark://127.0.0.1:"), bench.out());

    Path demo = tmp.resolve("demo");
    Result d = submit("demo", "demo", "--dir", demo.toString(), "--docs", "2", "--tokens", "3000");
    assertEquals(0, d.code(), d.out());
    assertEquals(
        6000, SparkTestSession.get().read().parquet(demo.resolve("attention").toString()).count());
    // demo ends with `report`: the report it wrote under spark-submit
    assertTrue(Files.size(demo.resolve("report").resolve("index.html")) > 0, "report written");
    assertTrue(d.out().contains("demo: report"), "demo prints the report's path: " + d.out());
    assertTrue(Files.exists(demo.resolve("report").resolve("summary.json")), "summary written");

    // embed (Spark MLlib Word2Vec) from the same jar: text files in, a token table out
    Path text = Files.createDirectories(tmp.resolve("embed-text"));
    StringBuilder words = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      words.append('w').append(i % 13).append(' '); // 400 words, one token each
    }
    Files.writeString(text.resolve("a.txt"), words.toString());
    Files.writeString(text.resolve("b.txt"), words.reverse().toString());
    Path tokens = tmp.resolve("embed-tokens");
    Result e =
        submit(
            "embed",
            "embed",
            "--input",
            text.toString(),
            "--output",
            tokens.toString(),
            "--heads",
            "2",
            "--head-dim",
            "8",
            "--vector-size",
            "16",
            "--min-count",
            "1");
    assertEquals(0, e.code(), e.out());
    long embedded = SparkTestSession.get().read().parquet(tokens.toString()).count();
    assertEquals(800, embedded, "one row per word of the two files");
  }

  // --- comparing with the local run ----------------------------------------------------------

  private static void compareWithLocal(
      String in, String name, List<String> args, long tokens, String... clusterOnly)
      throws Exception {
    String local = tmp.resolve(name + "-local").toString();
    attendLocal(in, local, args);
    String out = tmp.resolve(name + "-cluster").toString();
    List<String> cmd = new ArrayList<>(List.of("attend", "--input", in, "--output", out));
    cmd.addAll(args);
    cmd.addAll(List.of(clusterOnly));
    Result r = submit(name + "-cluster", cmd.toArray(String[]::new));
    assertEquals(0, r.code(), r.out());
    assertTrue(Files.exists(Path.of(out, "_longattn.json")), "run record written");
    String record = Files.readString(Path.of(out, "_longattn.json"));
    assertTrue(record.contains("spark://127.0.0.1:"), "ran on the cluster: " + record);
    assertSameBits(readBits(local, tokens), readBits(out, tokens), name);
    assertNoTemporarySiblings(out);
  }

  private static void attendLocal(String in, String out, List<String> args) {
    List<String> cmd = new ArrayList<>(List.of("attend", "--input", in, "--output", out));
    cmd.addAll(args);
    CliRunner.Result r = CliRunner.run(cmd.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
  }

  /**
   * Every row of an output table as (doc_id#pos → the raw bits of out and all statistics); fails on
   * a duplicated (doc, pos) and on a row count other than {@code tokens}.
   */
  static Map<String, byte[]> readBits(String path, long tokens) {
    Map<String, byte[]> bits = new HashMap<>();
    Iterator<Row> it = SparkTestSession.get().read().parquet(path).toLocalIterator();
    long rows = 0;
    while (it.hasNext()) {
      Row row = it.next();
      rows++;
      String key = row.getString(0) + "#" + row.getInt(1);
      List<byte[]> parts = new ArrayList<>();
      int len = 0;
      for (int c = 2; c < row.length(); c++) {
        byte[] b = rawBits(row.get(c));
        parts.add(b);
        len += b.length + 4;
      }
      ByteBuffer all = ByteBuffer.allocate(len);
      for (byte[] b : parts) {
        all.putInt(b.length).put(b);
      }
      if (bits.put(key, all.array()) != null) {
        fail("duplicate row for " + key + " in " + path);
      }
    }
    assertEquals(tokens, rows, "rows in " + path);
    assertEquals(tokens, bits.size(), "distinct (doc_id, pos) in " + path);
    return bits;
  }

  private static byte[] rawBits(Object v) {
    if (v instanceof byte[] b) {
      return b;
    }
    if (v instanceof scala.collection.Seq<?> s) {
      ByteBuffer buf = ByteBuffer.allocate(4 * s.size()).order(ByteOrder.LITTLE_ENDIAN);
      scala.collection.Iterator<?> it = s.iterator();
      while (it.hasNext()) {
        buf.putInt(Float.floatToRawIntBits((Float) it.next()));
      }
      return buf.array();
    }
    if (v instanceof List<?> l) {
      ByteBuffer buf = ByteBuffer.allocate(4 * l.size()).order(ByteOrder.LITTLE_ENDIAN);
      for (Object x : l) {
        buf.putInt(Float.floatToRawIntBits((Float) x));
      }
      return buf.array();
    }
    throw new AssertionError("unexpected column value " + v);
  }

  private static void assertSameBits(
      Map<String, byte[]> expected, Map<String, byte[]> got, String what) {
    assertEquals(expected.keySet(), got.keySet(), what + ": same (doc_id, pos) set");
    int differing = 0;
    String first = null;
    for (Map.Entry<String, byte[]> e : expected.entrySet()) {
      if (!Arrays.equals(e.getValue(), got.get(e.getKey()))) {
        differing++;
        if (first == null) {
          first = e.getKey();
        }
      }
    }
    assertEquals(0, differing, what + ": rows not bitwise identical to local, first " + first);
  }

  // --- the executor kill ---------------------------------------------------------------------

  record Killed(String appId, String executorId, long pid) {}

  private static final Pattern SPANS = Pattern.compile("\\[attend\\] plan: .* (\\d+) spans of");

  private static final Pattern FINISHED =
      Pattern.compile("Finished task \\d+\\.\\d+ in stage (\\d+)\\.\\d+");

  /**
   * Waits until the driver planned (its "[attend] plan:" line: the planning jobs are over), then
   * until the executors finished tasks of two new stages — the routing shuffle-map stage and the
   * attention stage after it (one task per span) — and, a third of the spans into the attention
   * stage, SIGKILLs the executor that finished most of its tasks.
   */
  private static Killed killExecutorMidStage(Process p, Path driverLog) throws Exception {
    long deadline = System.nanoTime() + JOB.toNanos();
    while (!Files.readString(driverLog).contains("[attend] plan:")) {
      checkRunning(p, driverLog, deadline, "the plan line");
      Thread.sleep(100);
    }
    Matcher plan = SPANS.matcher(Files.readString(driverLog));
    assertTrue(plan.find(), "span count in the plan line");
    int spans = Integer.parseInt(plan.group(1));
    int killAfter = Math.max(4, spans / 3);
    Map<Path, Integer> before = new HashMap<>();
    for (Path f : executorLogs()) {
      before.put(f, finishedStages(f).size());
    }
    while (true) {
      checkRunning(p, driverLog, deadline, "tasks of the attention stage");
      // stage id -> executor log -> tasks finished since the plan
      TreeMap<Integer, Map<Path, Integer>> stages = new TreeMap<>();
      for (Path f : executorLogs()) {
        List<Integer> s = finishedStages(f);
        for (int i = before.getOrDefault(f, 0); i < s.size(); i++) {
          stages.computeIfAbsent(s.get(i), k -> new HashMap<>()).merge(f, 1, Integer::sum);
        }
      }
      if (stages.size() >= 2) {
        Map<Path, Integer> attention = stages.lastEntry().getValue();
        int done = attention.values().stream().mapToInt(Integer::intValue).sum();
        if (done >= killAfter) {
          Path victim =
              attention.entrySet().stream().max(Map.Entry.comparingByValue()).get().getKey();
          String executorId = victim.getParent().getFileName().toString();
          String appId = victim.getParent().getParent().getFileName().toString();
          ProcessHandle h =
              findExecutor(appId, executorId)
                  .orElseThrow(
                      () ->
                          new AssertionError(
                              "no process for executor " + executorId + " " + appId));
          assertTrue(h.destroyForcibly(), "SIGKILL executor " + executorId);
          h.onExit().get(30, TimeUnit.SECONDS);
          System.err.println(
              "[ClusterIT] SIGKILLed executor "
                  + executorId
                  + " (pid "
                  + h.pid()
                  + ") of "
                  + appId
                  + " after "
                  + done
                  + " tasks of stage "
                  + stages.lastKey());
          return new Killed(appId, executorId, h.pid());
        }
      }
      Thread.sleep(50);
    }
  }

  private static void checkRunning(Process p, Path log, long deadline, String waitingFor)
      throws IOException {
    if (!p.isAlive()) {
      fail("attend ended before " + waitingFor + " (exit " + p.exitValue() + "):\n" + tail(log));
    }
    if (System.nanoTime() > deadline) {
      fail("timed out waiting for " + waitingFor + ":\n" + tail(log));
    }
  }

  /** The stderr files of this cluster's executors: work/worker-N/APP/EXECUTOR/stderr. */
  private static List<Path> executorLogs() throws IOException {
    List<Path> logs = new ArrayList<>();
    Path work = CLUSTER_DIR.resolve("work");
    if (!Files.isDirectory(work)) {
      return logs;
    }
    try (Stream<Path> s =
        Files.find(work, 4, (f, a) -> f.getFileName().toString().equals("stderr"))) {
      s.forEach(logs::add);
    }
    return logs;
  }

  private static List<Integer> finishedStages(Path log) throws IOException {
    List<Integer> stages = new ArrayList<>();
    Matcher m = FINISHED.matcher(Files.readString(log, StandardCharsets.ISO_8859_1));
    while (m.find()) {
      stages.add(Integer.parseInt(m.group(1)));
    }
    return stages;
  }

  private static long countExecutorDirs(String appId) throws IOException {
    long n = 0;
    try (Stream<Path> workers = Files.list(CLUSTER_DIR.resolve("work"))) {
      for (Path w : workers.toList()) {
        Path app = w.resolve(appId);
        if (Files.isDirectory(app)) {
          try (Stream<Path> e = Files.list(app)) {
            n += e.filter(Files::isDirectory).count();
          }
        }
      }
    }
    return n;
  }

  /** The executor JVM of this cluster with that app and executor id. */
  static Optional<ProcessHandle> findExecutor(String appId, String executorId) {
    String jars = CLUSTER_DIR.resolve("spark-home/jars").toString();
    return ProcessHandle.allProcesses()
        .filter(
            h -> {
              String c = commandLine(h);
              return c.contains("CoarseGrainedExecutorBackend")
                  && c.contains(jars)
                  && c.contains("--app-id " + appId + " ")
                  && c.contains("--executor-id " + executorId + " ");
            })
        .findFirst();
  }

  private static String commandLine(ProcessHandle h) {
    try {
      byte[] b = Files.readAllBytes(Path.of("/proc", String.valueOf(h.pid()), "cmdline"));
      return new String(b, StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException | RuntimeException e) {
      return h.info().commandLine().orElse("");
    }
  }

  // --- processes -----------------------------------------------------------------------------

  /** Environment of every bin/cluster call: this class's cluster, quiet drivers. */
  private static Map<String, String> submitEnv() {
    return Map.of(
        "LONGATTN_SUBMIT_OPTS",
        "--conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false",
        "LONGATTN_DRIVER_MEMORY",
        "1g");
  }

  private static Result submit(String name, String... args) throws Exception {
    String[] all = new String[args.length + 1];
    all[0] = "submit";
    System.arraycopy(args, 0, all, 1, args.length);
    return run(JOB, tmp.resolve(name + ".log"), submitEnv(), all);
  }

  private static Process start(Path log, Map<String, String> env, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(HOME.resolve("bin/cluster").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(HOME.toFile());
    pb.environment().put("LONGATTN_CLUSTER_DIR", CLUSTER_DIR.toString());
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Files.createDirectories(log.getParent());
    return pb.start();
  }

  static Result run(Duration timeout, Path log, Map<String, String> env, String... args)
      throws Exception {
    Process p = start(log, env, args);
    try {
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        fail("bin/cluster " + String.join(" ", args) + " ran over " + timeout + ":\n" + tail(log));
      }
    } finally {
      destroyTree(p);
    }
    return new Result(p.exitValue(), Files.readString(log));
  }

  private static void destroyTree(Process p) {
    if (p.isAlive()) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "(no output)";
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }

  // --- assertions ----------------------------------------------------------------------------

  private static void assertOneErrorLine(Result r, String... expected) {
    List<String> errors = r.out().lines().filter(l -> l.startsWith("longattn: error: ")).toList();
    assertEquals(1, errors.size(), "exactly one error line:\n" + r.out());
    for (String e : expected) {
      assertTrue(errors.get(0).contains(e), "'" + errors.get(0) + "' should name '" + e + "'");
    }
  }

  private static void assertNoOutput(Path out) throws IOException {
    assertFalse(Files.exists(out), "no output directory " + out);
    assertNoTemporarySiblings(out.toString());
  }

  private static void assertNoTemporarySiblings(String out) throws IOException {
    Path p = Path.of(out);
    String prefix = "." + p.getFileName() + ".tmp-";
    try (Stream<Path> s = Files.list(p.getParent())) {
      List<Path> left = s.filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
      assertTrue(left.isEmpty(), "temporary output left behind: " + left);
    }
  }
}
