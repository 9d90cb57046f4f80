package org.longattn.datasets.tensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.longattn.datasets.InputException;

/**
 * The array readers against files written from the formats' specifications ({@link TestArrays}):
 * every element type, byte order and memory order read exactly, and every lie a header can tell
 * refused with the file's name.
 */
class ArrayFilesTest {
  @TempDir Path tmp;

  private static FileSystem fs() throws IOException {
    return FileSystem.getLocal(new Configuration());
  }

  private static org.apache.hadoop.fs.Path hadoop(Path p) {
    return new org.apache.hadoop.fs.Path(p.toUri());
  }

  private static float[] rows(TensorHeader h, int from, int count) throws IOException {
    float[] out = new float[(int) (count * h.columns())];
    try (TensorReader r = TensorReader.open(h)) {
      r.read(from, count, out);
    }
    return out;
  }

  private static float[] floats(double[] v, int from, int to) {
    float[] f = new float[to - from];
    for (int i = from; i < to; i++) {
      f[i - from] = (float) v[i];
    }
    return f;
  }

  @Test
  void npyOfEveryFloatTypeByteOrderAndMemoryOrderReadsExactly() throws IOException {
    for (int[] shape : new int[][] {{7, 3, 4}, {7, 12}, {7, 2, 3, 2}}) {
      double[] v = TestArrays.values(7 * 12, Arrays.hashCode(shape));
      for (String descr : new String[] {"<f2", ">f2", "<f4", ">f4", "<f8", ">f8"}) {
        for (boolean fortran : new boolean[] {false, true}) {
          Path f = tmp.resolve("x" + descr.hashCode() + fortran + shape.length + ".npy");
          TestArrays.npy(f, descr, fortran, shape, v);
          TensorHeader h = ArrayFiles.npy(fs(), hadoop(f), f.toString());
          assertEquals(7, h.rows());
          assertEquals(12, h.columns());
          assertArrayEquals(shape, h.shape());
          String what = descr + (fortran ? " Fortran " : " C ") + Arrays.toString(shape);
          assertArrayEquals(floats(v, 0, 84), rows(h, 0, 7), what);
          assertArrayEquals(floats(v, 24, 60), rows(h, 2, 3), what + " rows 2..4");
        }
      }
    }
  }

  @Test
  void safetensorsOfEveryFloatTypeReadExactly() throws IOException {
    double[] v = TestArrays.values(5 * 6, 3);
    Map<String, TestArrays.Tensor> t = new LinkedHashMap<>();
    for (String dtype : new String[] {"F16", "BF16", "F32", "F64"}) {
      t.put("x." + dtype, new TestArrays.Tensor(dtype, new int[] {5, 2, 3}, v));
    }
    Path f = tmp.resolve("a.safetensors");
    TestArrays.safetensors(f, t);
    Map<String, TensorHeader> read = ArrayFiles.safetensors(fs(), hadoop(f), "a.safetensors");
    assertEquals(
        java.util.List.of("x.F16", "x.BF16", "x.F32", "x.F64"),
        java.util.List.copyOf(read.keySet()));
    for (TensorHeader h : read.values()) {
      assertEquals(h.dtype(), h.type().name());
      assertArrayEquals(floats(v, 0, 30), rows(h, 0, 5), h.label());
      assertArrayEquals(floats(v, 18, 24), rows(h, 3, 1), h.label());
    }
  }

  @Test
  void halfPrecisionConvertsExactlyIncludingSubnormalsAndInfinities() {
    assertEquals(1f, ElementType.halfToFloat((short) 0x3c00));
    assertEquals(-2f, ElementType.halfToFloat((short) 0xc000));
    assertEquals(65504f, ElementType.halfToFloat((short) 0x7bff));
    assertEquals(0x1p-24f, ElementType.halfToFloat((short) 0x0001));
    assertEquals(0x1p-14f, ElementType.halfToFloat((short) 0x0400));
    assertEquals(Float.POSITIVE_INFINITY, ElementType.halfToFloat((short) 0x7c00));
    assertTrue(Float.isNaN(ElementType.halfToFloat((short) 0x7e00)));
    assertEquals(
        Float.floatToIntBits(-0f), Float.floatToIntBits(ElementType.halfToFloat((short) 0x8000)));
  }

  @Test
  void fortranColumnsMatchTheKernelsNpyReader() throws IOException {
    int[] shape = {4, 3, 5};
    double[] v = TestArrays.values(60, 9);
    Path f = tmp.resolve("f.npy");
    TestArrays.npy(f, "<f4", true, shape, v);
    float[] whole = org.longattn.kernels.io.Npy.parse(Files.readAllBytes(f)).data();
    assertArrayEquals(whole, rows(ArrayFiles.npy(fs(), hadoop(f), "f.npy"), 0, 4));
  }

  @Test
  void docIdsRoundTripThroughFileNamesOneToOne() {
    String[] ids = {"a", "doc-1.x", "long doc/x", "%", "", ".hidden", "_x", "ü/\n", "a%2Fb", "%2"};
    java.util.Set<String> names = new java.util.HashSet<>();
    for (String id : ids) {
      String name = DocFileNames.encode(id);
      assertTrue(
          name.matches("[A-Za-z0-9._%-]+") && !name.startsWith(".") && !name.startsWith("_"), name);
      assertEquals(id, DocFileNames.decode(name), name);
      assertTrue(names.add(name), "one to one: " + name);
    }
    assertEquals("long doc/x", DocFileNames.decode("long%20doc%2Fx"));
    assertEquals("50%", DocFileNames.decode("50%"), "a % without two hex digits is literal");
  }

