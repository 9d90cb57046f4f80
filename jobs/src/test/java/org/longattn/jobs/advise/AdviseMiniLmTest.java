package org.longattn.jobs.advise;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.SparkTestSession;
import org.longattn.datasets.model.OnnxRuntimeReference;
import org.longattn.jobs.CliRunner;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.Param;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.pattern.Seeds;
import scala.collection.Seq;

/**
 * {@code advise} on a real model's heads: the q, k, v of two all-MiniLM-L6-v2 layers over a real
 * text of ~1,300 tokens ({@code embed --model … --layer L}), as one table with a {@code layer}
 * column. For every candidate, layer and head, advise's coverage and output error equal a brute
 * force in double precision here (the full softmax of every sampled query over every key, the
 * candidate's key set from its {@link AttentionPattern}, written independently of advise's parser
 * and its distributed fold).
 */
class AdviseMiniLmTest {
  @TempDir static Path tmp;

  static final int HEADS = 12;
  static final int D = 32;
  static final int[] LAYERS = {1, 4};
  static final String CANDIDATES = "longformer:w=64,bigbird:b=64:r=3,sink:s=4:w=128,dense";
  static final List<PatternSpec> SPECS =
      List.of(
          PatternSpec.of("longformer", 64, 0, false, false, Map.of(Param.WINDOW, 64)),
          PatternSpec.of("bigbird", 64, 0, false, false, Map.of(Param.RANDOM_BLOCKS, 3)),
          PatternSpec.of("sink", 64, 0, false, false, Map.of(Param.SINKS, 4, Param.WINDOW, 128)),
          PatternSpec.of("dense", 64, 0, false, false, Map.of()));

  @Test
  void coverageAndErrorOnRealHeadsEqualTheBruteForce() throws Exception {
    Path text = Files.createDirectories(tmp.resolve("text"));
    String prose = OnnxRuntimeReference.prose();
    Files.writeString(text.resolve("real.txt"), prose + "\n\n" + prose);
    SparkSession spark = SparkTestSession.get();
    Dataset<Row> table = null;
    for (int layer : LAYERS) {
      Path dump = tmp.resolve("layer" + layer);
      CliRunner.Result r =
          CliRunner.run(
              "embed",
              "--input",
              text.toString(),
              "--output",
              dump.toString(),
              "--model",
              "all-minilm-l6-v2",
              "--layer",
              "" + layer);
      assertEquals(0, r.code(), r.err());
      Dataset<Row> l = spark.read().parquet(dump.toString()).select("doc_id", "pos", "q", "k", "v");
      l = l.withColumn("layer", lit(layer));
      table = table == null ? l : table.unionByName(l);
    }
    String layered = tmp.resolve("layers").toString();
    table.repartition(3).write().parquet(layered);

    Path out = tmp.resolve("advice");
    CliRunner.Result a =
        CliRunner.run(
            "advise",
            "--input",
            layered,
            "--output",
            out.toString(),
            "--heads",
            "" + HEADS,
            "--candidates",
            CANDIDATES,
            "--samples",
            "24",
            "--seed",
            "3",
            "--span-tokens",
            "512");
    assertEquals(0, a.code(), a.err());
    JsonNode advice = new ObjectMapper().readTree(out.resolve("advice.json").toFile());
    JsonNode samples = advice.get("samples").get("real.txt");
    assertEquals(24, samples.size());

    boolean someBelowOne = false;
    for (int layer : LAYERS) {
      List<Row> rows =
          spark.read().parquet(layered).filter("layer = " + layer).orderBy("pos").collectAsList();
      int n = rows.size();
      assertTrue(n > 1000, "a long real document: " + n + " tokens");
      float[][] q = new float[n][], k = new float[n][], v = new float[n][];
      for (Row row : rows) {
        int p = row.getInt(row.fieldIndex("pos"));
        q[p] = floats(row.getAs("q"));
        k[p] = floats(row.getAs("k"));
        v[p] = floats(row.getAs("v"));
      }
      double[][][] want = bruteForce(samples, n, q, k, v); // [candidate][head]{coverage, error}
      Map<String, JsonNode> got = new HashMap<>();
      for (int c = 0; c < SPECS.size(); c++) {
        JsonNode cand = advice.get("candidates").get(c);
        assertEquals(CANDIDATES.split(",")[c], cand.get("name").asText());
        for (JsonNode e : cand.get("heads")) {
          got.put(c + "/" + e.get("layer").asInt() + "/" + e.get("head").asInt(), e);
        }
      }
      for (int c = 0; c < SPECS.size(); c++) {
        for (int h = 0; h < HEADS; h++) {
          JsonNode e = got.get(c + "/" + layer + "/" + h);
          String what = CANDIDATES.split(",")[c] + " layer " + layer + " head " + h;
          assertEquals(want[c][h][0], e.get("coverage").asDouble(), 1e-10, what + " coverage");
          assertEquals(want[c][h][1], e.get("error").asDouble(), 1e-8, what + " error");
          someBelowOne |= c < 3 && want[c][h][0] < 0.999;
        }
      }
    }
    assertTrue(someBelowOne, "the sparse candidates miss some of the real heads' mass");
  }

