package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Compares tapegrad with PyTorch 1.13 on values nobody here chose: the fixtures written by {@code
 * tools/fixtures_autograd.py} (inputs drawn by torch, outputs, input gradients and Hessian-vector
 * products computed by torch in float32), each rebuilt with tapegrad's ops in {@link
 * TorchParityCases}.
 *
 * <p>Tolerances: an element passes when {@code |actual - expected| <= rtol |expected| + atol
 * scale}, with {@code scale = max(1, max |expected|)} over the tensor, so that entries that are
 * sums of cancelling terms are judged against the size of their tensor. Outputs use {@code rtol =
 * 1e-4, atol = 1e-5}; gradients, first and second order, {@code rtol = 1e-3, atol = 1e-4}. The
 * generator rejects cases whose float32 results are not within a tenth of these of float64. NaN and
 * infinities in the fixture (written as the strings {@code "NaN"}, {@code "Infinity"}) must be
 * matched exactly.
 */
class TorchParityTest {
  private static final String FIXTURE = "/parity/autograd.json";
  private static final double VALUE_RTOL = 1e-4;
  private static final double VALUE_ATOL = 1e-5;
  private static final double GRAD_RTOL = 1e-3;
  private static final double GRAD_ATOL = 1e-4;

  private static List<Fixture> fixtures;

  @BeforeAll
  static void load() throws IOException {
    fixtures = readFixtures();
  }

  @Test
  void everyFixtureHasAJavaExpressionAndEveryExpressionAFixture() {
    TreeSet<String> inFixture =
        fixtures.stream().map(Fixture::name).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(fixtures.size(), inFixture.size(), "duplicate case names in " + FIXTURE);
    TreeSet<String> onlyInFixture = new TreeSet<>(inFixture);
    onlyInFixture.removeAll(TorchParityCases.CASES.keySet());
    TreeSet<String> onlyInJava = new TreeSet<>(TorchParityCases.CASES.keySet());
    onlyInJava.removeAll(inFixture);
    assertAll(
        () ->
            assertTrue(
                onlyInFixture.isEmpty(),
                "fixture cases without a Java expression: " + onlyInFixture),
        () ->
            assertTrue(
                onlyInJava.isEmpty(), "Java expressions without a fixture case: " + onlyInJava));
  }

  @Test
  void fixtureCoversEnoughCasesAndSecondOrder() {
    assertTrue(fixtures.size() >= 35, "only " + fixtures.size() + " cases in " + FIXTURE);
    long second = fixtures.stream().filter(Fixture::secondOrder).count();
    assertTrue(second >= 5, "only " + second + " second-order cases in " + FIXTURE);
  }

  @TestFactory
  Stream<DynamicTest> matchesPyTorch() {
    return fixtures.stream().map(f -> DynamicTest.dynamicTest(f.name(), () -> check(f)));
  }

  // ---------------------------------------------------------------- one case

