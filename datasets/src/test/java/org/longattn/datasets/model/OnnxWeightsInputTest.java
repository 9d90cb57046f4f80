package org.longattn.datasets.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.InputException;
import org.longattn.kernels.model.EncoderConfig;
import org.longattn.kernels.model.EncoderWeights;

/** Reading the ONNX file: what the graph says, and bad files as one-line errors naming them. */
class OnnxWeightsInputTest {
  private static byte[] onnx;

  @TempDir Path dir;

  @BeforeAll
  static void load() {
    onnx = PretrainedModel.resourceBytes(PretrainedModel.ALL_MINILM_L6_V2.onnxResource());
  }

  private InputException readFails(String name, byte[] bytes) throws Exception {
    Path file = dir.resolve(name);
    Files.write(file, bytes);
    InputException e =
        assertThrows(InputException.class, () -> PretrainedModel.readOnnx(file), name);
    assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e;
  }

  @Test
  void theShippedFileIsAllMiniLmL6V2() throws Exception {
    Path file = dir.resolve("model.onnx");
    Files.write(file, onnx);
    EncoderWeights w = PretrainedModel.readOnnx(file);
    // the published shape of all-MiniLM-L6-v2, read from tensors and graph (not configured)
    assertEquals(new EncoderConfig(30522, 384, 12, 1536, 6, 512, 1e-12f), w.config());
  }

  @Test
  void truncatedFilesAreOneLineErrors() throws Exception {
    for (int len : new int[] {1, 1000, onnx.length / 2, onnx.length - 1}) {
      InputException e = readFails("truncated-" + len + ".onnx", Arrays.copyOf(onnx, len));
      assertTrue(
          e.getMessage().contains("truncated") || e.getMessage().contains("missing"),
          e.getMessage());
    }
  }

  @Test
  void corruptFilesAreOneLineErrors() throws Exception {
    byte[] noise = new byte[100_000];
    new Random(16).nextBytes(noise);
    readFails("noise.onnx", noise);
    readFails("empty.onnx", new byte[0]);
    readFails("text.onnx", "{\"not\": \"a model\"}".getBytes(StandardCharsets.UTF_8));
    // a flipped length byte inside the header
    byte[] flipped = onnx.clone();
    for (int i = 0; i < 64; i++) {
      flipped[i] ^= (byte) 0x5a;
    }
    readFails("flipped.onnx", flipped);
  }

  @Test
  void missingFileIsOneLineError() {
    Path file = dir.resolve("absent.onnx");
    InputException e = assertThrows(InputException.class, () -> PretrainedModel.readOnnx(file));
    assertEquals(file + ": no such file", e.getMessage());
  }

  @Test
  void unknownModelNameListsTheKnownOnes() {
    InputException e =
        assertThrows(InputException.class, () -> PretrainedModel.named("bert-large"));
    assertEquals("unknown model 'bert-large' (expected one of [all-minilm-l6-v2])", e.getMessage());
    assertEquals(PretrainedModel.ALL_MINILM_L6_V2, PretrainedModel.named("all-minilm-l6-v2"));
  }
}
