package org.longattn.jobs.embed;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.size;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.Word2Vec;
import org.apache.spark.ml.feature.Word2VecModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.longattn.datasets.AtomicOutput;
import org.longattn.datasets.InputException;
import org.longattn.jobs.Progress;
import org.longattn.jobs.RunInfo;
import org.longattn.jobs.TableLayout;

/**
 * {@code embed}: text → tokens (MLlib RegexTokenizer) → word vectors (MLlib Word2Vec, trained on
 * the corpus or loaded) + sinusoidal positions → per-head q, k, v ({@link Projection}) → the token
 * table of DESIGN §1 with an extra {@code token} column, written atomically with its {@code
 * _longattn.json}.
 *
 * <p>Handling of awkward input (also in the README):
 *
 * <ul>
 *   <li>A word outside the vocabulary (fewer than {@code --min-count} occurrences, or absent from a
 *       loaded model) gets the zero word vector, so its x is its position encoding alone; such
 *       tokens are counted ({@code oov_tokens}, {@code oov_words}) and reported.
 *   <li>A document without any token (empty text, or only separators) is skipped and named; when
 *       every document is empty the run fails.
 *   <li>A {@code .txt} file that is not UTF-8, a weights file of the wrong shape, a saved model
 *       that cannot be loaded: one-line error, nothing written.
 * </ul>
 *
 * <p>Each document's text is one input row, tokenized by one task (a 1M-token text is ≈ 6 MB); its
 * tokens are then spread over all partitions by (doc_id, pos) before projection and writing.
 */
public final class EmbedJob {
  static final String WORDS = "words";
  static final String POS = "pos";
  static final String TOKEN = TokenProjector.TOKEN;

  /** Names printed for skipped documents and out-of-vocabulary words (the JSON has the counts). */
  private static final int SAMPLE = 10;

  private EmbedJob() {}

