package org.longattn.jobs.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.longattn.datasets.InputException;

/**
 * The ONNX Runtime CPU peer of {@code bench --workload encode}: the model's own ONNX file run by
 * ORT the way a user without longattn would run a long document, in independent chunks of 512
 * tokens (all context across chunks lost), with {@code threads} intra-op threads. ORT (139 MB) is
 * not shipped with longattn: it is loaded from its jar (by default the one the test build put in
 * the local Maven repository) and called by reflection.
 */
public final class OrtPeer implements AutoCloseable {
  /** The ORT version the tests use (the parent pom's onnxruntime.version). */
  public static final String VERSION = "1.22.0";

  /** Tokens per chunk: the model's 512 positions. */
  public static final int CHUNK = 512;

  private final URLClassLoader loader;
  private final Object env;
  private final Object session;
  private final Method createTensor;
  private final Method run;

  /** The jar in the local Maven repository ({@code mvn verify} downloads it for the tests). */
  public static Path defaultJar() {
    String repo =
        System.getProperty(
            "maven.repo.local", Path.of(System.getProperty("user.home"), ".m2", "repository") + "");
    return Path.of(
        repo, "com/microsoft/onnxruntime/onnxruntime", VERSION, "onnxruntime-" + VERSION + ".jar");
  }

  public OrtPeer(Path jar, byte[] onnx, int threads) {
    if (!Files.isRegularFile(jar)) {
      throw new InputException(
          "--compare ort: ONNX Runtime's jar '"
              + jar
              + "' is missing (run the tests once, mvn -B verify, or give --peer-jar)");
    }
    try {
      loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, OrtPeer.class.getClassLoader());
      Class<?> envClass = loader.loadClass("ai.onnxruntime.OrtEnvironment");
      Class<?> optionsClass = loader.loadClass("ai.onnxruntime.OrtSession$SessionOptions");
      Class<?> tensorClass = loader.loadClass("ai.onnxruntime.OnnxTensor");
      env = envClass.getMethod("getEnvironment").invoke(null);
      Object options = optionsClass.getConstructor().newInstance();
      optionsClass.getMethod("setIntraOpNumThreads", int.class).invoke(options, threads);
      session =
          envClass
              .getMethod("createSession", byte[].class, optionsClass)
              .invoke(env, onnx, options);
      createTensor =
          tensorClass.getMethod("createTensor", envClass, LongBuffer.class, long[].class);
      run = session.getClass().getMethod("run", Map.class);
    } catch (MalformedURLException | ReflectiveOperationException e) {
      throw new IllegalStateException("ONNX Runtime from '" + jar + "': " + cause(e), e);
    }
  }

  /** Seconds to run the first {@code chunks} chunks of 512 tokens of {@code ids}, one by one. */
  public double seconds(int[] ids, int chunks) {
    long t0 = System.nanoTime();
    for (int c = 0; c < chunks; c++) {
      int from = c * CHUNK;
      int n = Math.min(CHUNK, ids.length - from);
      long[] input = new long[n];
      long[] mask = new long[n];
      for (int i = 0; i < n; i++) {
        input[i] = ids[from + i];
        mask[i] = 1;
      }
      long[] shape = {1, n};
      Map<String, Object> feed = new LinkedHashMap<>();
      try {
        feed.put("input_ids", createTensor.invoke(null, env, LongBuffer.wrap(input), shape));
        feed.put("attention_mask", createTensor.invoke(null, env, LongBuffer.wrap(mask), shape));
        feed.put(
            "token_type_ids", createTensor.invoke(null, env, LongBuffer.wrap(new long[n]), shape));
        ((AutoCloseable) run.invoke(session, feed)).close();
      } catch (Exception e) {
        throw new IllegalStateException("ONNX Runtime run: " + cause(e), e);
      } finally {
        for (Object t : feed.values()) {
          close(t);
        }
      }
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  private static String cause(Throwable e) {
    Throwable t =
        e instanceof InvocationTargetException i && i.getCause() != null ? i.getCause() : e;
    return t.toString();
  }

  private static void close(Object o) {
    try {
      ((AutoCloseable) o).close();
    } catch (Exception e) {
      // a tensor that fails to close leaks native memory only
    }
  }

  @Override
  public void close() {
    close(session);
    try {
      loader.close();
    } catch (java.io.IOException e) {
      // nothing held
    }
  }
}
