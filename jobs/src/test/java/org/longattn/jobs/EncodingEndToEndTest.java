package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.FloatBytes;
import org.longattn.datasets.SparkTestSession;

/**
 * The same generated documents as array&lt;float&gt; and as binary vectors, written with either
 * output encoding: the floats of {@code out} are bitwise the same.
 */
class EncodingEndToEndTest {
  @TempDir Path tmp;

  private Map<String, float[]> outputs(String dir) {
    Map<String, float[]> m = new HashMap<>();
    for (Row r : SparkTestSession.get().read().parquet(dir).collectAsList()) {
      Object o = r.get(2);
      float[] a;
      if (o instanceof byte[] b) {
        a = FloatBytes.decodeFloats(b);
      } else {
        List<Float> l = r.getList(2);
        a = new float[l.size()];
        for (int i = 0; i < a.length; i++) {
          a[i] = l.get(i);
        }
      }
      m.put(r.getString(0) + "#" + r.getInt(1), a);
    }
    return m;
  }

  @Test
  void binaryAndArrayEncodingsGiveTheSameOutput() {
    String arr = tmp.resolve("arr").toString();
    String bin = tmp.resolve("bin").toString();
    for (String[] g : new String[][] {{arr, "array"}, {bin, "binary"}}) {
      CliRunner.Result r =
          CliRunner.run(
              "generate",
              "--output",
              g[0],
              "--docs",
              "2",
              "--min-tokens",
              "300",
              "--max-tokens",
              "900",
              "--heads",
              "2",
              "--head-dim",
              "8",
              "--value-dim",
              "6",
              "--seed",
              "3",
              "--global-fraction",
              "0.01",
              "--encoding",
              g[1]);
      assertEquals(0, r.code(), r.err());
    }
    String outArr = tmp.resolve("out-arr").toString();
    String outBin = tmp.resolve("out-bin").toString();
    for (String[] a : new String[][] {{arr, outArr, "array"}, {bin, outBin, "binary"}}) {
      CliRunner.Result r =
          AttendRun.of(a[0], a[1])
              .heads(2)
              .pattern("longformer")
              .flag("--window", 20)
              .blockSize(16)
              .flag("--output-encoding", a[2])
              .run();
      assertEquals(0, r.code(), r.err());
    }
    Map<String, float[]> x = outputs(outArr);
    Map<String, float[]> y = outputs(outBin);
    assertEquals(x.keySet(), y.keySet());
    for (String k : x.keySet()) {
      assertEquals(12, x.get(k).length);
      assertArrayEquals(x.get(k), y.get(k), k);
    }
  }
}