  public static Map<String, Object> run(SparkSession spark, EmbedParams p) {
    Progress progress = new Progress("embed");
    AtomicOutput.checkTarget(spark, p.output(), p.overwrite());
    if (p.saveWord2vec() != null) {
      AtomicOutput.checkTarget(spark, p.saveWord2vec(), p.overwrite());
    }
    Word2VecModel loaded = p.word2vec() == null ? null : load(p.word2vec());
    int width =
        loaded != null
            ? loaded.getVectorSize()
            : p.vectorSize() != null ? p.vectorSize() : EmbedParams.DEFAULT_VECTOR_SIZE;
    if (loaded != null && p.vectorSize() != null && p.vectorSize() != width) {
      throw new InputException(
          "--vector-size "
              + p.vectorSize()
              + " but the Word2Vec model '"
              + p.word2vec()
              + "' has vectors of "
              + width);
    }
    Projection projection =
        p.weights() == null
            ? Projection.seeded(width, p.heads(), p.headDim(), p.valueDim(), p.seed())
            : Projection.of(
                width,
                p.heads(),
                p.headDim(),
                p.valueDim(),
                readNpy(spark, p.weights(), "wq.npy"),
                readNpy(spark, p.weights(), "wk.npy"),
                readNpy(spark, p.weights(), "wv.npy"));

    TextInput.Documents docs = TextInput.read(spark, p.input());
    Dataset<Row> words =
        new RegexTokenizer()
            .setInputCol(TextInput.TEXT)
            .setOutputCol(WORDS)
            .setPattern(p.tokenPattern())
            .setGaps(true)
            .setToLowercase(true)
            .transform(docs.rows().na().fill("", new String[] {TextInput.TEXT}))
            .select(col(TextInput.DOC_ID), col(WORDS))
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return embed(spark, p, progress, docs, words, loaded, projection);
    } finally {
      words.unpersist();
    }
  }

  private static Map<String, Object> embed(
      SparkSession spark,
      EmbedParams p,
      Progress progress,
      TextInput.Documents docs,
      Dataset<Row> words,
      Word2VecModel loaded,
      Projection projection) {
    // Reading and decoding happen here: a non-UTF-8 file fails this action.
    List<Row> counts = words.select(col(TextInput.DOC_ID), size(col(WORDS))).collectAsList();
    List<String> empty = new ArrayList<>();
    java.util.Set<String> listed = new java.util.HashSet<>(docs.fileNames());
    long tokens = 0;
    for (Row r : counts) {
      listed.remove(r.getString(0));
      if (r.getInt(1) <= 0) {
        empty.add(r.getString(0));
      } else {
        tokens += r.getInt(1);
      }
    }
    empty.addAll(listed); // empty files: Spark's file source yields no row for them
    empty.sort(null);
    int documents = counts.size() + listed.size() - empty.size();
    if (documents == 0) {
      throw new InputException(
          "input '"
              + p.input()
              + "' has no tokens: "
              + (empty.isEmpty() ? "no documents" : "all " + empty.size() + " documents empty"));
    }
    progress.stage("tokenize", documents + " documents, " + tokens + " tokens");
    if (!empty.isEmpty()) {
      System.err.println(
          "[embed] skipped "
              + empty.size()
              + " empty document(s) (no tokens): "
              + String.join(", ", empty.subList(0, Math.min(SAMPLE, empty.size())))
              + (empty.size() > SAMPLE ? ", …" : ""));
    }
    Dataset<Row> sentences = words.filter(size(col(WORDS)).gt(0));

    Word2VecModel model = loaded != null ? loaded : train(sentences, p, projection.width());
    Dataset<Row> vocabulary = model.getVectors();
    Map<String, float[]> vectors = new HashMap<>();
    for (Row r : vocabulary.collectAsList()) {
      double[] d = ((Vector) r.get(1)).toArray();
      float[] f = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        f[i] = (float) d[i];
      }
      vectors.put(r.getString(0), f);
    }
    progress.stage(
        loaded != null ? "word2vec-load" : "word2vec-train",
        vectors.size() + " words × " + projection.width());

    Dataset<Row> tokenRows =
        sentences.select(
            col(TextInput.DOC_ID), posexplode(col(WORDS)).as(new String[] {POS, TOKEN}));
    Dataset<Row> oov =
        tokenRows.join(
            broadcast(vocabulary.select(col("word"))),
            tokenRows.col(TOKEN).equalTo(col("word")),
            "left_anti");
    // One small job: the out-of-vocabulary words and their counts (fewer than the vocabulary).
    List<Row> oovWordCounts = oov.groupBy(col(TOKEN)).count().collectAsList();
    long oovTokenCount = 0;
    List<String> oovSample = new ArrayList<>();
    for (Row r : oovWordCounts) {
      oovTokenCount += r.getLong(1);
      oovSample.add(r.getString(0));
    }
    long oovTokens = oovTokenCount;
    long oovWords = oovWordCounts.size();
    oovSample.sort(null);
    progress.stage(
        "vocabulary",
        oovTokens
            + " of "
            + tokens
            + " tokens ("
            + oovWords
            + " distinct words) are out of vocabulary: zero word vector + position"
            + (oovSample.isEmpty()
                ? ""
                : ", e.g. "
                    + String.join(", ", oovSample.subList(0, Math.min(SAMPLE, oovSample.size())))));

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Map<String, float[]>> bVectors = jsc.broadcast(vectors);
    Broadcast<Projection> bProjection = jsc.broadcast(projection);
    int partitions = (int) Math.max(jsc.defaultParallelism(), Math.min(4096, tokens >> 18));
    JavaRDD<Row> rows =
        tokenRows
            .repartition(partitions, col(TextInput.DOC_ID), col(POS))
            .javaRDD()
            .mapPartitions(new TokenProjector(bVectors, bProjection, p.binaryOutput()));
    Dataset<Row> out = spark.createDataFrame(rows, TokenProjector.schema(p.binaryOutput()));

    Map<String, Object> info = RunInfo.header(spark, "embed");
    long total = tokens;
    AtomicOutput.write(
        spark,
        p.output(),
        p.overwrite(),
        tmp -> {
          out.write().parquet(tmp);
          progress.stage("project+write", total + " rows written");
          if (p.saveWord2vec() != null) {
            AtomicOutput.write(spark, p.saveWord2vec(), p.overwrite(), m -> save(model, m));
            progress.stage("save-word2vec", p.saveWord2vec());
          }
          info.put("parameters", parameters(p, docs.format(), projection));
          info.put(TableLayout.SECTION, TableLayout.section(p.heads(), p.headDim(), p.valueDim()));
          info.put("seed", p.seed());
          info.put("documents", documents);
          info.put("rows", total);
          info.put("empty_documents", empty);
          Map<String, Object> vocab = new LinkedHashMap<>();
          vocab.put("words", vectors.size());
          vocab.put("oov_tokens", oovTokens);
          vocab.put("oov_words", oovWords);
          vocab.put("oov_handling", "zero word vector + sinusoidal position");
          info.put("vocabulary", vocab);
          info.put("timings_s", progress.timings());
          AtomicOutput.writeText(spark, tmp, "_longattn.json", RunInfo.toJson(info));
        });
    bVectors.destroy();
    bProjection.destroy();
    progress.done("token table in " + p.output());
    return info;
  }

  private static Word2VecModel train(Dataset<Row> sentences, EmbedParams p, int width) {
    Word2Vec w2v =
        new Word2Vec()
            .setInputCol(WORDS)
            .setVectorSize(width)
            .setMinCount(p.minCount())
            .setMaxIter(p.iterations())
            .setWindowSize(p.window())
            .setSeed(p.seed());
    try {
      // MLlib trains on one partition in the order the sentences arrive: fix that order (by
      // doc_id) so that the model does not depend on how the input happens to be partitioned.
      return w2v.fit(sentences.orderBy(col(TextInput.DOC_ID)).coalesce(1));
    } catch (IllegalArgumentException e) {
      if (String.valueOf(e.getMessage()).contains("vocabulary size should be > 0")) {
        throw new InputException(
            "no word occurs --min-count "
                + p.minCount()
                + " times in input '"
                + p.input()
                + "': the vocabulary would be empty (lower --min-count)");
      }
      throw e;
    }
  }

  private static Word2VecModel load(String path) {
    try {
      return Word2VecModel.load(path);
    } catch (Exception e) {
      throw new InputException(
          "--word2vec '"
              + path
              + "' is not a saved Word2Vec model: "
              + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }
  }

  private static void save(Word2VecModel model, String path) {
    try {
      model.write().save(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the Word2Vec model to '" + path + "'", e);
    }
  }

  private static Projection.NamedMatrix readNpy(SparkSession spark, String dir, String file) {
    Path path = new Path(dir, file);
    try {
      FileSystem fs = FileSystem.get(path.toUri(), spark.sparkContext().hadoopConfiguration());
      if (!fs.isFile(path)) {
        throw new InputException(
            "--weights '" + dir + "': missing " + file + " (need wq.npy, wk.npy, wv.npy)");
      }
      try (InputStream in = fs.open(path)) {
        return new Projection.NamedMatrix(
            path.toString(), NpyMatrix.parse(path.toString(), in.readAllBytes()));
      }
    } catch (IOException e) {
      throw new InputException("--weights: cannot read '" + path + "': " + e.getMessage());
    }
  }

  private static Map<String, Object> parameters(
      EmbedParams p, TextInput.Format format, Projection projection) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("input", p.input());
    m.put("input_format", format == TextInput.Format.TEXT_FILES ? "txt" : "parquet");
    m.put("output", p.output());
    m.put("heads", p.heads());
    m.put("head_dim", p.headDim());
    m.put("value_dim", p.valueDim());
    m.put("vector_size", projection.width());
    m.put("token_pattern", p.tokenPattern());
    m.put("lower_case", true);
    m.put("word2vec", p.word2vec() == null ? "trained" : p.word2vec());
    if (p.word2vec() == null) {
      m.put("min_count", p.minCount());
      m.put("word2vec_iterations", p.iterations());
      m.put("word2vec_window", p.window());
    }
    m.put("save_word2vec", p.saveWord2vec());
    m.put("weights", p.weights() == null ? "seeded" : p.weights());
    m.put("positions", "sinusoidal");
    m.put("output_encoding", p.binaryOutput() ? "binary" : "array");
    return m;
  }
}