  private static void check(Fixture f) {
    TorchParityCases.Expression expression = TorchParityCases.CASES.get(f.name());
    if (expression == null) {
      fail("case '" + f.name() + "' has no Java expression in TorchParityCases");
    }
    List<String> failures = new ArrayList<>();

    // Forward and backward(): gradients accumulated into the leaves.
    Inputs in = new Inputs(f);
    Tensor out = expression.build(in);
    compare(failures, f, "output", f.output(), out, VALUE_RTOL, VALUE_ATOL);
    if (!f.grads().isEmpty()) {
      assertTrue(out.requiresGrad(), () -> "case '" + f.name() + "': output does not require grad");
      out.backward(f.gradOutput() == null ? null : f.gradOutput().tensor());
      for (Map.Entry<String, Data> e : f.grads().entrySet()) {
        Tensor leaf = in.get(e.getKey());
        Tensor grad = leaf.grad() == null ? leaf.zerosLike() : leaf.grad();
        compare(
            failures,
            f,
            "gradient of '" + e.getKey() + "'",
            e.getValue(),
            grad,
            GRAD_RTOL,
            GRAD_ATOL);
      }
    }

    // Autograd.grad with createGraph, then the gradient of sum_i <grad_i, v_i>.
    if (f.secondOrder()) {
      Inputs fresh = new Inputs(f);
      Tensor y = expression.build(fresh);
      List<Tensor> wrt = f.grads().keySet().stream().map(fresh::get).collect(Collectors.toList());
      List<Tensor> gradOutputs = f.gradOutput() == null ? null : List.of(f.gradOutput().tensor());
      List<Tensor> grads = Autograd.grad(List.of(y), wrt, gradOutputs, true);
      List<String> names = new ArrayList<>(f.grads().keySet());
      Tensor dot = Tensor.scalar(0f);
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        compare(
            failures,
            f,
            "gradient of '" + name + "' (createGraph)",
            f.grads().get(name),
            grads.get(i),
            GRAD_RTOL,
            GRAD_ATOL);
        dot = dot.add(grads.get(i).mul(f.v().get(name).tensor()).sum());
      }
      List<Tensor> second =
          dot.requiresGrad()
              ? Autograd.grad(dot, wrt, false)
              : wrt.stream().map(Tensor::zerosLike).collect(Collectors.toList());
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        compare(
            failures,
            f,
            "second-order gradient of '" + name + "'",
            f.secondGrads().get(name),
            second.get(i),
            GRAD_RTOL,
            GRAD_ATOL);
      }
    }
    if (!failures.isEmpty()) {
      fail("case '" + f.name() + "' (" + f.expression() + "):\n  " + String.join("\n  ", failures));
    }
  }

  /** Compares one tensor elementwise; records the worst element of a failing tensor. */
  private static void compare(
      List<String> failures,
      Fixture f,
      String what,
      Data expected,
      Tensor actual,
      double rtol,
      double atol) {
    if (!actual.hasShape(expected.shape())) {
      failures.add(
          what
              + ": shape "
              + Arrays.toString(actual.shape())
              + ", expected "
              + Arrays.toString(expected.shape()));
      return;
    }
    float[] a = actual.toFloatArray();
    float[] e = expected.values();
    double scale = 1;
    for (float v : e) {
      if (Float.isFinite(v)) {
        scale = Math.max(scale, Math.abs(v));
      }
    }
    int bad = 0;
    int worst = -1;
    double worstExcess = 0;
    for (int i = 0; i < e.length; i++) {
      double tolerance = rtol * Math.abs(e[i]) + atol * scale;
      double diff = Math.abs((double) a[i] - e[i]);
      // NaN and infinities must match exactly
      boolean ok = Float.isFinite(e[i]) ? diff <= tolerance : Float.compare(a[i], e[i]) == 0;
      if (!ok) {
        bad++;
        double excess = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff / tolerance;
        if (worst < 0 || excess > worstExcess) {
          worst = i;
          worstExcess = excess;
        }
      }
    }
    if (bad > 0) {
      String why =
          Float.isFinite(e[worst])
              ? String.format(
                  "|diff| %.3g > tolerance %.3g",
                  Math.abs((double) a[worst] - e[worst]), rtol * Math.abs(e[worst]) + atol * scale)
              : "NaN and infinities must match exactly";
      failures.add(
          String.format(
              "%s: %d of %d elements differ; worst at index %s: expected %.9g, actual %.9g (%s)",
              what,
              bad,
              e.length,
              Arrays.toString(unravel(worst, expected.shape())),
              e[worst],
              a[worst],
              why));
    }
  }

  private static int[] unravel(int flat, int[] shape) {
    int[] index = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      index[d] = flat % shape[d];
      flat /= shape[d];
    }
    return index;
  }

  // ---------------------------------------------------------------- fixture model

  /** A tensor in the fixture: its shape and row-major values. */
  record Data(int[] shape, float[] values) {
    Tensor tensor() {
      return Tensor.of(values, shape);
    }
  }

  /** One case of the fixture file. */
  record Fixture(
      String name,
      String expression,
      boolean secondOrder,
      List<Input> inputs,
      Map<String, Data> ints,
      Data output,
      Data gradOutput,
      Map<String, Data> grads,
      Map<String, Data> v,
      Map<String, Data> secondGrads) {}

  record Input(String name, boolean requiresGrad, Data data) {}

  /** A case's inputs as fresh leaf tensors, and its integer arguments, looked up by name. */
  static final class Inputs {
    private final String caseName;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, Data> ints;

    Inputs(Fixture f) {
      this.caseName = f.name();
      for (Input input : f.inputs()) {
        tensors.put(input.name(), input.data().tensor().requiresGrad(input.requiresGrad()));
      }
      this.ints = f.ints();
    }

    /** The input tensor called {@code name}. */
    Tensor get(String name) {
      Tensor t = tensors.get(name);
      if (t == null) {
        throw new IllegalArgumentException(
            "case '" + caseName + "' has no input '" + name + "'; it has " + tensors.keySet());
      }
      return t;
    }

    /** The integer argument called {@code name}, flattened (a 0-d target becomes one element). */
    int[] ints(String name) {
      float[] values = intData(name).values();
      int[] out = new int[values.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = (int) values[i];
      }
      return out;
    }

    /** The integer argument called {@code name} as a tensor of integral floats, for gather. */
    Tensor index(String name) {
      return intData(name).tensor();
    }

    private Data intData(String name) {
      Data d = ints.get(name);
      if (d == null) {
        throw new IllegalArgumentException(
            "case '"
                + caseName
                + "' has no integer argument '"
                + name
                + "'; it has "
                + ints.keySet());
      }
      return d;
    }
  }

  // ---------------------------------------------------------------- reading

  private static List<Fixture> readFixtures() throws IOException {
    try (InputStream stream = TorchParityTest.class.getResourceAsStream(FIXTURE)) {
      if (stream == null) {
        throw new IllegalStateException(FIXTURE + " is missing; run tools/fixtures_autograd.py");
      }
      try (Reader reader = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
        JsonObject root = JsonParser.parseReader(reader).getAsJsonObject();
        List<Fixture> out = new ArrayList<>();
        for (JsonElement element : root.getAsJsonArray("cases")) {
          out.add(fixture(element.getAsJsonObject()));
        }
        return out;
      }
    }
  }

  private static Fixture fixture(JsonObject c) {
    List<Input> inputs = new ArrayList<>();
    for (JsonElement e : c.getAsJsonArray("inputs")) {
      JsonObject o = e.getAsJsonObject();
      inputs.add(
          new Input(o.get("name").getAsString(), o.get("requiresGrad").getAsBoolean(), data(o)));
    }
    boolean second = c.get("secondOrder").getAsBoolean();
    JsonElement gradOutput = c.get("gradOutput");
    return new Fixture(
        c.get("name").getAsString(),
        c.get("expression").getAsString(),
        second,
        inputs,
        named(c.getAsJsonArray("ints")),
        data(c.getAsJsonObject("output")),
        gradOutput == null || gradOutput.isJsonNull() ? null : data(gradOutput.getAsJsonObject()),
        named(c.getAsJsonArray("grads")),
        second ? named(c.getAsJsonArray("v")) : Map.of(),
        second ? named(c.getAsJsonArray("secondGrads")) : Map.of());
  }

  private static Map<String, Data> named(JsonArray array) {
    Map<String, Data> out = new LinkedHashMap<>();
    for (JsonElement e : array) {
      JsonObject o = e.getAsJsonObject();
      out.put(o.get("name").getAsString(), data(o));
    }
    return out;
  }

  private static Data data(JsonObject o) {
    JsonArray shapeJson = o.getAsJsonArray("shape");
    int[] shape = new int[shapeJson.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeJson.get(i).getAsInt();
    }
    JsonArray valuesJson = o.getAsJsonArray("values");
    float[] values = new float[valuesJson.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = valuesJson.get(i).getAsFloat();
    }
    assertEquals(
        Arrays.stream(shape).reduce(1, (x, y) -> x * y),
        values.length,
        () -> "fixture tensor of shape " + Arrays.toString(shape));
    return new Data(shape, values);
  }
}
