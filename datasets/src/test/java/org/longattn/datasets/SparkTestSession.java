package org.longattn.datasets;

import org.apache.spark.sql.SparkSession;

/**
 * One local Spark session per test JVM (a cold start costs seconds). Public: the jobs module reuses
 * it through this module's test-jar.
 */
public final class SparkTestSession {
  private static SparkSession spark;

  private SparkTestSession() {}

  public static synchronized SparkSession get() {
    if (spark == null) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("longattn-datasets-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
              .getOrCreate();
    }
    return spark;
  }
}
