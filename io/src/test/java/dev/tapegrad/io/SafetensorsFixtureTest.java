package dev.tapegrad.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.tapegrad.autograd.Tensor;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Files written by an independent writer ({@code tools/safetensors_io.py}) from PyTorch values,
 * checked against the float32 values PyTorch gives ({@code tools/fixtures_safetensors.py} writes
 * both; the expected values are in {@code torch_fixtures.json} as bit patterns).
 */
class SafetensorsFixtureTest {
  /** What the sidecar says about one file. */
  private record Expected(Map<String, String> metadata, Map<String, ExpectedTensor> tensors) {}

  private record ExpectedTensor(String dtype, int[] shape, int[] bits) {}

  private static Path resource(String name) throws Exception {
    return Path.of(SafetensorsFixtureTest.class.getResource("/safetensors/" + name).toURI());
  }

  @Test
  void float32FileFromPyTorchLoadsBitExact() throws Exception {
    checkAgainstSidecar("torch_f32.safetensors");
  }

  @Test
  void float64Float16AndBfloat16ConvertLikePyTorch() throws Exception {
    checkAgainstSidecar("torch_mixed.safetensors");
  }

  @Test
  void float32FileFromPyTorchIsWrittenBackByteForByte() throws Exception {
    Path file = resource("torch_f32.safetensors");
    Safetensors loaded = Safetensors.load(file);
    byte[] rewritten = Safetensors.toByteArray(loaded.tensors(), loaded.metadata());
    assertArrayEquals(Files.readAllBytes(file), rewritten);
  }

  private static void checkAgainstSidecar(String fileName) throws Exception {
    Expected expected = readSidecar().get(fileName);
    Safetensors loaded = Safetensors.load(resource(fileName));
    assertEquals(expected.metadata(), loaded.metadata());
    assertEquals(expected.tensors().keySet(), loaded.tensors().keySet());
    List<String> sortedNames =
        expected.tensors().keySet().stream().sorted(SafetensorsHeader.CODE_POINT_ORDER).toList();
    assertEquals(sortedNames, List.copyOf(loaded.tensors().keySet()), "tensors come in name order");
    for (Map.Entry<String, ExpectedTensor> e : expected.tensors().entrySet()) {
      Tensor actual = loaded.tensors().get(e.getKey());
      ExpectedTensor want = e.getValue();
      assertArrayEquals(want.shape(), actual.shape(), e.getKey());
      float[] values = actual.toFloatArray();
      assertEquals(want.bits().length, values.length, e.getKey());
      for (int i = 0; i < values.length; i++) {
        float w = Float.intBitsToFloat(want.bits()[i]);
        if (Float.isNaN(w)) {
          assertTrue(Float.isNaN(values[i]), e.getKey() + "[" + i + "] should be NaN");
        } else {
          assertEquals(
              want.bits()[i],
              Float.floatToRawIntBits(values[i]),
              e.getKey()
                  + "["
                  + i
                  + "] ("
                  + want.dtype()
                  + "): expected "
                  + w
                  + " got "
                  + values[i]);
        }
      }
    }
  }

  /** Reads the sidecar with Gson's streaming reader. */
  private static Map<String, Expected> readSidecar() throws Exception {
    String text = Files.readString(resource("torch_fixtures.json"), StandardCharsets.US_ASCII);
    JsonReader json = new JsonReader(new StringReader(text));
    Map<String, Expected> files = new LinkedHashMap<>();
    json.beginObject();
    while (json.hasNext()) {
      String file = json.nextName();
      Map<String, String> metadata = new LinkedHashMap<>();
      Map<String, ExpectedTensor> tensors = new LinkedHashMap<>();
      json.beginObject();
      while (json.hasNext()) {
        switch (json.nextName()) {
          case "metadata" -> {
            json.beginObject();
            while (json.hasNext()) {
              metadata.put(json.nextName(), json.nextString());
            }
            json.endObject();
          }
          case "tensors" -> {
            json.beginObject();
            while (json.hasNext()) {
              String name = json.nextName();
              tensors.put(name, readTensor(json));
            }
            json.endObject();
          }
          default -> throw new AssertionError("unexpected sidecar field");
        }
      }
      json.endObject();
      files.put(file, new Expected(metadata, tensors));
    }
    json.endObject();
    assertEquals(JsonToken.END_DOCUMENT, json.peek());
    return files;
  }

  private static ExpectedTensor readTensor(JsonReader json) throws Exception {
    String dtype = null;
    int[] shape = null;
    int[] bits = null;
    json.beginObject();
    while (json.hasNext()) {
      switch (json.nextName()) {
        case "dtype" -> dtype = json.nextString();
        case "shape" -> shape = readInts(json);
        case "float32_bits" -> bits = readInts(json);
        default -> throw new AssertionError("unexpected tensor field");
      }
    }
    json.endObject();
    return new ExpectedTensor(dtype, shape, bits);
  }

  private static int[] readInts(JsonReader json) throws Exception {
    it.unimi.dsi.fastutil.ints.IntArrayList values = new it.unimi.dsi.fastutil.ints.IntArrayList();
    json.beginArray();
    while (json.hasNext()) {
      values.add((int) json.nextLong()); // unsigned 32-bit patterns wrap to Java's signed int
    }
    json.endArray();
    return values.toIntArray();
  }
}
