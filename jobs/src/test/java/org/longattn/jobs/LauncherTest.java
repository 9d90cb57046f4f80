package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/longattn}: the heap comes from {@code --driver-memory} (before the JVM starts), else
 * {@code LONGATTN_DRIVER_MEMORY}, else 4g; embedded runs bind Spark to 127.0.0.1. The JVM is a stub
 * that prints what it was started with ({@code LONGATTN_JAVA}; no build).
 */
class LauncherTest {
  @TempDir Path tmp;

  record Launch(int code, String out) {}

  private Launch launch(Map<String, String> env, String... args) throws Exception {
    Path stub = tmp.resolve("java");
    Files.writeString(
        stub, "#!/bin/sh\necho \"ARGS $*\"\necho \"SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-}\"\n");
    Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> cmd =
        new ArrayList<>(List.of("bash", Path.of("..", "bin", "longattn").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("LONGATTN_DRIVER_MEMORY");
    pb.environment().remove("SPARK_LOCAL_IP");
    pb.environment().put("LONGATTN_JAVA", stub.toString());
    pb.environment().put("LONGATTN_NO_BUILD", "1");
    pb.environment().putAll(env);
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher finished");
    return new Launch(p.exitValue(), new String(p.getInputStream().readAllBytes()));
  }

  @Test
  void driverMemoryFlagSetsTheHeap() throws Exception {
    Launch flag = launch(Map.of(), "attend", "--driver-memory", "3g", "--help");
    assertEquals(0, flag.code(), flag.out());
    assertTrue(flag.out().contains(" -Xmx3g "), flag.out());
    assertTrue(flag.out().contains("--driver-memory 3g"), "passed on to the job: " + flag.out());

    Launch env = launch(Map.of("LONGATTN_DRIVER_MEMORY", "5g"), "attend", "--help");
    assertTrue(env.out().contains(" -Xmx5g "), env.out());

    Launch both =
        launch(Map.of("LONGATTN_DRIVER_MEMORY", "5g"), "attend", "--driver-memory=2g", "--help");
    assertTrue(both.out().contains(" -Xmx2g "), "the flag wins: " + both.out());

    Launch none = launch(Map.of(), "attend", "--help");
    assertTrue(none.out().contains(" -Xmx4g "), none.out());
  }

  @Test
  void badDriverMemoryIsOneLine() throws Exception {
    Launch bad = launch(Map.of(), "attend", "--driver-memory", "lots");
    assertEquals(2, bad.code(), bad.out());
    assertEquals(1, bad.out().lines().count(), bad.out());
    assertTrue(bad.out().startsWith("longattn: error: --driver-memory 'lots'"), bad.out());
  }

  /** Spark's UI binds to SPARK_LOCAL_IP: loopback for embedded runs, untouched for a cluster. */
  @Test
  void embeddedRunsBindToLoopback() throws Exception {
    assertTrue(launch(Map.of(), "attend").out().contains("SPARK_LOCAL_IP=127.0.0.1"));
    assertTrue(
        launch(Map.of(), "attend", "--master", "local[2]")
            .out()
            .contains("SPARK_LOCAL_IP=127.0.0.1"));
    String cluster = launch(Map.of(), "attend", "--master", "spark://10.0.0.1:7077").out();
    assertTrue(
        cluster.contains("SPARK_LOCAL_IP=\n") || cluster.endsWith("SPARK_LOCAL_IP="), cluster);
  }
}
