package org.longattn.datasets.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * ONNX Runtime running a model's own ONNX file: the independent reference of the encoder's forward
 * pass (tests of this module and of {@code encode}).
 */
public final class OnnxRuntimeReference implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;

  public OnnxRuntimeReference(PretrainedModel model) {
    try {
      env = OrtEnvironment.getEnvironment();
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(1);
      session = env.createSession(PretrainedModel.resourceBytes(model.onnxResource()), options);
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  /** ORT's last_hidden_state (n × hidden, row-major) of one document of token ids. */
  public float[] lastHiddenState(int[] ids) {
    int n = ids.length;
    long[] inputIds = new long[n];
    long[] mask = new long[n];
    long[] types = new long[n];
    for (int i = 0; i < n; i++) {
      inputIds[i] = ids[i];
      mask[i] = 1;
    }
    long[] shape = {1, n};
    try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(inputIds), shape);
        OnnxTensor b = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor c = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
        OrtSession.Result r =
            session.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
      float[][][] out = (float[][][]) r.get("last_hidden_state").orElseThrow().getValue();
      int h = out[0][0].length;
      float[] flat = new float[n * h];
      for (int i = 0; i < n; i++) {
        System.arraycopy(out[0][i], 0, flat, i * h, h);
      }
      return flat;
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A few thousand words of English prose (the test resource {@code /model/prose.txt}). */
  public static String prose() {
    try (InputStream in = OnnxRuntimeReference.class.getResourceAsStream("/model/prose.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Asserts max |expected − actual| ≤ 1e-4 (the bound against ORT), naming the worst token and
   * column of rows {@code width} wide.
   */
  public static void assertClose(float[] expected, float[] actual, int width, String what) {
    org.junit.jupiter.api.Assertions.assertEquals(
        expected.length, actual.length, what + ": length");
    double max = 0;
    int at = -1;
    for (int i = 0; i < expected.length; i++) {
      double d = Math.abs(expected[i] - actual[i]);
      if (!(d <= max)) {
        max = d;
        at = i;
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(
        max <= 1e-4,
        what + ": max abs difference " + max + " at token " + at / width + " column " + at % width);
  }

  /** 1 − cos(a, b), in double. */
  public static double cosineDistance(float[] a, float[] b) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < a.length; i++) {
      ab += (double) a[i] * b[i];
      aa += (double) a[i] * a[i];
      bb += (double) b[i] * b[i];
    }
    return 1 - ab / Math.sqrt(aa * bb);
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }
}
