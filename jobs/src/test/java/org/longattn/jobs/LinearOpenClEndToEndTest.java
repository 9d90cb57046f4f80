package org.longattn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.longattn.kernels.opencl.OpenClDevices;

/**
 * {@code attend --pattern linear|performer --backend opencl} through the real CLI against the same
 * double-precision oracle and tolerance as {@link LinearAttendEndToEndTest}, and the device
 * recorded in {@code _longattn.json}. Needs an OpenCL device and libjsig, as {@link
 * OpenClEndToEndTest}.
 */
class LinearOpenClEndToEndTest {
  @TempDir static Path tmp;

  @BeforeAll
  static void needsOpenClAndLibjsig() {
    OpenClEndToEndTest.needsOpenClAndLibjsig();
  }

  @ParameterizedTest(name = "{0} causal={1}")
  @CsvSource({"linear,true", "performer,false"})
  void matchesOracleOnOpenCl(String family, boolean causal) throws Exception {
    List<LinearAttendEndToEndTest.Doc> docs = LinearAttendEndToEndTest.docs(false, 55);
    String in = LinearAttendEndToEndTest.write(docs, tmp.resolve("in-cl-" + family));
    String out = tmp.resolve("out-cl-" + family).toString();
    Map<String, float[]> rows =
        causal
            ? LinearAttendEndToEndTest.run(
                in, out, "--pattern", family, "--causal", "--backend", "opencl")
            : LinearAttendEndToEndTest.run(
                in, out, "--pattern", family, "--features", "16", "--backend", "opencl");
    assertEquals(517 + 65 + 1, rows.size());
    for (LinearAttendEndToEndTest.Doc d : docs) {
      double[][] ref =
          LinearOracle.linear(
              d.q(),
              d.k(),
              d.v(),
              d.n(),
              LinearAttendEndToEndTest.HEADS,
              LinearAttendEndToEndTest.D,
              LinearAttendEndToEndTest.DV,
              causal,
              causal ? 0 : 16,
              LinearAttendEndToEndTest.SEED);
      LinearAttendEndToEndTest.check(rows, d, ref, 1e-5, family + " on opencl");
    }
    String info = Files.readString(Path.of(out, "_longattn.json"));
    String device = "opencl on " + OpenClDevices.describe(OpenClDevices.get(-1));
    assertTrue(info.contains(device), "_longattn.json records " + device + ": " + info);
  }
}
