package dev.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.io.CheckpointException;
import dev.tapegrad.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optimizer state-dict scheme, its scalar encoding, and validation on load. */
class StateDictTest {
  @TempDir Path dir;

  private static List<Tensor> params() {
    return List.of(
        Tensor.randn(1L, 2, 3).requiresGrad(true), Tensor.randn(2L, 4).requiresGrad(true));
  }

  /**
   * Adam over two groups (the second with AMSGrad) after {@code steps} steps with gradients on
   * both.
   */
  private static Adam adam(List<Tensor> params, int steps) {
    Adam adam = new Adam(params.subList(0, 1), Adam.options().lr(0.01));
    adam.addParamGroup(params.subList(1, 2), Adam.options().lr(0.003).amsgrad(true));
    for (int s = 0; s < steps; s++) {
      for (Tensor p : params) {
        p.setGrad(Tensor.randn(100L + s, p.shape()));
      }
      adam.step();
    }
    return adam;
  }

  @Test
  void keysFollowTheDocumentedScheme() {
    Map<String, Tensor> state = adam(params(), 2).stateDict();
    assertEquals(
        List.of(
            "group.0.params",
            "group.0.lr",
            "group.0.beta1",
            "group.0.beta2",
            "group.0.eps",
            "group.0.weight_decay",
            "group.0.amsgrad",
            "group.0.maximize",
            "group.1.params",
            "group.1.lr",
            "group.1.beta1",
            "group.1.beta2",
            "group.1.eps",
            "group.1.weight_decay",
            "group.1.amsgrad",
            "group.1.maximize",
            "state.0.step",
            "state.0.exp_avg",
            "state.0.exp_avg_sq",
            "state.1.step",
            "state.1.exp_avg",
            "state.1.exp_avg_sq",
            "state.1.max_exp_avg_sq"),
        List.copyOf(state.keySet()));
    assertArrayEquals(new float[] {0}, state.get("group.0.params").toFloatArray());
    assertArrayEquals(new float[] {1}, state.get("group.1.params").toFloatArray());
    assertEquals(0.003, StateDicts.readScalar(state.get("group.1.lr")));
    assertEquals(1.0, StateDicts.readScalar(state.get("group.1.amsgrad")));
    assertEquals(2.0, StateDicts.readScalar(state.get("state.1.step")));
    assertArrayEquals(new int[] {3}, state.get("group.0.lr").shape());
    assertArrayEquals(new int[] {2, 3}, state.get("state.0.exp_avg").shape());
    assertArrayEquals(new int[] {4}, state.get("state.1.max_exp_avg_sq").shape());
  }

  @Test
  void scalarsRoundTripExactly() {
    qt().withExamples(2000)
        .forAll(doubles().between(-1e6, 1e6), integers().between(-60, 10))
        .checkAssert(
            (mantissa, exponent) -> {
              double value = mantissa * Math.pow(2, exponent);
              Tensor t = StateDicts.scalar(value);
              assertEquals((float) value, t.toFloatArray()[0], "hi is the value in float32");
              assertEquals(value, StateDicts.readScalar(t));
            });
    qt().forAll(longs().between(0, 1L << 53))
        .checkAssert(n -> assertEquals((double) n, StateDicts.readScalar(StateDicts.scalar(n))));
    for (double v :
        new double[] {
          0.0, -0.0, 1e-8, 0.1, 0.999, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY
        }) {
      assertEquals(v, StateDicts.readScalar(StateDicts.scalar(v)));
    }
    assertTrue(Double.isNaN(StateDicts.readScalar(StateDicts.scalar(Double.NaN))));
    assertEquals(0.5, StateDicts.readScalar(Tensor.scalar(0.5f)), "0-d tensors are read too");
    assertEquals(0.25, StateDicts.readScalar(Tensor.vector(0.25f)), "and one-element ones");
    var e = assertThrows(IllegalStateException.class, () -> StateDicts.scalar(1e-300));
    assertTrue(e.getMessage().contains("1.0E-300"), e.getMessage());
  }

  @Test
  void stateDictHoldsCopies() {
    List<Tensor> params = params();
    Adam adam = adam(params, 1);
    Map<String, Tensor> before = adam.stateDict();
    float[] expAvg = before.get("state.0.exp_avg").toFloatArray();
    adam(params, 0);
    params.forEach(p -> p.setGrad(p.onesLike()));
    adam.step();
    assertArrayEquals(
        expAvg, before.get("state.0.exp_avg").toFloatArray(), "a taken dict does not change");

    Adam other = adam(params(), 0);
    Map<String, Tensor> loaded = new LinkedHashMap<>(before);
    other.loadStateDict(loaded);
    params.forEach(p -> p.setGrad(p.onesLike()));
    other.step();
    assertArrayEquals(
        expAvg,
        loaded.get("state.0.exp_avg").toFloatArray(),
        "a loaded dict is not updated in place");
  }

  @Test
  void loadingRestoresHyperParametersAndAcceptsPartialState() {
    List<Tensor> params = params();
    Sgd sgd = new Sgd(params, Sgd.options().lr(0.1).momentum(0.9));
    params.get(1).setGrad(Tensor.ones(4));
    sgd.step(); // only parameter 1 has state
    Map<String, Tensor> state = sgd.stateDict();
    assertFalse(state.containsKey("state.0.step"));

    Sgd fresh = new Sgd(params(), Sgd.options().lr(0.5).momentum(0.9));
    fresh.paramGroups().get(0).setLr(0.7);
    fresh.loadStateDict(state);
    assertEquals(0.1, fresh.paramGroups().get(0).lr());
    assertEquals(state.keySet(), fresh.stateDict().keySet());
    for (String key : state.keySet()) {
      assertArrayEquals(
          state.get(key).toFloatArray(), fresh.stateDict().get(key).toFloatArray(), key);
    }
  }

