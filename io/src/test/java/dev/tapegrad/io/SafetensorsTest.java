package dev.tapegrad.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.tapegrad.autograd.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir Path dir;

  /** Random tensors: rank 0-4, sizes 0-5, any float bit pattern, names from awkward alphabets. */
  static Map<String, Tensor> randomTensors(Random random) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    int count = random.nextInt(7);
    while (tensors.size() < count) {
      int[] shape = new int[random.nextInt(5)];
      for (int d = 0; d < shape.length; d++) {
        shape[d] = random.nextInt(6);
      }
      float[] data = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
      for (int i = 0; i < data.length; i++) {
        data[i] =
            random.nextInt(4) == 0
                ? Float.intBitsToFloat(random.nextInt())
                : (float) random.nextGaussian();
      }
      tensors.put(randomName(random), Tensor.of(data, shape));
    }
    return tensors;
  }

  static Map<String, String> randomMetadata(Random random) {
    Map<String, String> metadata = new LinkedHashMap<>();
    int count = random.nextInt(4);
    for (int i = 0; i < count; i++) {
      metadata.put(randomName(random), randomName(random));
    }
    return metadata;
  }

  private static final int[][] CODE_POINT_POOLS = {
    {'a', 'z'},
    {'0', '9'},
    {'.', '.'},
    {'_', '_'},
    {0, 0x1f},
    {'"', '"'},
    {'\\', '\\'},
    {'/', '/'},
    {0xe0, 0x17f},
    {0x400, 0x4ff},
    {0x4e00, 0x4e80},
    {0xe000, 0xe010},
    {0xfff0, 0xffff},
    {0x1f600, 0x1f64f},
    {0x10ff00, 0x10ffff}
  };

  static String randomName(Random random) {
    StringBuilder sb = new StringBuilder();
    int length = random.nextInt(12);
    for (int i = 0; i < length; i++) {
      int[] pool = CODE_POINT_POOLS[random.nextInt(CODE_POINT_POOLS.length)];
      sb.appendCodePoint(pool[0] + random.nextInt(pool[1] - pool[0] + 1));
    }
    return sb.toString();
  }

  static void assertSameTensors(Map<String, Tensor> expected, Map<String, Tensor> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    for (Map.Entry<String, Tensor> e : expected.entrySet()) {
      Tensor a = actual.get(e.getKey());
      assertArrayEquals(e.getValue().shape(), a.shape(), e.getKey());
      float[] want = e.getValue().toFloatArray();
      float[] got = a.toFloatArray();
      assertEquals(want.length, got.length);
      for (int i = 0; i < want.length; i++) {
        // NaN payloads are kept too, but the JVM does not promise that for signalling NaNs.
        if (!(Float.isNaN(want[i]) && Float.isNaN(got[i]))) {
          assertEquals(
              Float.floatToRawIntBits(want[i]),
              Float.floatToRawIntBits(got[i]),
              e.getKey() + "[" + i + "]");
        }
      }
    }
  }

  @Test
  void randomRoundTripsAreExactAndDeterministic() {
    qt().withExamples(300)
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              Random random = new Random(seed);
              Map<String, Tensor> tensors = randomTensors(random);
              Map<String, String> metadata = randomMetadata(random);
              byte[] bytes = Safetensors.toByteArray(tensors, metadata);

              Safetensors loaded = readUnchecked(bytes);
              assertSameTensors(tensors, loaded.tensors());
              assertEquals(metadata, loaded.metadata());
              List<String> names = new ArrayList<>(tensors.keySet());
              names.sort(SafetensorsHeader.CODE_POINT_ORDER);
              assertEquals(names, List.copyOf(loaded.tensors().keySet()));

              long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
              assertEquals(0, headerLength % 8, "data starts 8-byte aligned");

              // Insertion order does not matter: the same content gives the same bytes.
              List<Map.Entry<String, Tensor>> shuffled = new ArrayList<>(tensors.entrySet());
              Collections.shuffle(shuffled, random);
              Map<String, Tensor> reordered = new LinkedHashMap<>();
              shuffled.forEach(e -> reordered.put(e.getKey(), e.getValue()));
              assertArrayEquals(bytes, Safetensors.toByteArray(reordered, new HashMap<>(metadata)));
              assertArrayEquals(
                  bytes, Safetensors.toByteArray(loaded.tensors(), loaded.metadata()));
            });
  }

  private static Safetensors readUnchecked(byte[] bytes) {
    try {
      return Safetensors.read(bytes);
    } catch (CheckpointException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void knownSmallExampleIsByteExact() {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("b", Tensor.vector(1f, -2f));
    tensors.put("a", Tensor.scalar(0.5f));
    byte[] bytes = Safetensors.toByteArray(tensors, Map.of("epoch", "12"));

    String json =
        "{\"__metadata__\":{\"epoch\":\"12\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    assertEquals(137, json.length());
    ByteBuffer expected = ByteBuffer.allocate(8 + 144 + 12).order(ByteOrder.LITTLE_ENDIAN);
    expected.putLong(144).put(json.getBytes(UTF_8)).put("       ".getBytes(UTF_8)); // 7 spaces
    expected.putFloat(0.5f).putFloat(1f).putFloat(-2f);
    assertArrayEquals(expected.array(), bytes);
  }

  @Test
  void emptyCheckpointIsTheSmallestFile() throws Exception {
    byte[] bytes = Safetensors.toByteArray(Map.of(), Map.of());
    assertArrayEquals(
        new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}, bytes);
    Safetensors loaded = Safetensors.read(bytes);
    assertTrue(loaded.tensors().isEmpty());
    assertTrue(loaded.metadata().isEmpty());
  }

  @Test
  void namesAreEscapedLikeTheReferenceWriter() {
    String name = "q\"b\\s/\n\u0001é😀";
    byte[] bytes = Safetensors.toByteArray(Map.of(name, Tensor.zeros(0)), Map.of());
    String header = new String(bytes, 8, bytes.length - 8, UTF_8);
    assertTrue(header.startsWith("{\"q\\\"b\\\\s/\\n\\u0001é😀\":{\"dtype\""), header);
  }

  @Test
  void saveAndLoadScalarsEmptyTensorsAndMetadata() throws Exception {
    Path file = dir.resolve("model.safetensors");
    Tensor w = Tensor.randn(1, 3, 4);
    Map<String, Tensor> tensors =
        Map.of(
            "w",
            w,
            "scalar",
            Tensor.scalar(-7.25f),
            "empty",
            Tensor.zeros(0),
            "empty3",
            Tensor.zeros(3, 0, 2));
    Map<String, String> metadata = Map.of("format", "pt", "ключ", "値 😀", "", "");
    Safetensors.save(file, tensors, metadata);
    Safetensors loaded = Safetensors.load(file);
    assertSameTensors(tensors, loaded.tensors());
    assertEquals(metadata, loaded.metadata());
    assertEquals(List.of("empty", "empty3", "scalar", "w"), List.copyOf(loaded.tensors().keySet()));
    assertEquals(0, loaded.tensors().get("scalar").dim());

    Safetensors.save(file, Map.of("only", Tensor.ones(2)));
    Safetensors again = Safetensors.load(file);
    assertEquals(List.of("only"), List.copyOf(again.tensors().keySet()));
    assertTrue(again.metadata().isEmpty());
  }

  @Test
  void tensorsLargerThanOneChunkRoundTrip() throws Exception {
    Tensor big =
        Tensor.randn(7, 300, 77); // 161,700 floats: several 64 KB chunks, a ragged last one
    Path file = dir.resolve("big.safetensors");
    Safetensors.save(file, Map.of("big", big, "tail", Tensor.arange(5)));
    assertSameTensors(
        Map.of("big", big, "tail", Tensor.arange(5)), Safetensors.load(file).tensors());
  }

  @Test
  void writeToStreamGivesTheSameBytes() throws Exception {
    Random random = new Random(5);
    Map<String, Tensor> tensors = randomTensors(random);
    tensors.put("big", Tensor.rand(3, 100, 200));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Safetensors.write(out, tensors, Map.of("k", "v"));
    assertArrayEquals(Safetensors.toByteArray(tensors, Map.of("k", "v")), out.toByteArray());
  }

  @Test
  void savedValuesAreDetachedLeaves() throws Exception {
    Tensor w = Tensor.randn(2, 2, 3).requiresGrad(true);
    Tensor view = Tensor.arange(6).reshape(2, 3); // shares storage with its source
    Safetensors loaded =
        Safetensors.read(Safetensors.toByteArray(Map.of("w", w, "view", view), Map.of()));
    Tensor w2 = loaded.tensors().get("w");
    assertFalse(w2.requiresGrad());
    assertTrue(w2.isLeaf());
    assertArrayEquals(w.toFloatArray(), w2.toFloatArray());
    assertArrayEquals(new int[] {2, 3}, loaded.tensors().get("view").shape());
    assertArrayEquals(view.toFloatArray(), loaded.tensors().get("view").toFloatArray());
  }

  @Test
  void resultMapsAreImmutable() throws Exception {
    Safetensors loaded =
        Safetensors.read(Safetensors.toByteArray(Map.of("w", Tensor.ones(1)), Map.of("k", "v")));
    assertThrows(
        UnsupportedOperationException.class, () -> loaded.tensors().put("x", Tensor.ones(1)));
    assertThrows(UnsupportedOperationException.class, () -> loaded.metadata().clear());
  }

  @Test
  void toStringListsTensorsAndMetadata() throws Exception {
    Safetensors loaded =
        Safetensors.read(
            Safetensors.toByteArray(
                Map.of("w", Tensor.ones(2, 3), "b", Tensor.ones(3)), Map.of("k", "v")));
    assertEquals("Safetensors{b[3], w[2, 3], metadata={k=v}}", loaded.toString());
  }

  @Test
  void badArgumentsAreRejectedBeforeWriting() {
    IllegalArgumentException reserved =
        assertThrows(
            IllegalArgumentException.class,
            () -> Safetensors.toByteArray(Map.of("__metadata__", Tensor.ones(1)), Map.of()));
    assertTrue(reserved.getMessage().contains("__metadata__ is reserved"), reserved.getMessage());
    IllegalArgumentException surrogate =
        assertThrows(
            IllegalArgumentException.class,
            () -> Safetensors.toByteArray(Map.of("bad\ud800", Tensor.ones(1)), Map.of()));
    assertTrue(
        surrogate.getMessage().contains("unpaired surrogate at index 3"), surrogate.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Safetensors.toByteArray(Map.of(), Map.of("k", "\udc00")));
    assertThrows(
        IllegalArgumentException.class,
        () -> Safetensors.toByteArray(Map.of(), Map.of("x😀\ud83d", "v")));

    Map<String, Tensor> nullName = new HashMap<>();
    nullName.put(null, Tensor.ones(1));
    assertThrows(NullPointerException.class, () -> Safetensors.toByteArray(nullName, Map.of()));
    Map<String, Tensor> nullTensor = new HashMap<>();
    nullTensor.put("w", null);
    NullPointerException npe =
        assertThrows(
            NullPointerException.class, () -> Safetensors.toByteArray(nullTensor, Map.of()));
    assertTrue(npe.getMessage().contains("tensor w is null"), npe.getMessage());
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("k", null);
    assertThrows(NullPointerException.class, () -> Safetensors.toByteArray(Map.of(), nullValue));
    assertThrows(NullPointerException.class, () -> Safetensors.toByteArray(null, Map.of()));
    assertThrows(NullPointerException.class, () -> Safetensors.toByteArray(Map.of(), null));
  }

  /** The value of a binary16 pattern, from its definition, in double arithmetic. */
  private static double halfByDefinition(int bits) {
    int sign = (bits >> 15) == 1 ? -1 : 1;
    int exponent = (bits >> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0) {
      return sign * Math.scalb((double) mantissa, -24);
    }
    return sign * Math.scalb(1 + mantissa / 1024.0, exponent - 15);
  }

  @Test
  void everyFloat16AndBfloat16PatternLoads() throws Exception {
    int n = 1 << 16;
    String header =
        "{\"bf16\":{\"dtype\":\"BF16\",\"shape\":[65536],\"data_offsets\":[0,131072]},"
            + "\"f16\":{\"dtype\":\"F16\",\"shape\":[256,256],\"data_offsets\":[131072,262144]}}";
    byte[] bytes = SafetensorsValidationTest.file(header, 4 * n);
    ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    data.position(8 + header.length());
    for (int pass = 0; pass < 2; pass++) {
      for (int bits = 0; bits < n; bits++) {
        data.putShort((short) bits);
      }
    }
    Safetensors loaded = Safetensors.read(bytes);
    float[] half = loaded.tensors().get("f16").toFloatArray();
    float[] brain = loaded.tensors().get("bf16").toFloatArray();
    for (int bits = 0; bits < n; bits++) {
      assertEquals(bits << 16, Float.floatToRawIntBits(brain[bits]), "bf16 " + bits);
      int exponent = (bits >> 10) & 0x1f;
      int mantissa = bits & 0x3ff;
      if (exponent == 0x1f && mantissa != 0) {
        assertTrue(Float.isNaN(half[bits]), "f16 NaN " + bits);
      } else if (exponent == 0x1f) {
        assertEquals(
            (bits >> 15) == 1 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY, half[bits]);
      } else {
        double expected = halfByDefinition(bits);
        assertEquals(expected, half[bits], 0.0, "f16 " + Integer.toHexString(bits));
        assertEquals(bits >> 15, Float.floatToRawIntBits(half[bits]) >>> 31, "sign of " + bits);
      }
    }
  }

  @Test
  void float64IsRoundedToNearestFloat() throws Exception {
    double[] values = {
      0.1,
      -1e-50,
      1e300,
      -1e300,
      3.4028235677973366e38,
      Math.nextUp(1.0),
      1 + 0x1p-24,
      1 + 0x1p-23 + 0x1p-24
    };
    String header =
        "{\"d\":{\"dtype\":\"F64\",\"shape\":["
            + values.length
            + "],\"data_offsets\":[0,"
            + 8 * values.length
            + "]}}";
    byte[] bytes = SafetensorsValidationTest.file(header, 8 * values.length);
    ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    data.position(8 + header.length());
    for (double v : values) {
      data.putDouble(v);
    }
    float[] loaded = Safetensors.read(bytes).tensors().get("d").toFloatArray();
    float[] expected = {
      0.1f,
      -0f,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      Float.POSITIVE_INFINITY,
      1f,
      1f,
      1 + 0x1p-22f
    };
    for (int i = 0; i < values.length; i++) {
      assertEquals(
          Float.floatToRawIntBits(expected[i]),
          Float.floatToRawIntBits(loaded[i]),
          "value " + values[i]);
    }
  }
}
