package org.longattn.datasets.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.longattn.datasets.InputException;
import org.longattn.kernels.model.EncoderConfig;
import org.longattn.kernels.model.EncoderWeights;
import org.longattn.kernels.model.LayerWeights;

/**
 * The {@link EncoderWeights} of a BERT encoder exported to ONNX by Hugging Face's exporter (as
 * all-MiniLM-L6-v2 is): biases, LayerNorms and embeddings are initializers named after the PyTorch
 * module ({@code encoder.layer.L.attention.self.query.bias}, …); the MatMul weights are anonymous
 * ({@code onnx::MatMul_787}) and are named by following the graph: a MatMul reading an initializer
 * feeds an Add whose other input is {@code X.bias}, so that initializer is {@code X.weight}. The
 * shape is read from the tensors, the head width from the attention's score scale (a Div by √d),
 * LayerNorm's ε from the graph and the activation must be GELU's erf form. Every problem is an
 * {@link InputException} naming the file.
 */
public final class BertOnnxWeights {
  private final OnnxFile onnx;
  private final Map<String, OnnxTensor> named = new HashMap<>();
  private final Map<String, OnnxNode> producers;
  private final Map<String, List<OnnxNode>> consumers;

  private BertOnnxWeights(OnnxFile onnx) {
    this.onnx = onnx;
    this.producers = onnx.producers();
    this.consumers = onnx.consumers();
    named.putAll(onnx.initializers());
    nameMatMulWeights();
  }

  /** Reads the weights of the BERT encoder in {@code onnx}. */
  public static EncoderWeights read(OnnxFile onnx) {
    return new BertOnnxWeights(onnx).weights();
  }

  private void nameMatMulWeights() {
    for (OnnxNode mm : onnx.nodes()) {
      if (!mm.opType().equals("MatMul") || mm.inputs().size() != 2) {
        continue;
      }
      OnnxTensor w = onnx.initializers().get(mm.inputs().get(1));
      if (w == null) {
        continue;
      }
      for (OnnxNode add : consumers.getOrDefault(mm.outputs().get(0), List.of())) {
        if (!add.opType().equals("Add")) {
          continue;
        }
        for (String in : add.inputs()) {
          if (in.endsWith(".bias") && onnx.initializers().containsKey(in)) {
            String weightName = in.substring(0, in.length() - "bias".length()) + "weight";
            named.putIfAbsent(weightName, w);
          }
        }
      }
    }
  }

  private EncoderWeights weights() {
    OnnxTensor word = tensor("embeddings.word_embeddings.weight", -1, -1);
    int vocab = (int) word.dims()[0];
    int hidden = (int) word.dims()[1];
    OnnxTensor position = tensor("embeddings.position_embeddings.weight", -1, hidden);
    int maxPositions = (int) position.dims()[0];
    OnnxTensor types = tensor("embeddings.token_type_embeddings.weight", -1, hidden);
    int layers = 0;
    while (named.containsKey("encoder.layer." + layers + ".attention.self.query.bias")) {
      layers++;
    }
    if (layers == 0) {
      throw fail("no encoder layers (no tensor 'encoder.layer.0.attention.self.query.bias')");
    }
    int ffn = (int) tensor("encoder.layer.0.intermediate.dense.bias", -1).dims()[0];
    int headDim = headDim();
    if (headDim < 1 || hidden % headDim != 0) {
      throw fail("attention head width " + headDim + " does not divide hidden " + hidden);
    }
    long erfs = onnx.nodes().stream().filter(n -> n.opType().equals("Erf")).count();
    if (erfs != layers) {
      throw fail(
          "expected GELU (one Erf per layer, "
              + layers
              + " layers), found "
              + erfs
              + " Erf nodes: unsupported activation");
    }
    float eps = layerNormEps("embeddings.LayerNorm.weight");
    EncoderConfig config =
        new EncoderConfig(vocab, hidden, hidden / headDim, ffn, layers, maxPositions, eps);
    List<LayerWeights> ls = new ArrayList<>();
    for (int l = 0; l < layers; l++) {
      String p = "encoder.layer." + l + ".";
      ls.add(
          new LayerWeights(
              data(p + "attention.self.query.weight", hidden, hidden),
              data(p + "attention.self.query.bias", hidden),
              data(p + "attention.self.key.weight", hidden, hidden),
              data(p + "attention.self.key.bias", hidden),
              data(p + "attention.self.value.weight", hidden, hidden),
              data(p + "attention.self.value.bias", hidden),
              data(p + "attention.output.dense.weight", hidden, hidden),
              data(p + "attention.output.dense.bias", hidden),
              data(p + "attention.output.LayerNorm.weight", hidden),
              data(p + "attention.output.LayerNorm.bias", hidden),
              data(p + "intermediate.dense.weight", hidden, ffn),
              data(p + "intermediate.dense.bias", ffn),
              data(p + "output.dense.weight", ffn, hidden),
              data(p + "output.dense.bias", hidden),
              data(p + "output.LayerNorm.weight", hidden),
              data(p + "output.LayerNorm.bias", hidden)));
    }
    float[] type0 = Arrays.copyOf(types.data(), hidden);
    try {
      return new EncoderWeights(
          config,
          word.data(),
          position.data(),
          type0,
          data("embeddings.LayerNorm.weight", hidden),
          data("embeddings.LayerNorm.bias", hidden),
          ls);
    } catch (IllegalArgumentException e) {
      throw fail(e.getMessage());
    }
  }