  @Test
  void handMadeDictsWithPlainScalarsLoad() {
    Map<String, Tensor> state = new LinkedHashMap<>();
    state.put("group.0.params", Tensor.vector(0, 1));
    for (var e :
        Map.of(
                "lr",
                0.25f,
                "momentum",
                0f,
                "dampening",
                0f,
                "weight_decay",
                0f,
                "nesterov",
                0f,
                "maximize",
                1f)
            .entrySet()) {
      state.put("group.0." + e.getKey(), Tensor.scalar(e.getValue()));
    }
    Sgd sgd = new Sgd(params(), Sgd.options());
    sgd.loadStateDict(state);
    assertEquals(0.25, sgd.paramGroups().get(0).lr());
    assertTrue(sgd.paramGroups().get(0).flag("maximize"), "a flag stored as 1 loads as true");
  }

  private static IllegalArgumentException loadFails(Optimizer opt, Map<String, Tensor> state) {
    Map<String, Tensor> before = opt.stateDict();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(state));
    Map<String, Tensor> after = opt.stateDict();
    assertEquals(before.keySet(), after.keySet(), "unchanged on failure");
    for (String key : before.keySet()) {
      assertArrayEquals(
          before.get(key).toFloatArray(),
          after.get(key).toFloatArray(),
          "unchanged on failure: " + key);
    }
    return e;
  }

  private static void assertMentions(Exception e, String... fragments) {
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), () -> "'" + e.getMessage() + "' lacks '" + f + "'");
    }
  }

  @Test
  void loadReportsMissingUnexpectedAndMismatchedEntries() {
    Map<String, Tensor> good = adam(params(), 2).stateDict();

    Map<String, Tensor> missing = new LinkedHashMap<>(good);
    missing.remove("state.1.max_exp_avg_sq");
    missing.remove("group.0.beta2");
    assertMentions(
        loadFails(adam(params(), 1), missing),
        "Adam.loadStateDict",
        "missing keys",
        "state.1.max_exp_avg_sq",
        "group.0.beta2");

    Map<String, Tensor> unexpected = new LinkedHashMap<>(good);
    unexpected.put("state.7.exp_avg", Tensor.zeros(2));
    unexpected.put("momentum", Tensor.zeros(1));
    assertMentions(
        loadFails(adam(params(), 1), unexpected), "unexpected keys", "state.7.exp_avg", "momentum");

    Map<String, Tensor> shapes = new LinkedHashMap<>(good);
    shapes.put("state.0.exp_avg", Tensor.zeros(3, 2));
    shapes.put("group.1.lr", Tensor.zeros(2, 2));
    assertMentions(
        loadFails(adam(params(), 1), shapes),
        "shape mismatches",
        "state.0.exp_avg: [3, 2] vs expected [2, 3]",
        "group.1.lr: [2, 2]");

    Map<String, Tensor> values = new LinkedHashMap<>(good);
    values.put("group.0.beta1", StateDicts.scalar(1.0));
    values.put("state.1.step", StateDicts.scalar(2.5));
    assertMentions(
        loadFails(adam(params(), 1), values),
        "invalid values",
        "beta1",
        "1.0",
        "state.1.step = 2.5");

    // Parameters grouped differently: one group of two instead of two groups of one.
    Adam oneGroup = new Adam(params(), Adam.options());
    assertMentions(loadFails(oneGroup, good), "group.0.params", "unexpected keys", "group.1.lr");

    // Another optimizer's state.
    assertMentions(
        loadFails(new Sgd(params(), Sgd.options()), good),
        "Sgd.loadStateDict",
        "missing keys",
        "group.0.momentum",
        "unexpected keys",
        "group.0.beta1");
  }

  @Test
  void saveAndLoadUseSafetensorsWithTheClassInTheMetadata() throws IOException {
    Adam adam = adam(params(), 3);
    Path file = dir.resolve("adam.safetensors");
    adam.save(file);
    Safetensors raw = Safetensors.load(file);
    assertEquals("Adam", raw.metadata().get(StateDicts.KIND));
    assertEquals(adam.stateDict().keySet(), raw.tensors().keySet());

    Adam loaded = adam(params(), 0);
    loaded.load(file);
    Map<String, Tensor> expected = adam.stateDict();
    for (String key : expected.keySet()) {
      assertArrayEquals(
          expected.get(key).toFloatArray(), loaded.stateDict().get(key).toFloatArray(), key);
    }

    var e =
        assertThrows(
            IllegalArgumentException.class, () -> new AdamW(params(), AdamW.options()).load(file));
    assertMentions(e, "AdamW.load", "holds Adam state");

    Path corrupt = dir.resolve("corrupt.safetensors");
    Files.write(corrupt, new byte[] {1, 2, 3});
    assertThrows(CheckpointException.class, () -> adam(params(), 0).load(corrupt));
  }

  @Test
  void toStringShowsGroups() {
    String s = adam(params(), 0).toString();
    assertTrue(
        s.startsWith("Adam(group 0: 1 params") && s.contains("group 1") && s.contains("lr=0.003"),
        s);
    assertEquals(
        Set.of("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad", "maximize"),
        adam(params(), 0).paramGroups().get(0).hyperParameters().keySet());
  }
}