  /** Mean over the samples of the exact mass inside each candidate's key set and its error. */
  static double[][][] bruteForce(JsonNode samples, int n, float[][] q, float[][] k, float[][] v) {
    double[][][] sum = new double[SPECS.size()][HEADS][2];
    long hash = Seeds.docHash("real.txt");
    for (JsonNode pn : samples) {
      int i = pn.asInt();
      for (int h = 0; h < HEADS; h++) {
        double[] s = new double[n];
        double mx = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          double dot = 0;
          for (int x = 0; x < D; x++) {
            dot += (double) q[i][h * D + x] * k[j][h * D + x];
          }
          s[j] = dot / Math.sqrt(D);
          mx = Math.max(mx, s[j]);
        }
        double z = 0;
        double[] o = new double[D];
        for (int j = 0; j < n; j++) {
          double e = Math.exp(s[j] - mx);
          z += e;
          for (int x = 0; x < D; x++) {
            o[x] += e * v[j][h * D + x];
          }
        }
        for (int x = 0; x < D; x++) {
          o[x] /= z;
        }
        for (int c = 0; c < SPECS.size(); c++) {
          AttentionPattern p = SPECS.get(c).build();
          int[] g = p.globalPositions(n, new int[0]);
          boolean gi = java.util.Arrays.binarySearch(g, i) >= 0;
          double zc = 0;
          double[] oc = new double[D];
          for (int j = 0; j < n; j++) {
            boolean in =
                p.directionAllows(i, j)
                    && (gi
                        || java.util.Arrays.binarySearch(g, j) >= 0
                        || p.localAllows(n, hash, h, i, j));
            if (in) {
              double e = Math.exp(s[j] - mx);
              zc += e;
              for (int x = 0; x < D; x++) {
                oc[x] += e * v[j][h * D + x];
              }
            }
          }
          double diff = 0, norm = 0;
          for (int x = 0; x < D; x++) {
            double ocx = zc == 0 ? 0 : oc[x] / zc;
            diff += (ocx - o[x]) * (ocx - o[x]);
            norm += o[x] * o[x];
          }
          sum[c][h][0] += zc / z;
          sum[c][h][1] += Math.sqrt(diff) / Math.sqrt(norm);
        }
      }
    }
    for (double[][] c : sum) {
      for (double[] h : c) {
        h[0] /= samples.size();
        h[1] /= samples.size();
      }
    }
    return sum;
  }

  private static float[] floats(Object column) {
    @SuppressWarnings("unchecked")
    Seq<Object> s = (Seq<Object>) column;
    float[] f = new float[s.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = ((Number) s.apply(i)).floatValue();
    }
    return f;
  }
}
