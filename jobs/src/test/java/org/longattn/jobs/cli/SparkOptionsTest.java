package org.longattn.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.longattn.jobs.LoopbackOnlyFilter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The Spark flags, parsed as every command parses them, and the SparkConf they make. */
class SparkOptionsTest {
  @Command(name = "x")
  static final class Holder {
    @Mixin SparkOptions spark;
  }

  private static SparkConf conf(String... args) {
    Holder h = new Holder();
    new CommandLine(h).parseArgs(args);
    return h.spark.conf("test");
  }

  private static String error(String... args) {
    Holder h = new Holder();
    return assertThrows(
            CommandLine.ParameterException.class, () -> new CommandLine(h).parseArgs(args))
        .getMessage();
  }

  @Test
  void confKeyValuesReachTheSparkConf() {
    SparkConf c =
        conf(
            "--conf",
            "spark.sql.shuffle.partitions=7",
            "--conf",
            "spark.executor.extraJavaOptions=-Da=b -Dc=d=e");
    assertEquals("7", c.get("spark.sql.shuffle.partitions"));
    assertEquals("-Da=b -Dc=d=e", c.get("spark.executor.extraJavaOptions"), "split at the first =");
  }

  @Test
  void unknownConfFormsAreErrors() {
    assertTrue(error("--conf", "bigbird-roberta-base").contains("--preset"));
    assertTrue(error("--conf", "frobnicate=7").contains("not a Spark property"));
    assertTrue(error("--conf", "=7").contains("not a Spark property"));
  }

  @Test
  void driverMemory() {
    assertEquals("3g", conf("--driver-memory", "3g").get("spark.driver.memory"));
    assertTrue(error("--driver-memory", "lots").contains("heap size"));
    assertTrue(error("--driver-memory", "1k").contains("heap size"));
    assertEquals(3L << 30, SparkOptions.bytes("3g"));
    assertEquals(512L << 20, SparkOptions.bytes("512M"));
  }

  /** Embedded: the UI is off unless --ui; when on, it answers loopback clients only. */
  @Test
  void embeddedUiIsOffOrLoopbackOnly() {
    SparkConf off = conf("--master", "local[2]");
    assertEquals("false", off.get("spark.ui.enabled"));
    assertEquals("false", off.get("spark.ui.showConsoleProgress"), "no \\r-lines in logs");
    SparkConf on = conf("--master", "local[2]", "--ui");
    assertEquals("true", on.get("spark.ui.enabled"));
    assertTrue(on.get("spark.ui.filters").contains(LoopbackOnlyFilter.class.getName()));
    SparkConf viaConf = conf("--conf", "spark.ui.enabled=true");
    assertTrue(viaConf.get("spark.ui.filters").contains(LoopbackOnlyFilter.class.getName()));
    // a cluster master keeps Spark's own UI settings
    SparkConf cluster = conf("--master", "spark://127.0.0.1:7077");
    assertFalse(cluster.contains("spark.ui.enabled"));
  }

  @Test
  void loopbackFilterAdmitsLoopbackOnly() {
    assertTrue(LoopbackOnlyFilter.loopback("127.0.0.1"));
    assertTrue(LoopbackOnlyFilter.loopback("::1"));
    assertFalse(LoopbackOnlyFilter.loopback("10.1.2.3"));
    assertFalse(LoopbackOnlyFilter.loopback("192.168.0.7"));
    assertFalse(LoopbackOnlyFilter.loopback("localhost"), "names are never resolved");
    assertFalse(LoopbackOnlyFilter.loopback(null));
  }
}
