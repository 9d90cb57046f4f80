package org.longattn.jobs.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.longattn.datasets.InputException;

/**
 * The PyTorch CPU peer ({@code bin/peer-torch.py}) run as a child process on the same workload: one
 * timed run per call (after its own warm-up run), {@code OPENBLAS_CORETYPE=SkylakeX} and the thread
 * count set for that process alone. {@code bench --compare torch} alternates it with the kernel
 * runs, so both see the same machine load.
 */
public final class TorchPeer {
  private final Path script;
  private final String python;
  private final int threads;

  public TorchPeer(Path script, String python, int threads) {
    this.script = script;
    this.python = python;
    this.threads = threads;
  }

  /**
   * The script: {@code explicit} if given, else {@code $LONGATTN_HOME/bin/peer-torch.py} (set by
   * bin/longattn), else {@code bin/peer-torch.py} under the working directory.
   */
  public static Path locate(Path explicit) {
    if (explicit != null) {
      return explicit;
    }
    String home = System.getenv("LONGATTN_HOME");
    Path p = Path.of(home != null ? home : ".", "bin", "peer-torch.py");
    return p;
  }

  /** The pattern names the script covers. */
  public static boolean covers(String pattern) {
    return List.of("bigbird", "longformer", "dense", "linear").contains(pattern);
  }

  /** One timed torch run (seconds) of the workload: the script's median_s. */
  public double run(String pattern, int tokens, int headDim, Map<String, Object> params)
      throws IOException, InterruptedException {
    if (!Files.isRegularFile(script)) {
      throw new InputException("bench --compare torch: no peer script at " + script);
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(python);
    cmd.add(script.toString());
    cmd.add("--pattern");
    cmd.add(pattern);
    cmd.add("--tokens");
    cmd.add(Integer.toString(tokens));
    cmd.add("--head-dim");
    cmd.add(Integer.toString(headDim));
    cmd.add("--threads");
    cmd.add(Integer.toString(threads));
    cmd.add("--warmup");
    cmd.add("1");
    cmd.add("--repeat");
    cmd.add("1");
    for (Map.Entry<String, Object> e : params.entrySet()) {
      cmd.add("--" + e.getKey());
      cmd.add(String.valueOf(e.getValue()));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("OPENBLAS_CORETYPE", "SkylakeX");
    pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
    pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(1, TimeUnit.HOURS)) {
      p.destroyForcibly();
      throw new InputException("bench --compare torch: the peer ran over an hour");
    }
    if (p.exitValue() != 0) {
      throw new InputException(
          "bench --compare torch: "
              + String.join(" ", cmd)
              + " failed (exit "
              + p.exitValue()
              + "); is python3-torch installed?");
    }
    String last = out.substring(out.lastIndexOf('\n') + 1);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"median_s\": ([0-9.eE+-]+)").matcher(last);
    if (!m.find()) {
      throw new InputException("bench --compare torch: unexpected peer output: " + last);
    }
    return Double.parseDouble(m.group(1));
  }
}
