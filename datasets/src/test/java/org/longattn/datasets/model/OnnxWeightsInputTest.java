package org.longattn.datasets.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.InputException;

/**
 * Bad ONNX files and model names: one-line {@link InputException}s naming them (the shipped file is
 * read by {@link MiniLmOnnxRuntimeTest}).
 */
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
  void truncatedFilesAreOneLineErrors() throws Exception {
    for (int len : new int[] {1, 1000, 5_000_000, onnx.length - 1}) {
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

  /** The shipped graph with one initializer replaced, or a node type renamed. */
  private static OnnxFile edited(String tensor, OnnxTensor replacement, String op, String newOp) {
    OnnxFile f = OnnxFile.parse("edited.onnx", onnx);
    Map<String, OnnxTensor> inits = new LinkedHashMap<>(f.initializers());
    if (replacement == null) {
      inits.remove(tensor);
    } else {
      inits.put(tensor, replacement);
    }
    List<OnnxNode> nodes = new ArrayList<>();
    for (OnnxNode n : f.nodes()) {
      nodes.add(
          n.opType().equals(op)
              ? new OnnxNode(
                  n.name(),
                  newOp,
                  n.inputs(),
                  n.outputs(),
                  n.floatAttributes(),
                  n.tensorAttributes())
              : n);
    }
    return new OnnxFile(f.file(), nodes, inits, f.inputs(), f.outputs());
  }

  private static String weightsFail(OnnxFile f) {
    return assertThrows(InputException.class, () -> BertOnnxWeights.read(f)).getMessage();
  }

  @Test
  void graphsThatAreNotTheExpectedEncoderNameWhatIsWrong() {
    assertEquals(
        "edited.onnx: missing tensor 'encoder.layer.3.output.dense.weight' (the MatMul weight whose"
            + " product is added to 'encoder.layer.3.output.dense.bias')",
        weightsFail(edited("encoder.layer.3.output.dense.bias", null, "", "")));
    assertEquals(
        "edited.onnx: missing tensor 'encoder.layer.5.output.LayerNorm.beta'"
            .replace("beta", "bias"),
        weightsFail(edited("encoder.layer.5.output.LayerNorm.bias", null, "", "")));
    String pos = "embeddings.position_embeddings.weight";
    assertEquals(
        "edited.onnx: tensor '"
            + pos
            + "' has shape [512, 383] (type 1), expected [*, 384] of float",
        weightsFail(
            edited(
                pos, new OnnxTensor(pos, new long[] {512, 383}, 1, new float[512 * 383]), "", "")));
    assertEquals(
        "edited.onnx: expected GELU (one Erf per layer, 6 layers), found 0 Erf nodes: unsupported"
            + " activation",
        weightsFail(edited("", null, "Erf", "Tanh")));
    assertEquals(
        "edited.onnx: no Softmax node (not a self-attention encoder)",
        weightsFail(edited("", null, "Softmax", "Sigmoid")));
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
