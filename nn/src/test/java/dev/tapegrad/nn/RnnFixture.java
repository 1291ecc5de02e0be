package dev.tapegrad.nn;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.io.Safetensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One PyTorch reference case written by tools/fixtures_rnn.py: the weights in {@code
 * <case>.safetensors}, everything else in {@code <case>.json}.
 */
final class RnnFixture {
  final String name;
  final JsonObject root;

  private RnnFixture(String name, JsonObject root) {
    this.name = name;
    this.root = root;
  }

  static RnnFixture load(String name) {
    String path = "/parity/rnn/" + name + ".json";
    try (InputStream in = RnnFixture.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + path + "; run tools/fixtures_rnn.py");
      }
      JsonObject root =
          JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
              .getAsJsonObject();
      return new RnnFixture(name, root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The seeded weights, by PyTorch state-dict name, read from the case's safetensors file. */
  Map<String, Tensor> weights() {
    URL url = RnnFixture.class.getResource("/parity/rnn/" + name + ".safetensors");
    if (url == null) {
      throw new IllegalStateException(
          "missing weights for " + name + "; run tools/fixtures_rnn.py");
    }
    try {
      return Safetensors.load(Path.of(url.toURI())).tensors();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  String kind() {
    return root.get("kind").getAsString();
  }

  JsonObject config() {
    return root.getAsJsonObject("config");
  }

  int configInt(String key) {
    return config().get(key).getAsInt();
  }

  boolean configBool(String key) {
    return config().get(key).getAsBoolean();
  }

  /** A tensor under {@code section.key}, or null if absent. */
  Tensor tensor(String section, String key) {
    JsonElement e = root.getAsJsonObject(section).get(key);
    return e == null ? null : toTensor(e.getAsJsonObject());
  }

  /** The tensors of {@code section.key}, by name. */
  Map<String, Tensor> tensors(String section, String key) {
    JsonObject object = root.getAsJsonObject(section).getAsJsonObject(key);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : object.entrySet()) {
      out.put(e.getKey(), toTensor(e.getValue().getAsJsonObject()));
    }
    return out;
  }

  int[] lengths() {
    JsonElement e = root.getAsJsonObject("inputs").get("lengths");
    if (e == null) {
      return null;
    }
    var array = e.getAsJsonArray();
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).getAsInt();
    }
    return out;
  }

  private static Tensor toTensor(JsonObject t) {
    var shapeJson = t.getAsJsonArray("shape");
    int[] shape = new int[shapeJson.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeJson.get(i).getAsInt();
    }
    var dataJson = t.getAsJsonArray("data");
    float[] data = new float[dataJson.size()];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) dataJson.get(i).getAsDouble();
    }
    return Tensor.of(data, shape);
  }
}
