package dev.tapegrad.autograd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir Path dir;

  @Test
  void knownSmallExampleIsByteExact() {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("b", Tensor.vector(1f, -2f));
    tensors.put("a", Tensor.scalar(0.5f));
    byte[] bytes = Safetensors.toByteArray(tensors, Map.of("epoch", "3"));

    String json =
        "{\"__metadata__\":{\"epoch\":\"3\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    int padded = (json.length() + 7) / 8 * 8;
    ByteBuffer expected = ByteBuffer.allocate(8 + padded + 12).order(ByteOrder.LITTLE_ENDIAN);
    expected.putLong(padded).put(json.getBytes(UTF_8));
    while (expected.position() < 8 + padded) {
      expected.put((byte) ' ');
    }
    expected.putFloat(0.5f).putFloat(1f).putFloat(-2f);
    assertArrayEquals(expected.array(), bytes);
  }

  @Test
  void saveAndLoadRoundTrip() throws Exception {
    Path file = dir.resolve("model.safetensors");
    Tensor w = Tensor.randn(1, 3, 4);
    Safetensors.save(file, Map.of("w", w, "empty", Tensor.zeros(0, 5)), Map.of("k", "v"));
    Safetensors loaded = Safetensors.load(file);
    assertEquals(Map.of("k", "v"), loaded.metadata());
    assertEquals(Arrays.asList("empty", "w"), loaded.tensors().keySet().stream().toList());
    assertArrayEquals(w.shape(), loaded.tensors().get("w").shape());
    assertArrayEquals(w.toFloatArray(), loaded.tensors().get("w").toFloatArray());
    assertArrayEquals(new int[] {0, 5}, loaded.tensors().get("empty").shape());
  }
}