  @Test
  void npyHeadersThatLieOrFilesThatAreNotNpyAreRefusedNamingTheFile() throws IOException {
    double[] v = TestArrays.values(24, 1);
    Path ok = tmp.resolve("ok.npy");
    TestArrays.npy(ok, "<f4", false, new int[] {2, 3, 4}, v);
    byte[] good = Files.readAllBytes(ok);

    assertRefused(write("truncated.npy", Arrays.copyOf(good, good.length - 5)), "truncated");
    assertRefused(
        write("trailing.npy", Arrays.copyOf(good, good.length + 4)),
        "needs 96 data bytes, the file has 100");
    assertRefused(write("cut.npy", Arrays.copyOf(good, 30)), "truncated header");
    assertRefused(write("empty.npy", new byte[0]), "not a .npy file");
    assertRefused(write("text.npy", "hello, world\n".getBytes()), "not a .npy file");
    Path ints = tmp.resolve("ints.npy");
    TestArrays.npyRaw(
        ints, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", new byte[24]);
    assertRefused(ints, "element type '<i4'");
    Path noShape = tmp.resolve("noshape.npy");
    TestArrays.npyRaw(noShape, "{'descr': '<f4', 'fortran_order': False, }", new byte[24]);
    assertRefused(noShape, "no 'shape'");
    Path nan = tmp.resolve("nan.npy");
    double[] withNan = v.clone();
    withNan[13] = Double.NaN;
    TestArrays.npy(nan, "<f8", false, new int[] {2, 3, 4}, withNan);
    InputException e =
        assertThrows(
            InputException.class, () -> rows(ArrayFiles.npy(fs(), hadoop(nan), "nan.npy"), 0, 2));
    assertEquals(
        "file 'nan.npy': row 1 index 1 is NaN: attention needs finite values", e.getMessage());
  }

  @Test
  void safetensorsHeadersThatLieAreRefusedNamingTheFileAndTensor() throws IOException {
    Map<String, TestArrays.Tensor> t =
        TestArrays.qkv(
            "",
            "F32",
            new int[] {3, 2},
            TestArrays.values(6, 1),
            TestArrays.values(6, 2),
            new int[] {3, 2},
            TestArrays.values(6, 3));
    Path ok = tmp.resolve("ok.safetensors");
    TestArrays.safetensors(ok, t);
    byte[] good = Files.readAllBytes(ok);
    assertRefusedSt(
        write("t.safetensors", Arrays.copyOf(good, good.length - 4)),
        "tensor 'v': data ends at byte");
    assertRefusedSt(
        write("long.safetensors", Arrays.copyOf(good, good.length + 4)), "trailing bytes");
    assertRefusedSt(
        write("tiny.safetensors", new byte[] {1, 2, 3}), "shorter than the 8-byte header length");
    byte[] huge = good.clone();
    huge[7] = 0x10;
    assertRefusedSt(write("huge.safetensors", huge), "exceeds the file");
    Path json = tmp.resolve("json.safetensors");
    TestArrays.safetensorsRaw(json, "{\"q\": [not json", new byte[0]);
    assertRefusedSt(json, "not UTF-8 JSON");
    Path lie = tmp.resolve("lie.safetensors");
    TestArrays.safetensorsRaw(
        lie, "{\"q\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,24]}}", new byte[24]);
    assertRefusedSt(
        lie, "tensor 'q': data_offsets [0, 24) hold 24 bytes, shape [3, 4] of F32 needs 48");
    Path gap = tmp.resolve("gap.safetensors");
    TestArrays.safetensorsRaw(
        gap, "{\"q\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", new byte[16]);
    assertRefusedSt(gap, "data bytes [0, 8) belong to no tensor");
    Path dtype = tmp.resolve("dtype.safetensors");
    TestArrays.safetensorsRaw(
        dtype, "{\"q\":{\"dtype\":\"X9\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
    assertRefusedSt(dtype, "tensor 'q': unknown dtype 'X9'");
    Path ints = tmp.resolve("ints.safetensors");
    TestArrays.safetensorsRaw(
        ints, "{\"q\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", new byte[16]);
    assertNull(
        ArrayFiles.safetensors(fs(), hadoop(ints), "ints.safetensors").get("q").type(),
        "listed, refused by whoever uses it");
  }

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(tmp.resolve(name), bytes);
  }

  private static void assertRefused(Path f, String why) {
    String name = f.getFileName().toString();
    InputException e =
        assertThrows(InputException.class, () -> ArrayFiles.npy(fs(), hadoop(f), name), name);
    assertTrue(e.getMessage().startsWith("file '" + name + "': "), e.getMessage());
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  private static void assertRefusedSt(Path f, String why) {
    String name = f.getFileName().toString();
    InputException e =
        assertThrows(
            InputException.class, () -> ArrayFiles.safetensors(fs(), hadoop(f), name), name);
    assertTrue(e.getMessage().startsWith("file '" + name + "'"), e.getMessage());
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }
}
