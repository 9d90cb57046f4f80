package org.longattn.datasets.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

/**
 * A model's Hugging Face tokenizer ({@code tokenizer.json}, run by the Rust {@code tokenizers}
 * library through DJL): text → the model's token ids for ONE whole document, [CLS] … [SEP], with no
 * truncation and no padding, whatever the tokenizer.json asks for (all-MiniLM-L6-v2's asks to cut
 * at 128 and pad to 128: long documents are the point here). Thread-safe; close it to free the
 * native tokenizer.
 */
public final class ModelTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;

  private ModelTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** The tokenizer in a classpath resource. */
  static ModelTokenizer fromResource(String resource) {
    byte[] json = PretrainedModel.resourceBytes(resource);
    Map<String, String> options =
        Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");
    try {
      return new ModelTokenizer(
          HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options));
    } catch (IOException e) {
      throw new IllegalStateException("cannot load tokenizer '" + resource + "'", e);
    }
  }

  /** The ids of one document: [CLS], its word pieces, [SEP]. */
  public int[] encode(String text) {
    Encoding e = tokenizer.encode(text, true, false);
    long[] ids = e.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /** The token strings of one document (as {@link #encode}), e.g. for {@code report}. */
  public String[] tokens(String text) {
    return tokenizer.encode(text, true, false).getTokens();
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
