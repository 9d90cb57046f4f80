package org.longattn.jobs.encode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenTable;
import org.longattn.datasets.model.PretrainedModel;
import org.longattn.kernels.model.Encoder;
import org.longattn.kernels.model.EncoderConfig;

/**
 * The per-token work of the encoder over one partition, {@link Encoder#TOKEN_BLOCK} rows at a time
 * as GEMMs (rows of any documents, in any order: every row depends on its own token only, and the
 * kernels sum in an order that does not depend on the block, so the partitioning never changes a
 * bit):
 *
 * <ul>
 *   <li>{@link #embedding}: (doc_id, pos, token_id) → x₀ = LN(word + position (pos mod 512) +
 *       type), then layer 0's q, k, v;
 *   <li>{@link #finishing}: (doc_id, pos, token_id, x, out) → layer ℓ's output projection,
 *       residual, LayerNorm, FFN, residual, LayerNorm (out = the engine's attention context), then
 *       layer ℓ+1's q, k, v unless ℓ is the last layer run.
 * </ul>
 *
 * Output rows: doc_id, pos, token_id, x [, q, k, v], vectors as little-endian float32 bytes ({@link
 * FloatBytes}); q, k, v head-major (head h = values h·d .. h·d + d), as the token table has them.
 */
final class TokenStage implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  static final String X = "x";

  private final PretrainedModel model;
  private final String input;
  private final int finishLayer;
  private final int projectLayer;

  private TokenStage(PretrainedModel model, String input, int finishLayer, int projectLayer) {
    this.model = model;
    this.input = input;
    this.finishLayer = finishLayer;
    this.projectLayer = projectLayer;
  }

  /** Embedding, then layer 0's q, k, v ({@code input} names the ids in messages). */
  static TokenStage embedding(PretrainedModel model, String input) {
    return new TokenStage(model, input, -1, 0);
  }

  /** Finishes layer {@code layer}; projects layer+1's q, k, v when {@code project}. */
  static TokenStage finishing(PretrainedModel model, int layer, boolean project) {
    return new TokenStage(model, null, layer, project ? layer + 1 : -1);
  }

  /** The output rows' schema. */
  StructType schema() {
    return schema(projectLayer >= 0);
  }

  static StructType schema(boolean qkv) {
    StructType s = ModelInput.SCHEMA.add(X, DataTypes.BinaryType, false);
    if (qkv) {
      s =
          s.add(TokenTable.Q, DataTypes.BinaryType, false)
              .add(TokenTable.K, DataTypes.BinaryType, false)
              .add(TokenTable.V, DataTypes.BinaryType, false);
    }
    return s;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return Collections.emptyIterator();
    }
    Encoder encoder = model.encoder();
    Block block = new Block(encoder.config());
    return new Iterator<>() {
      Iterator<Row> ready = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        if (!ready.hasNext() && rows.hasNext()) {
          ready = block.run(encoder, rows).iterator();
        }
        return ready.hasNext();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return ready.next();
      }
    };
  }

  /**
   * Checks an input row (doc_id, pos, token_id, …): no nulls, pos ≥ 0, the id in the model's
   * vocabulary of {@code vocab} ids; the error names the document, the position and the column.
   */
  static void check(Row r, String input, String modelName, int vocab) {
    if (r.isNullAt(0)) {
      throw new InputException("input '" + input + "' column 'doc_id': null document id");
    }
    String doc = r.getString(0);
    if (r.isNullAt(1)) {
      throw new InputException("doc '" + doc + "' column 'pos': null position");
    }
    int pos = r.getInt(1);
    if (pos < 0) {
      throw new InputException("doc '" + doc + "' pos " + pos + " column 'pos': negative position");
    }
    if (r.isNullAt(2)) {
      throw new InputException("doc '" + doc + "' pos " + pos + " column 'token_id': null id");
    }
    int id = r.getInt(2);
    if (id < 0 || id >= vocab) {
      throw new InputException(
          "doc '"
              + doc
              + "' pos "
              + pos
              + " column 'token_id': id "
              + id
              + " is outside the vocabulary of "
              + modelName
              + " (0.."
              + (vocab - 1)
              + ")");
    }
  }

  /** Scratch of one block of rows. */
  private final class Block {
    final int h;
    final String[] docs = new String[Encoder.TOKEN_BLOCK];
    final int[] positions = new int[Encoder.TOKEN_BLOCK];
    final int[] ids = new int[Encoder.TOKEN_BLOCK];
    final float[] x;
    final float[] ctx;
    final float[] qkv;
    final int vocab;

    Block(EncoderConfig c) {
      h = c.hidden();
      vocab = c.vocab();
      x = new float[Encoder.TOKEN_BLOCK * h];
      ctx = new float[Encoder.TOKEN_BLOCK * h];
      qkv = new float[Encoder.TOKEN_BLOCK * 3 * h];
    }

    List<Row> run(Encoder encoder, Iterator<Row> rows) {
      int n = 0;
      while (n < Encoder.TOKEN_BLOCK && rows.hasNext()) {
        read(rows.next(), n++);
      }
      if (finishLayer < 0) {
        encoder.embed(ids, positions, n, x);
      } else {
        encoder.finishLayer(finishLayer, x, ctx, n);
      }
      if (projectLayer >= 0) {
        encoder.projectQkv(projectLayer, x, n, qkv);
      }
      List<Row> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        byte[] xb = new byte[4 * h];
        FloatBytes.encodeFloats(x, i * h, h, xb);
        if (projectLayer < 0) {
          out.add(RowFactory.create(docs[i], positions[i], ids[i], xb));
          continue;
        }
        byte[] q = new byte[4 * h];
        byte[] k = new byte[4 * h];
        byte[] v = new byte[4 * h];
        FloatBytes.encodeFloats(qkv, i * 3 * h, h, q);
        FloatBytes.encodeFloats(qkv, i * 3 * h + h, h, k);
        FloatBytes.encodeFloats(qkv, i * 3 * h + 2 * h, h, v);
        out.add(RowFactory.create(docs[i], positions[i], ids[i], xb, q, k, v));
      }
      return out;
    }

    private void read(Row r, int i) {
      if (finishLayer >= 0) {
        docs[i] = r.getString(0);
        positions[i] = r.getInt(1);
        ids[i] = r.getInt(2);
        FloatBytes.decodeFloats(r.getAs(3), 0, h, x, i * h);
        FloatBytes.decodeFloats(r.getAs(4), 0, h, ctx, i * h);
        return;
      }
      check(r, input, model.modelName(), vocab);
      String doc = r.getString(0);
      int pos = r.getInt(1);
      int id = r.getInt(2);
      docs[i] = doc;
      positions[i] = pos;
      ids[i] = id;
    }
  }
}
