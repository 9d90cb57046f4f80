package org.longattn.jobs.attend;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.util.LongAccumulator;

/**
 * Where the time of a run goes, stage by stage of the engine (read, decode, route, shuffle read,
 * assemble, kernel, row build): wall and CPU time summed over tasks, and bytes, as Spark
 * accumulators — cheap enough to be always on (two clock reads per row where the stage is per row,
 * per block or span otherwise). {@link SparkStageMeter} adds what only Spark knows (shuffle write,
 * fetch wait, spill, the Parquet write); both go to {@code _longattn.json} as {@code profile}.
 *
 * <p>The engine's stages are timed in the span execution (softmax patterns, conv-band); every
 * execution gets Spark's per-stage metrics.
 *
 * <p>Times are task-seconds (summed over the tasks of all cores), not wall-clock seconds of the
 * run. CPU time is per thread ({@link ThreadMXBean}); stages timed per row record wall time only.
 */
public final class StageProfile implements java.io.Serializable {
  /**
   * The stage under the output writer: wall time its tasks spent waiting for rows (everything
   * upstream); the output stage's run time minus this is the Parquet encode and write.
   */
  public static final String ROWS_IN = "rows_in";

  /** Engine stages in pipeline order. */
  public static final String[] STAGES = {
    "read", "decode", "route", "shuffle_read", "assemble", "kernel", "row_build", ROWS_IN
  };

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Map<String, LongAccumulator[]> acc = new LinkedHashMap<>();

  private StageProfile() {}

  /** One set of accumulators per stage (wall ns, CPU ns, bytes), registered with {@code sc}. */
  public static StageProfile register(SparkContext sc) {
    StageProfile p = new StageProfile();
    for (String s : STAGES) {
      p.acc.put(
          s,
          new LongAccumulator[] {
            sc.longAccumulator("profile " + s + " wall ns"),
            sc.longAccumulator("profile " + s + " cpu ns"),
            sc.longAccumulator("profile " + s + " bytes")
          });
    }
    return p;
  }

  /** CPU time of the current thread in ns (0 where the JVM does not measure it). */
  public static long cpuNow() {
    return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
  }

  /** Adds wall, CPU (−1: not measured) and bytes to {@code stage}. */
  public void add(String stage, long wallNs, long cpuNs, long bytes) {
    LongAccumulator[] a = acc.get(stage);
    a[0].add(wallNs);
    if (cpuNs > 0) {
      a[1].add(cpuNs);
    }
    if (bytes > 0) {
      a[2].add(bytes);
    }
  }

  /** A started measurement (wall and thread CPU). */
  public Timer start(String stage) {
    return new Timer(stage, System.nanoTime(), cpuNow());
  }

  /** A measurement started by {@link #start}; {@link #stop} adds it. */
  public final class Timer {
    private final String stage;
    private final long wall0;
    private final long cpu0;

    private Timer(String stage, long wall0, long cpu0) {
      this.stage = stage;
      this.wall0 = wall0;
      this.cpu0 = cpu0;
    }

    public void stop(long bytes) {
      add(stage, System.nanoTime() - wall0, cpuNow() - cpu0, bytes);
    }
  }

  /** {@code rows}, timing how long each task's consumer waits for them ({@link #ROWS_IN}). */
  public <T> JavaRDD<T> timeRows(JavaRDD<T> rows) {
    return rows.mapPartitions(
        it ->
            new Iterator<T>() {
              long ns;
              long count;
              boolean reported;

              @Override
              public boolean hasNext() {
                long t0 = System.nanoTime();
                boolean more = it.hasNext();
                ns += System.nanoTime() - t0;
                if (!more && !reported) {
                  reported = true;
                  add(ROWS_IN, ns, -1, count);
                }
                return more;
              }

              @Override
              public T next() {
                long t0 = System.nanoTime();
                T r = it.next();
                ns += System.nanoTime() - t0;
                count++;
                return r;
              }
            },
        true);
  }

  /** Stage → {wall_s, cpu_s, bytes}, for the run record (stages never reached are left out). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    acc.forEach(
        (s, a) -> {
          if (a[0].value() == 0 && a[2].value() == 0) {
            return;
          }
          Map<String, Object> e = new LinkedHashMap<>();
          e.put("wall_s", seconds(a[0].value()));
          if (a[1].value() > 0) {
            e.put("cpu_s", seconds(a[1].value()));
          }
          e.put(s.equals(ROWS_IN) || s.equals("decode") ? "rows" : "bytes", a[2].value());
          m.put(s, e);
        });
    return m;
  }

  /**
   * The run record's {@code profile}: the engine's stages ({@code engine}, possibly empty), the
   * Parquet encode and write derived from them ({@code parquet_write}: the writing stages' run time
   * minus {@link #ROWS_IN}), and what Spark measured per stage ({@code spark_stages}).
   */
  public static Map<String, Object> record(
      Map<String, Object> engine, List<Map<String, Object>> sparkStages) {
    Map<String, Object> m = new LinkedHashMap<>(engine);
    double writeRun = 0;
    long written = 0;
    for (Map<String, Object> st : sparkStages) {
      long out = ((Number) st.get("output_bytes")).longValue();
      if (out > 0) {
        writeRun += ((Number) st.get("run_s")).doubleValue();
        written += out;
      }
    }
    if (written > 0 && engine.get(ROWS_IN) instanceof Map<?, ?> in) {
      Map<String, Object> w = new LinkedHashMap<>();
      double upstream = ((Number) in.get("wall_s")).doubleValue();
      w.put("wall_s", Math.round(Math.max(0, writeRun - upstream) * 1000) / 1000.0);
      w.put("bytes", written);
      m.put("parquet_write", w);
    }
    m.put("spark_stages", sparkStages);
    return m;
  }

  static double seconds(long ns) {
    return Math.round(ns / 1e6) / 1000.0;
  }
}
