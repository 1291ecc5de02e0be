package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockTest {
  /** An encoder-decoder shaped tree: own parameter, two children, a grandchild. */
  static final class Model extends Block {
    final Tensor scale = registerParameter("scale", Tensor.ones(3));
    final Sequential encoder;
    final Linear decoder;

    Model(Random random) {
      encoder =
          registerBlock(
              "encoder",
              new Sequential(new Linear(4, 3, random), new Tanh(), new Dropout(0.5f, random)));
      decoder = registerBlock("decoder", new Linear(3, 2, false, random));
    }
  }

  @Test
  void namedParametersAreDottedAndInRegistrationOrder() {
    Model m = new Model(new Random(1));
    assertEquals(
        List.of("scale", "encoder.0.weight", "encoder.0.bias", "decoder.weight"),
        List.copyOf(m.namedParameters().keySet()));
    assertSame(m.scale, m.parameters().get(0));
    assertSame(((Linear) m.encoder.get(0)).weight(), m.parameters().get(1));
    assertSame(m.decoder.weight(), m.parameters().get(3));
    assertEquals(3 + 12 + 3 + 6, m.numParameters());
    assertTrue(m.parameters().stream().allMatch(Tensor::requiresGrad));
    assertEquals(List.of("encoder", "decoder"), List.copyOf(m.children().keySet()));
  }

  @Test
  void orderIsStableAcrossInstancesAndCalls() {
    Model a = new Model(new Random(1));
    Model b = new Model(new Random(2));
    assertEquals(
        List.copyOf(a.namedParameters().keySet()), List.copyOf(b.namedParameters().keySet()));
    assertEquals(
        List.copyOf(a.namedParameters().keySet()), List.copyOf(a.namedParameters().keySet()));
  }

  @Test
  void tiedParametersAreListedOnce() {
    Random random = new Random(3);
    Linear shared = new Linear(2, 2, random);
    Sequential twice = new Sequential(shared, new Tanh(), shared);
    assertEquals(List.of("0.weight", "0.bias"), List.copyOf(twice.namedParameters().keySet()));
    assertEquals(6, twice.numParameters());
  }

  @Test
  void registrationRejectsBadAndDuplicateNames() {
    class Bad extends Block {
      void add(String name) {
        registerParameter(name, Tensor.zeros(1));
      }
    }
    Bad bad = new Bad();
    bad.add("w");
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> bad.add("w"))
            .getMessage()
            .contains("already registered"));
    assertThrows(IllegalArgumentException.class, () -> bad.add("a.b"));
    assertThrows(IllegalArgumentException.class, () -> bad.add(""));
  }

  @Test
  void toStringShowsTreeShapesAndCounts() {
    Model m = new Model(new Random(1));
    String s = m.toString();
    String expected =
        String.join(
            "\n",
            "Model()",
            "  scale [3]",
            "  (encoder): Sequential() [15 parameters]",
            "    (0): Linear(in=4, out=3, bias=true) [15 parameters]",
            "      weight [3, 4]",
            "      bias [3]",
            "    (1): Tanh()",
            "    (2): Dropout(p=0.5)",
            "  (decoder): Linear(in=3, out=2, bias=false) [6 parameters]",
            "    weight [2, 3]",
            "(24 parameters)");
    assertEquals(expected, s);
  }

  @Test
  void trainAndEvalReachEveryDescendant() {
    Model m = new Model(new Random(1));
    assertTrue(m.isTraining());
    assertSame(m, m.eval());
    assertFalse(m.isTraining());
    assertFalse(m.encoder.isTraining());
    assertFalse(m.encoder.get(2).isTraining());
    Tensor x = Tensor.randn(new Random(5), 2, 4);
    // dropout inactive in eval: the same input gives the same output
    assertArrayEquals(m.encoder.forward(x).toFloatArray(), m.encoder.forward(x).toFloatArray());
    m.train();
    assertTrue(m.encoder.get(2).isTraining());
    assertTrue(m.decoder.isTraining());
  }

  @Test
  void zeroGradClearsEveryParameter() {
    Model m = new Model(new Random(1));
    m.eval();
    m.decoder
        .forward(m.encoder.forward(Tensor.randn(new Random(5), 2, 4)).mul(m.scale))
        .sum()
        .backward();
    assertTrue(m.parameters().stream().allMatch(p -> p.grad() != null));
    m.zeroGrad();
    for (Tensor p : m.parameters()) {
      assertNull(p.grad());
    }
  }

  @Test
  void stateDictRoundTripCopiesValuesIntoTheSameTensors() {
    Model source = new Model(new Random(1));
    Model target = new Model(new Random(2));
    List<Tensor> before = target.parameters();
    Map<String, Tensor> state = source.stateDict();
    assertEquals(source.namedParameters().keySet(), state.keySet());
    for (var e : state.entrySet()) {
      assertNotSame(source.namedParameters().get(e.getKey()), e.getValue());
      assertFalse(e.getValue().requiresGrad());
    }
    target.loadStateDict(state);
    for (int i = 0; i < before.size(); i++) {
      assertSame(before.get(i), target.parameters().get(i), "parameters are updated in place");
      assertArrayEquals(source.parameters().get(i).toFloatArray(), before.get(i).toFloatArray());
    }
  }

  @Test
  void stateDictIsASnapshot() {
    Model m = new Model(new Random(1));
    Map<String, Tensor> state = m.stateDict();
    float[] saved = state.get("scale").toFloatArray();
    Init.constant(m.scale, 7f);
    assertArrayEquals(saved, state.get("scale").toFloatArray());
  }

  @Test
  void loadStateDictListsEveryProblemAndChangesNothing() {
    Model m = new Model(new Random(1));
    Map<String, Tensor> original = m.stateDict();
    Map<String, Tensor> state = new HashMap<>(new Model(new Random(2)).stateDict());
    state.remove("decoder.weight");
    state.put("encoder.0.bias", Tensor.zeros(4));
    state.put("extra", Tensor.zeros(1));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state));
    String msg = e.getMessage();
    assertTrue(msg.contains("missing keys [decoder.weight]"), msg);
    assertTrue(msg.contains("unexpected keys [extra]"), msg);
    assertTrue(msg.contains("encoder.0.bias: checkpoint [4] vs model [3]"), msg);
    original.forEach(
        (k, v) ->
            assertArrayEquals(v.toFloatArray(), m.namedParameters().get(k).toFloatArray(), k));
  }

  @Test
  void nonStrictLoadSkipsMissingAndUnexpectedButNotMismatched() {
    Model m = new Model(new Random(1));
    Model other = new Model(new Random(2));
    Map<String, Tensor> state = new HashMap<>();
    state.put("decoder.weight", other.decoder.weight());
    state.put("extra", Tensor.zeros(1));
    float[] scaleBefore = m.scale.toFloatArray();
    m.loadStateDict(state, false);
    assertArrayEquals(other.decoder.weight().toFloatArray(), m.decoder.weight().toFloatArray());
    assertArrayEquals(scaleBefore, m.scale.toFloatArray());
    state.put("scale", Tensor.zeros(2));
    assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, false));
  }
}
