package org.longattn.jobs.attend;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/** Sums the shuffle bytes written by the tasks that end while it listens. */
public final class ShuffleMeter extends SparkListener {
  private final SparkSession spark;
  private final AtomicLong written = new AtomicLong();

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

  /** Bytes written so far after the events of finished jobs are delivered. */
  public long bytesWritten() {
    try {
      // Scala private[spark], public in bytecode: the listener bus delivers events asynchronously.
      spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
    } catch (java.util.concurrent.TimeoutException e) {
      // report what arrived; the number is a measurement, not a result
    }
    return written.get();
  }

  public void stop() {
    spark.sparkContext().removeSparkListener(this);
  }
}