  /**
   * d from the scaled scores feeding the first Softmax: Softmax ← (Add mask ←)* Div(·, √d) or
   * Mul(·, 1/√d).
   */
  private int headDim() {
    OnnxNode softmax =
        onnx.nodes().stream()
            .filter(n -> n.opType().equals("Softmax"))
            .findFirst()
            .orElseThrow(() -> fail("no Softmax node (not a self-attention encoder)"));
    OnnxNode n = producers.get(softmax.inputs().get(0));
    while (n != null && n.opType().equals("Add")) {
      n = producers.get(n.inputs().get(0));
    }
    if (n != null && (n.opType().equals("Div") || n.opType().equals("Mul"))) {
      Float c = constant(n.inputs().get(1));
      if (c != null && c > 0) {
        double d = n.opType().equals("Div") ? (double) c * c : 1.0 / ((double) c * c);
        return (int) Math.round(d);
      }
    }
    throw fail("cannot find the attention score scale (Div by √d) before the first Softmax");
  }

  /**
   * ε of the LayerNorm whose γ is {@code gamma}: a {@code LayerNormalization} node's epsilon, or in
   * the decomposed form Mul(Div(x − μ, Sqrt(Add(var, ε))), γ).
   */
  private float layerNormEps(String gamma) {
    for (OnnxNode n : consumers.getOrDefault(gamma, List.of())) {
      if (n.opType().equals("LayerNormalization")) {
        return n.floatAttributes().getOrDefault("epsilon", 1e-5f);
      }
      if (n.opType().equals("Mul")) {
        OnnxNode div = producers.get(n.inputs().get(0));
        OnnxNode sqrt = div == null ? null : producers.get(div.inputs().get(1));
        OnnxNode add = sqrt == null ? null : producers.get(sqrt.inputs().get(0));
        if (add != null && add.opType().equals("Add")) {
          Float eps = constant(add.inputs().get(1));
          if (eps != null && eps > 0) {
            return eps;
          }
        }
      }
    }
    throw fail("cannot find the LayerNorm epsilon of '" + gamma + "'");
  }

  /** The float scalar named {@code name}: a Constant node's value or an initializer. */
  private Float constant(String name) {
    OnnxTensor t = onnx.initializers().get(name);
    OnnxNode p = producers.get(name);
    if (t == null && p != null && p.opType().equals("Constant")) {
      t = p.tensorAttributes().get("value");
    }
    return t != null && t.data() != null && t.data().length == 1 ? t.data()[0] : null;
  }

  private float[] data(String name, int... dims) {
    return tensor(name, dims).data();
  }

  /** The float tensor {@code name} with these dims (−1: any). */
  private OnnxTensor tensor(String name, int... dims) {
    OnnxTensor t = named.get(name);
    if (t == null) {
      String bias = name.substring(0, name.length() - "weight".length()) + "bias";
      throw fail(
          "missing tensor '"
              + name
              + "'"
              + (name.startsWith("encoder.") && name.endsWith(".weight") && !name.contains("Norm")
                  ? " (the MatMul weight whose product is added to '" + bias + "')"
                  : ""));
    }
    boolean ok = t.data() != null && t.dims().length == dims.length;
    for (int i = 0; ok && i < dims.length; i++) {
      ok = dims[i] < 0 || t.dims()[i] == dims[i];
    }
    if (!ok) {
      throw fail(
          "tensor '"
              + name
              + "' has shape "
              + Arrays.toString(t.dims())
              + " (type "
              + t.dataType()
              + "), expected "
              + Arrays.toString(dims).replace("-1", "*")
              + " of float");
    }
    return t;
  }

  private InputException fail(String what) {
    return new InputException(onnx.file() + ": " + what);
  }
}
