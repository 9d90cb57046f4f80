package org.longattn.jobs.attend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;

/**
 * Sums the shuffle bytes written by the tasks that end while it listens, and keeps what Spark
 * measured of every stage that completes (run and CPU time, shuffle write and read, fetch wait,
 * spill, peak execution memory, GC, output bytes): the part of the run's profile only Spark sees.
 */
public final class ShuffleMeter extends SparkListener {
  private final SparkSession spark;
  private final AtomicLong written = new AtomicLong();
  private final List<Map<String, Object>> stages = new ArrayList<>();

  private ShuffleMeter(SparkSession spark) {
    this.spark = spark;
  }

  public static ShuffleMeter start(SparkSession spark) {
    ShuffleMeter m = new ShuffleMeter(spark);
    spark.sparkContext().addSparkListener(m);
    return m;
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.taskMetrics() != null) {
      written.addAndGet(end.taskMetrics().shuffleWriteMetrics().bytesWritten());
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted e) {
    StageInfo s = e.stageInfo();
    TaskMetrics t = s.taskMetrics();
    if (t == null) {
      return;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("stage", s.stageId());
    m.put("name", s.name());
    m.put("tasks", s.numTasks());
    m.put("run_s", t.executorRunTime() / 1000.0);
    m.put("cpu_s", StageProfile.seconds(t.executorCpuTime()));
    m.put("gc_s", t.jvmGCTime() / 1000.0);
    m.put("shuffle_write_bytes", t.shuffleWriteMetrics().bytesWritten());
    m.put("shuffle_write_s", StageProfile.seconds(t.shuffleWriteMetrics().writeTime()));
    m.put("shuffle_read_bytes", t.shuffleReadMetrics().totalBytesRead());
    m.put("fetch_wait_s", t.shuffleReadMetrics().fetchWaitTime() / 1000.0);
    m.put("spill_memory_bytes", t.memoryBytesSpilled());
    m.put("spill_disk_bytes", t.diskBytesSpilled());
    m.put("peak_execution_memory", t.peakExecutionMemory());
    m.put("input_bytes", t.inputMetrics().bytesRead());
    m.put("output_bytes", t.outputMetrics().bytesWritten());
    synchronized (stages) {
      stages.add(m);
    }
  }

  /** Bytes written so far after the events of finished jobs are delivered. */
  public long bytesWritten() {
    drain();
    return written.get();
  }

  /** The completed stages so far, in completion order (after pending events are delivered). */
  public List<Map<String, Object>> stages() {
    drain();
    synchronized (stages) {
      return new ArrayList<>(stages);
    }
  }

  private void drain() {
    try {
      // Scala private[spark], public in bytecode: the listener bus delivers events asynchronously.
      spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
    } catch (java.util.concurrent.TimeoutException e) {
      // report what arrived; the number is a measurement, not a result
    }
  }

  public void stop() {
    spark.sparkContext().removeSparkListener(this);
  }
}
