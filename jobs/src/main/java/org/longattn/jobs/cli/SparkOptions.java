package org.longattn.jobs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/** Options every Spark command shares, and the session they make. */
public final class SparkOptions {
  @Option(
      names = "--master",
      description =
          "Spark master (default: the one spark-submit set, else local[*], i.e. embedded).")
  String master;

  @Option(
      names = "--conf",
      paramLabel = "FILE",
      description =
          "Preset of flag defaults (key=value per line, keys are long option names), a path or a"
              + " name under conf/presets/ (e.g. bigbird-roberta-base). Flags given win.")
  String preset;

  /**
   * A session: under spark-submit it keeps the submitted master; embedded it uses {@code --master}
   * or local[*] and conf/spark-defaults.conf of the installation ($LONGATTN_HOME).
   */
  public SparkSession session(String appName) {
    SparkConf conf = new SparkConf();
    String home = System.getenv("LONGATTN_HOME");
    if (home != null && !conf.contains("spark.master")) {
      Path defaults = Path.of(home, "conf", "spark-defaults.conf");
      if (Files.isRegularFile(defaults)) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(defaults)) {
          p.load(in);
        } catch (IOException e) {
          throw new IllegalStateException("cannot read " + defaults, e);
        }
        for (String k : p.stringPropertyNames()) {
          if (!conf.contains(k)) {
            conf.set(k, p.getProperty(k).trim());
          }
        }
      }
    }
    if (master != null) {
      conf.setMaster(master);
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    conf.setIfMissing("spark.app.name", "longattn " + appName);
    return SparkSession.builder().config(conf).getOrCreate();
  }
}
