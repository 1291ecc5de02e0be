package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Layers and losses against PyTorch 1.13 ({@code tools/fixtures_nn_layers.py}). The weights come
 * from safetensors files written on the Python side and go through {@link Checkpoint#load}; the
 * references were computed in float64 from the same float32 weights and inputs.
 *
 * <p>Error measure: {@code |actual - expected| / max(|expected|, 0.01)}, at most 1e-4 for values
 * and 1e-3 for gradients.
 */
class ParityTest {
  private static final double VALUE_TOLERANCE = 1e-4;
  private static final double GRAD_TOLERANCE = 1e-3;
  private static final double FLOOR = 0.01;
  private static double worstValue;
  private static double worstGrad;
  private static String worstValueCase = "";
  private static String worstGradCase = "";

  @TestFactory
  Stream<DynamicTest> everyFixtureMatchesPyTorch() throws IOException {
    JsonObject root;
    try (Reader reader =
        new InputStreamReader(resource("nn_layers.json").openStream(), StandardCharsets.UTF_8)) {
      root = JsonParser.parseReader(reader).getAsJsonObject();
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement element : root.getAsJsonArray("cases")) {
      JsonObject c = element.getAsJsonObject();
      String name = c.get("name").getAsString();
      boolean layer = c.get("kind").getAsString().equals("layer");
      Check check = layer ? this::checkLayer : this::checkLoss;
      tests.add(DynamicTest.dynamicTest(name, () -> check.run(name, c)));
    }
    assertTrue(tests.size() >= 20, "fixtures found: " + tests.size());
    return tests.stream();
  }

  @AfterAll
  static void printWorstErrors() {
    System.out.printf(
        Locale.ROOT,
        "PyTorch parity: worst value error %.2e (%s), worst gradient error %.2e (%s)%n",
        worstValue,
        worstValueCase,
        worstGrad,
        worstGradCase);
  }

  @FunctionalInterface
  private interface Check {
    void run(String name, JsonObject c) throws Exception;
  }

  private void checkLayer(String name, JsonObject c) throws Exception {
    JsonObject config = c.getAsJsonObject("config");
    Layer layer = buildLayer(name, config);
    Map<String, String> metadata =
        Checkpoint.load(layer, Path.of(resource(name + ".safetensors").toURI()));
    assertEquals(name, metadata.get("case"));
    boolean indices = c.get("inputGrad").isJsonNull();
    Tensor x = tensor(c.getAsJsonObject("input")).requiresGrad(!indices);
    Tensor y = layer.forward(x);
    compare(name, "output", c.getAsJsonObject("output"), y, VALUE_TOLERANCE);
    y.backward(tensor(c.getAsJsonObject("gradOutput")));
    if (!indices) {
      compare(name, "input grad", c.getAsJsonObject("inputGrad"), x.grad(), GRAD_TOLERANCE);
    }
    JsonObject grads = c.getAsJsonObject("paramGrads");
    assertEquals(
        grads.keySet(), layer.namedParameters().keySet(), "parameter names match PyTorch's");
    for (var e : layer.namedParameters().entrySet()) {
      compare(
          name,
          e.getKey() + " grad",
          grads.getAsJsonObject(e.getKey()),
          e.getValue().grad(),
          GRAD_TOLERANCE);
    }
  }

  private static Layer buildLayer(String name, JsonObject config) {
    Random random = new Random(0); // any weights: the checkpoint replaces them
    switch (name) {
      case "linear", "linear_nobias" -> {
        return new Linear(
            config.get("in").getAsInt(),
            config.get("out").getAsInt(),
            config.get("bias").getAsBoolean(),
            random);
      }
      case "embedding" -> {
        return new Embedding(
            config.get("num").getAsInt(),
            config.get("dim").getAsInt(),
            config.get("paddingIdx").getAsInt(),
            random);
      }
      case "layernorm" -> {
        return new LayerNorm(ints(config.getAsJsonArray("shape")));
      }
      case "mlp" -> {
        return new Sequential(
            new Linear(4, 8, random),
            new Tanh(),
            new Linear(8, 8, random),
            new LeakyRelu(0.1f),
            new Linear(8, 6, random),
            new Gelu(),
            new LayerNorm(6),
            new Linear(6, 5, random),
            new Sigmoid(),
            new Linear(5, 3, random),
            new LogSoftmax(-1));
      }
      case "tdnn", "tdnn_d1" -> {
        return new TimeDelay(
            config.get("in").getAsInt(),
            config.get("out").getAsInt(),
            config.get("context").getAsInt(),
            config.get("dilation").getAsInt(),
            random);
      }
      case "softmax_dim1" -> {
        return new Softmax(config.get("dim").getAsInt());
      }
      default -> throw new AssertionError("no Java layer for fixture " + name);
    }
  }

  private void checkLoss(String name, JsonObject c) {
    JsonObject config = c.getAsJsonObject("config");
    Reduction reduction =
        Reduction.valueOf(config.get("reduction").getAsString().toUpperCase(Locale.ROOT));
    Tensor x = tensor(c.getAsJsonObject("input")).requiresGrad(true);
    Tensor target = c.has("target") ? tensor(c.getAsJsonObject("target")).requiresGrad(true) : null;
    int[] targets = c.has("targets") ? ints(c.getAsJsonArray("targets")) : null;
    Tensor loss;
    switch (config.get("loss").getAsString()) {
      case "crossEntropy" -> {
        loss =
            new CrossEntropyLoss(
                    reduction,
                    config.get("ignoreIndex").getAsInt(),
                    config.get("labelSmoothing").getAsFloat())
                .forward(x, targets);
      }
      case "nll" -> {
        loss =
            new NllLoss(reduction, config.get("ignoreIndex").getAsInt())
                .forward(x.logSoftmax(-1), targets);
      }
      case "mse" -> loss = new MseLoss(reduction).forward(x, target);
      case "bce" -> loss = new BceWithLogitsLoss(reduction).forward(x, target);
      default -> throw new AssertionError(name);
    }
    compare(name, "loss", c.getAsJsonObject("output"), loss, VALUE_TOLERANCE);
    loss.backward(tensor(c.getAsJsonObject("gradOutput")));
    compare(name, "input grad", c.getAsJsonObject("inputGrad"), x.grad(), GRAD_TOLERANCE);
    if (target != null) {
      compare(name, "target grad", c.getAsJsonObject("targetGrad"), target.grad(), GRAD_TOLERANCE);
    }
  }

  private static void compare(
      String name, String what, JsonObject expected, Tensor actual, double tolerance) {
    assertNotNull(actual, name + ": no " + what);
    assertArrayEquals(
        ints(expected.getAsJsonArray("shape")), actual.shape(), name + ": " + what + " shape");
    JsonArray data = expected.getAsJsonArray("data");
    float[] values = actual.toFloatArray();
    double worst = 0;
    for (int i = 0; i < values.length; i++) {
      double e = data.get(i).getAsDouble();
      double error = Math.abs(values[i] - e) / Math.max(Math.abs(e), FLOOR);
      assertFalse(Double.isNaN(error), name + ": " + what + " element " + i + " is NaN");
      worst = Math.max(worst, error);
      if (error > tolerance) {
        throw new AssertionError(
            String.format(
                Locale.ROOT,
                "%s: %s element %d: tapegrad %s vs PyTorch %s (error %.2e > %.0e)",
                name,
                what,
                i,
                values[i],
                e,
                error,
                tolerance));
      }
    }
    synchronized (ParityTest.class) {
      if (tolerance == VALUE_TOLERANCE && worst > worstValue) {
        worstValue = worst;
        worstValueCase = name + " " + what;
      } else if (tolerance == GRAD_TOLERANCE && worst > worstGrad) {
        worstGrad = worst;
        worstGradCase = name + " " + what;
      }
    }
  }

  private static Tensor tensor(JsonObject json) {
    JsonArray data = json.getAsJsonArray("data");
    float[] values = new float[data.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = data.get(i).getAsFloat();
    }
    return Tensor.of(values, ints(json.getAsJsonArray("shape")));
  }

  private static int[] ints(JsonArray array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).getAsInt();
    }
    return out;
  }

  private static URL resource(String name) {
    URL url = ParityTest.class.getResource("/parity/" + name);
    assertNotNull(
        url, "missing test resource parity/" + name + "; run tools/fixtures_nn_layers.py");
    return url;
  }
}
