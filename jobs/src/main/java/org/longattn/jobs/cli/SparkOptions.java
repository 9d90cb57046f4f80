package org.longattn.jobs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.longattn.jobs.LoopbackOnlyFilter;
import org.longattn.jobs.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Options every Spark command shares, named as spark-submit names them, and the session they make.
 */
public final class SparkOptions {
  @Option(
      names = "--master",
      description =
          "Spark master (default: the one spark-submit set, else local[*], i.e. embedded).")
  String master;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      converter = ConfConverter.class,
      description =
          "A Spark property, as spark-submit's --conf (repeatable), e.g. --conf"
              + " spark.sql.shuffle.partitions=64; it wins over conf/spark-defaults.conf and what"
              + " spark-submit set. (Presets of flag defaults: --preset.)")
  List<String[]> confs = new ArrayList<>();

  @Option(
      names = Presets.FLAG,
      paramLabel = "NAME|FILE",
      description =
          "Flag defaults from a preset: a bundled NAME (bigbird-roberta-base,"
              + " longformer-base-4096), one in $LONGATTN_HOME/conf/presets/, or a path to a"
              + " .conf file (containing '/'). Flags given win; an unknown key is an error.")
  String preset; // read by Presets before parsing; declared here for --help and validation

  @Option(
      names = "--driver-memory",
      paramLabel = "SIZE",
      converter = MemoryConverter.class,
      description =
          "Driver heap, e.g. 8g (as spark-submit's). bin/longattn starts the JVM with it"
              + " (fallback: $LONGATTN_DRIVER_MEMORY, then 4g); a running JVM cannot grow.")
  String driverMemory;

  @Option(
      names = "--ui",
      description =
          "Embedded runs: serve Spark's web UI on 127.0.0.1 (default: off). Under spark-submit"
              + " or with a cluster --master the UI follows Spark's own settings.")
  boolean ui;

  /** The session: {@link #conf} applied, its UI announced, the progress bar attached. */
  public SparkSession session(String appName) {
    SparkConf c = conf(appName);
    SparkSession spark = SparkSession.builder().config(c).getOrCreate();
    announceUi(spark);
    Progress.Bar.attach(spark.sparkContext(), appName);
    return spark;
  }

  /**
   * The configuration: under spark-submit it keeps the submitted master; embedded it uses {@code
   * --master} or local[*] and conf/spark-defaults.conf of the installation ($LONGATTN_HOME); then
   * every {@code --conf}; embedded, the UI is off unless {@code --ui} (or {@code --conf
   * spark.ui.enabled=true}), and when on it answers loopback clients only.
   */
  SparkConf conf(String appName) {
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
    boolean uiGiven = false;
    boolean barGiven = false;
    for (String[] kv : confs) {
      conf.set(kv[0], kv[1]);
      uiGiven |= kv[0].equals("spark.ui.enabled");
      barGiven |= kv[0].equals("spark.ui.showConsoleProgress");
    }
    if (driverMemory != null) {
      conf.set("spark.driver.memory", driverMemory);
      checkHeap();
    }
    if (embedded(conf)) {
      // A task that runs out of heap fails its job (one line, Cli.outOfMemory) instead of Spark
      // exiting the JVM, which here is the driver too (exit 52 and a stray NullPointerException).
      conf.setIfMissing("spark.executor.killOnFatalError.depth", "0");
      if (ui) {
        conf.set("spark.ui.enabled", "true");
      } else if (!uiGiven) {
        conf.set("spark.ui.enabled", "false");
      }
      if (conf.getBoolean("spark.ui.enabled", true)) {
        String filters = conf.get("spark.ui.filters", "");
        if (!filters.contains(LoopbackOnlyFilter.class.getName())) {
          conf.set(
              "spark.ui.filters",
              (filters.isEmpty() ? "" : filters + ",") + LoopbackOnlyFilter.class.getName());
        }
      }
    } else if (ui) {
      conf.set("spark.ui.enabled", "true");
    }
    if (!barGiven) {
      // Progress.Bar draws the bar (with an ETA, on terminals only); Spark's own would also write
      // its \r-lines into redirected logs
      conf.set("spark.ui.showConsoleProgress", "false");
    }
    return conf;
  }

  /** Whether the master runs in this JVM (local mode): no cluster, nobody else's UI settings. */
  static boolean embedded(SparkConf conf) {
    return conf.get("spark.master", "local[*]").startsWith("local");
  }

  /** Says once where the UI listens (when it is on). */
  private static void announceUi(SparkSession spark) {
    scala.Option<String> url = spark.sparkContext().uiWebUrl();
    if (url.isEmpty()) {
      return;
    }
    String bind = System.getenv("SPARK_LOCAL_IP");
    String where =
        bind != null
            ? "listening on " + bind + " only"
            : embedded(spark.sparkContext().getConf())
                ? "listening on all interfaces, answering 127.0.0.1 only"
                : "Spark's own bind address";
    System.err.println("[longattn] Spark UI: " + url.get() + " (" + where + ")");
  }

  /**
   * The heap is fixed when the JVM starts: bin/longattn sets it from --driver-memory; in any other
   * JVM that is smaller than asked, say so (one line) rather than run short of memory silently.
   */
  private void checkHeap() {
    long wanted = bytes(driverMemory);
    long max = Runtime.getRuntime().maxMemory();
    if (max < 0.85 * wanted) {
      System.err.printf(
          Locale.ROOT,
          "[longattn] --driver-memory %s: this JVM's heap is %.1f GiB and cannot grow (start it"
              + " with bin/longattn --driver-memory, or spark-submit --driver-memory)%n",
          driverMemory,
          max / (double) (1L << 30));
    }
  }

  private static final Pattern SIZE = Pattern.compile("([0-9]+)([kKmMgGtT]?)");

  /** Bytes of a JVM memory size (4g, 512m, 1048576). */
  static long bytes(String size) {
    Matcher m = SIZE.matcher(size);
    if (!m.matches()) {
      throw new IllegalArgumentException(size);
    }
    long n = Long.parseLong(m.group(1));
    int shift =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    return n << shift;
  }

  /** {@code --driver-memory}: a JVM size, as -Xmx and spark-submit take it. */
  static final class MemoryConverter implements CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (!SIZE.matcher(value).matches() || bytes(value) < (64L << 20)) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a heap size of at least 64m (e.g. 4g, 512m)");
      }
      return value;
    }
  }

  /**
   * {@code --conf KEY=VALUE}: a Spark property (key starting with {@code spark.}), split at the
   * first '='. A value without '=' is the old {@code --conf PRESET}: refused with a pointer to
   * {@code --preset}.
   */
  static final class ConfConverter implements CommandLine.ITypeConverter<String[]> {
    @Override
    public String[] convert(String value) {
      int eq = value.indexOf('=');
      if (eq < 0) {
        throw new CommandLine.TypeConversionException(
            "'"
                + value
                + "' is not KEY=VALUE (a Spark property, as spark-submit's --conf); presets of"
                + " flag defaults are --preset NAME|FILE");
      }
      String key = value.substring(0, eq).trim();
      if (!key.startsWith("spark.") || key.length() == "spark.".length() || key.contains(" ")) {
        throw new CommandLine.TypeConversionException(
            "'"
                + value
                + "': '"
                + key
                + "' is not a Spark property (they start with 'spark.', e.g."
                + " spark.sql.shuffle.partitions=64)");
      }
      return new String[] {key, value.substring(eq + 1)};
    }
  }
}
