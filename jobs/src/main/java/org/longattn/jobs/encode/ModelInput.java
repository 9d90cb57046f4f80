package org.longattn.jobs.encode;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.longattn.datasets.InputException;
import org.longattn.datasets.TokenTable;
import org.longattn.datasets.model.ModelTokenizer;
import org.longattn.datasets.model.PretrainedModel;
import org.longattn.jobs.embed.TextInput;

/**
 * The input of {@code encode}: the model's token ids, one row per token ({@code doc_id} string,
 * {@code pos} int, {@code token_id} int), from either
 *
 * <ul>
 *   <li>text, as {@code embed} reads it ({@link TextInput}): each document tokenized whole by the
 *       model's tokenizer, [CLS] … [SEP], no truncation; a document without any word piece (empty
 *       text, only spaces, an empty file) is refused, as is text that is not UTF-8; or
 *   <li>a Parquet table with columns {@code doc_id} (string), {@code pos} (int), {@code token_id}
 *       (int): ids taken as given ([CLS]/[SEP] included or not, as the table has them).
 * </ul>
 *
 * A Parquet directory holding a {@code token_id} column is read as ids, anything else as {@link
 * TextInput} does. Ids are checked against the vocabulary where the tokens are embedded (naming
 * document and position); positions 0..n−1 by the engine's input stage.
 */
final class ModelInput {
  static final String TOKEN_ID = "token_id";

  /** {@link Ids#format} of a token-id table (positions as given, not yet checked). */
  static final String IDS_FORMAT = "token ids (parquet)";

  static final StructType SCHEMA =
      new StructType()
          .add(TokenTable.DOC_ID, DataTypes.StringType, false)
          .add(TokenTable.POS, DataTypes.IntegerType, false)
          .add(TOKEN_ID, DataTypes.IntegerType, false);

  /**
   * The token ids (persisted; {@link #release} frees them), spread over {@code partitions} by
   * (doc_id, pos), and their counts.
   */
  record Ids(Dataset<Row> rows, String format, long documents, long tokens) {
    void release() {
      rows.unpersist();
    }
  }

  private ModelInput() {}

  static Ids read(SparkSession spark, String path, PretrainedModel model) {
    Dataset<Row> raw = idsTable(spark, path);
    Dataset<Row> ids;
    String format;
    List<String> listed = List.of();
    if (raw != null) {
      ids = raw.select(col(TokenTable.DOC_ID), col(TokenTable.POS), col(TOKEN_ID));
      format = IDS_FORMAT;
    } else {
      TextInput.Documents docs = TextInput.read(spark, path);
      ids = docs.rows().mapPartitions(new Tokenize(model), Encoders.row(SCHEMA));
      format = docs.format() == TextInput.Format.TEXT_FILES ? "txt" : "text (parquet)";
      listed = docs.fileNames();
    }
    ids = ids.persist(StorageLevel.MEMORY_AND_DISK());
    // One pass: tokenizes (UTF-8 and empty documents fail here), counts.
    Row c = ids.agg(countDistinct(col(TokenTable.DOC_ID)), count("*")).first();
    long documents = c.getLong(0);
    if (!listed.isEmpty() && documents < listed.size()) {
      Set<String> seen = new HashSet<>();
      for (Row r : ids.select(TokenTable.DOC_ID).distinct().collectAsList()) {
        seen.add(r.getString(0));
      }
      for (String name : listed) {
        if (!seen.contains(name)) {
          ids.unpersist();
          throw new InputException("document '" + name + "' is empty (no text)");
        }
      }
    }
    if (documents == 0) {
      ids.unpersist();
      throw new InputException("input '" + path + "' has no documents");
    }
    return new Ids(ids, format, documents, c.getLong(1));
  }

  /** The input as a token-id table, or null when it has no {@code token_id} column (text). */
  private static Dataset<Row> idsTable(SparkSession spark, String path) {
    if (!TextInput.textFiles(spark, path).isEmpty()) {
      return null;
    }
    Dataset<Row> raw;
    try {
      raw = spark.read().parquet(path);
    } catch (Exception e) {
      return null; // not Parquet: TextInput says what it is
    }
    StructType schema = raw.schema();
    if (!TokenTable.has(schema, TOKEN_ID)) {
      return null;
    }
    for (StructField want : SCHEMA.fields()) {
      StructField f = TokenTable.has(schema, want.name()) ? schema.apply(want.name()) : null;
      DataType t = f == null ? null : f.dataType();
      if (t == null || !t.equals(want.dataType())) {
        throw new InputException(
            "input '"
                + path
                + "': column '"
                + want.name()
                + "' must be "
                + want.dataType().simpleString()
                + (t == null ? ", missing" : ", found " + t.simpleString())
                + " (a token-id table has doc_id string, pos int, token_id int)");
      }
    }
    return raw;
  }

  /** Text rows (doc_id, text) → token-id rows, one tokenizer per partition. */
  private static final class Tokenize implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final PretrainedModel model;

    Tokenize(PretrainedModel model) {
      this.model = model;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> docs) {
      List<String> names = new ArrayList<>();
      List<int[]> tokens = new ArrayList<>();
      try (ModelTokenizer tokenizer = model.tokenizer()) {
        while (docs.hasNext()) {
          Row d = docs.next();
          String doc = d.getString(0);
          String text = d.isNullAt(1) ? "" : d.getString(1);
          int[] ids = text.isBlank() ? new int[0] : tokenizer.encode(text);
          if (ids.length <= 2) { // [CLS] [SEP] alone
            throw new InputException("document '" + doc + "' is empty (no text)");
          }
          names.add(doc);
          tokens.add(ids);
        }
      }
      // 4 bytes per token held; rows are made one at a time
      return new Iterator<>() {
        int doc = 0;
        int pos = 0;

        @Override
        public boolean hasNext() {
          return doc < names.size();
        }

        @Override
        public Row next() {
          int[] ids = tokens.get(doc);
          Row r = RowFactory.create(names.get(doc), pos, ids[pos]);
          if (++pos == ids.length) {
            doc++;
            pos = 0;
          }
          return r;
        }
      };
    }
  }
}
