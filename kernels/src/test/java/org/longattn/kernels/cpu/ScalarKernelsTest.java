package org.longattn.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.longattn.kernels.TestData;
import org.longattn.kernels.model.Gemm;
import org.longattn.kernels.model.PackedMatrix;
import org.longattn.kernels.model.RowOps;
import org.longattn.kernels.state.SoftmaxState;
import org.longattn.kernels.vectorization.FloatOps;

/**
 * The scalar kernels run in a JVM without {@code jdk.incubator.vector} (no class of the Vector API
 * is touched) and give the same bits as the Vector API kernels of this JVM: attention tiles (dot
 * and additive scores, with and without statistics), linear attention and the GEMM — every
 * operation there is lanewise, so the lane count does not matter. A child JVM started without
 * {@code --add-modules} prints checksums of fixed inputs; this JVM computes them again.
 */
class ScalarKernelsTest {
  /** Prints the implementation in use, then one checksum line per output. */
  public static void main(String[] args) {
    System.out.println(FloatOps.get().description());
    System.out.print(checksums());
  }

  @Test
  void scalarWithoutTheModuleGivesTheSameBits() throws Exception {
    String here = checksums();
    assertTrue(here.lines().count() > 100);
    List<String> out = child(List.of());
    assertEquals("scalar", out.get(0), "a JVM without the module chooses the scalar kernels");
    assertEquals(here, String.join("\n", out.subList(1, out.size())) + "\n");
  }

  @Test
  void scalarByPropertyGivesTheSameBits() throws Exception {
    List<String> out =
        child(List.of("--add-modules=jdk.incubator.vector", "-Dlongattn.kernels=scalar"));
    assertEquals("scalar", out.get(0));
    assertEquals(checksums(), String.join("\n", out.subList(1, out.size())) + "\n");
  }

  private static List<String> child(List<String> flags) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(flags);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ScalarKernelsTest.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] bytes = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    return text.lines().filter(l -> !l.startsWith("WARNING")).toList();
  }

  static void put(CRC32 c, float[] a) {
    for (float x : a) {
      int b = Float.floatToRawIntBits(x);
      c.update(b);
      c.update(b >>> 8);
      c.update(b >>> 16);
      c.update(b >>> 24);
    }
  }

  static String checksums() {
    StringWriter text = new StringWriter();
    try (PrintWriter w = new PrintWriter(text)) {
      int seed = 0;
      for (int d : new int[] {1, 7, 16, 24, 64, 100}) {
        for (int nq : new int[] {1, 5, 16, 17, 64, 65, 130}) {
          seed++;
          SplittableRandom rng = new SplittableRandom(7000 + seed);
          int dv = rng.nextBoolean() ? d : 1 + rng.nextInt(40);
          JavaAttentionBackendTest.Scenario sc =
              JavaAttentionBackendTest.random("x", rng, nq, d, dv);
          for (int additive = 0; additive < 2; additive++) {
            SoftmaxState st = SoftmaxState.identity(nq, dv);
            JavaAttentionBackend be = new JavaAttentionBackend();
            float[] wts = TestData.gaussian(new SplittableRandom(seed), 1, d, 0.3);
            for (JavaAttentionBackendTest.Call c : sc.calls()) {
              if (additive == 1) {
                be.accumulateAdditive(sc.q(), c.keys(), wts, c.band(), true, st);
              } else {
                be.accumulate(sc.q(), c.keys(), c.band(), sc.scale(), sc.stats(), st);
              }
            }
            CRC32 crc = new CRC32();
            put(crc, st.m);
            put(crc, st.l);
            put(crc, st.o);
            put(crc, st.t);
            put(crc, st.dsum);
            put(crc, st.gsum);
            w.println(
                "attn " + d + " " + nq + " " + additive + " " + Long.toHexString(crc.getValue()));
          }
        }
      }
      for (int n : new int[] {1, 3, 17, 64, 100}) {
        for (int m : new int[] {16, 32, 64}) {
          for (int dv : new int[] {1, 7, 16, 64, 70}) {
            SplittableRandom rng = new SplittableRandom(n * 10000 + m * 100 + dv);
            float[] x = TestData.gaussian(rng, n, m + 2, 1);
            float[] phi = new float[n * (m + 2)];
            LinearKernels.eluPlusOne(x, 1, m + 2, Math.max(1, n - 1), m, phi, 0, m + 2);
            float[] psi = new float[n * (m + 2)];
            LinearKernels.eluPlusOne(
                TestData.gaussian(rng, n, m + 2, 1), 0, m + 2, n, m, psi, 0, m + 2);
            float[] v = TestData.gaussian(rng, n, dv + 1, 1);
            float[] s = TestData.gaussian(rng, m, dv, 0.1);
            float[] z = TestData.gaussian(rng, 1, m, 0.1);
            for (int i = 0; i < m; i++) z[i] = Math.abs(z[i]);
            LinearKernels.accumulate(phi, 0, m + 2, v, 1, dv + 1, n, m, dv, s, z);
            float[] o1 = new float[n * dv];
            LinearKernels.apply(phi, 0, m + 2, n, m, dv, s, z, o1, 0, dv);
            float[] o2 = new float[n * (dv + 3)];
            LinearKernels.applyCausal(
                phi, 0, m + 2, psi, 0, m + 2, v, 0, dv + 1, n, m, dv, s, z, o2, 1, dv + 2);
            CRC32 crc = new CRC32();
            put(crc, phi);
            put(crc, s);
            put(crc, z);
            put(crc, o1);
            put(crc, o2);
            w.println("linear " + n + " " + m + " " + dv + " " + Long.toHexString(crc.getValue()));
          }
        }
      }
      for (int in : new int[] {1, 5, 64, 77}) {
        for (int o : new int[] {1, 16, 64, 100, 200}) {
          for (int n : new int[] {1, 4, 7, 33}) {
            SplittableRandom rng = new SplittableRandom(in * 1000 + o * 10 + n);
            PackedMatrix pm =
                new PackedMatrix(
                    TestData.gaussian(rng, in, o, 1), TestData.gaussian(rng, 1, o, 1), in, o);
            float[] x = TestData.gaussian(rng, n, in + 3, 1);
            float[] y = new float[n * (o + 1) + 2];
            Gemm.multiply(x, 2, in + 3, n - 1 > 0 ? n - 1 : 1, pm, y, 1, o + 1);
            float[] g = y.clone();
            RowOps.gelu(g, 0, g.length);
            CRC32 crc = new CRC32();
            put(crc, y);
            put(crc, g);
            w.println("gemm " + in + " " + o + " " + n + " " + Long.toHexString(crc.getValue()));
          }
        }
      }
    }
    return text.toString();
  }
}
