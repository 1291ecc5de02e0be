package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.io.CheckpointException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Each layer rejects a wrongly shaped input with a message naming the layer and the shapes. */
class BadInputTest {
  private static void assertRejects(Executable call, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), () -> "'" + e.getMessage() + "' lacks '" + f + "'");
    }
  }

  @Test
  void linear() {
    Linear linear = new Linear(4, 3, new Random(1));
    assertRejects(() -> linear.forward(Tensor.zeros(2, 5)), "Linear: ", "[2, 5]", "in=4", "[3, 4]");
    assertRejects(() -> linear.forward(Tensor.scalar(1)), "Linear: ", "[]");
    assertRejects(() -> new Linear(0, 3, new Random(1)), "Linear: ", "in=0");
  }

  @Test
  void embedding() {
    assertRejects(
        () -> new Embedding(4, 2, new Random(1)).forward(Tensor.of(new float[] {1.5f}, 1, 1)),
        "Embedding: ",
        "[1, 1]",
        "1.5");
    assertRejects(() -> new Embedding(4, 2, 4, new Random(1)), "Embedding: ", "paddingIdx 4");
  }

  @Test
  void layerNorm() {
    LayerNorm norm = new LayerNorm(3, 4);
    assertRejects(() -> norm.forward(Tensor.zeros(2, 4, 3)), "LayerNorm: ", "[2, 4, 3]", "[3, 4]");
    assertRejects(() -> norm.forward(Tensor.zeros(4)), "LayerNorm: ", "[4]", "[3, 4]");
  }

  @Test
  void timeDelay() {
    TimeDelay tdnn = new TimeDelay(3, 2, 3, 2, new Random(1));
    assertRejects(() -> tdnn.forward(Tensor.zeros(2, 9, 4)), "TimeDelay: ", "[2, 9, 4]", "in=3");
    assertRejects(() -> tdnn.forward(Tensor.zeros(1, 2, 9, 3)), "TimeDelay: ", "[1, 2, 9, 3]");
    assertRejects(
        () -> tdnn.forward(Tensor.zeros(2, 4, 3)),
        "TimeDelay: ",
        "[2, 4, 3]",
        "4 frames",
        "5 spanned");
  }

  @Test
  void sequentialNamesTheFailingLayer() {
    Sequential mlp =
        new Sequential(
            new Linear(4, 8, new Random(1)), new Tanh(), new Linear(7, 2, new Random(1)));
    assertRejects(() -> mlp.forward(Tensor.zeros(5, 4)), "Linear: ", "[5, 8]", "in=7");
  }

  @Test
  void softmaxFamilyAndFlatten() {
    assertRejects(() -> new Softmax(2).forward(Tensor.zeros(3, 4)), "Softmax: ", "dim 2", "[3, 4]");
    assertRejects(
        () -> new LogSoftmax(-3).forward(Tensor.zeros(3, 4)), "LogSoftmax: ", "dim -3", "[3, 4]");
    assertRejects(() -> new Flatten().forward(Tensor.zeros(5)), "Flatten: ", "[5]");
    assertRejects(() -> new Flatten(2, 1).forward(Tensor.zeros(2, 3, 4)), "Flatten: ", "[2, 3, 4]");
  }

  @Test
  void constructorsRejectBadConfigurations() {
    assertRejects(() -> new Dropout(1.5f, new Random(1)), "Dropout: ", "1.5");
    assertRejects(() -> new TimeDelay(3, 2, 0, new Random(1)), "TimeDelay: ", "context=0");
    assertRejects(() -> new LayerNorm(new int[] {3}, -1f, true), "LayerNorm: ", "eps");
    assertRejects(
        () -> new LayerNorm(new int[] {3}, Float.POSITIVE_INFINITY, true),
        "LayerNorm: ",
        "eps",
        "Infinity");
    assertRejects(() -> new LeakyRelu(Float.NaN), "LeakyRelu: ", "negativeSlope", "NaN");
  }

  @Test
  void initRejectsNonFiniteParameters() {
    Tensor t = Tensor.zeros(3);
    Random random = new Random(1);
    assertRejects(() -> Init.normal(t, Double.NaN, 1, random), "Init.normal: ", "mean", "NaN");
    assertRejects(
        () -> Init.normal(t, 0, Double.POSITIVE_INFINITY, random),
        "Init.normal: ",
        "std",
        "Infinity");
    assertRejects(
        () -> Init.uniform(t, Double.NEGATIVE_INFINITY, 1, random),
        "Init.uniform: ",
        "finite",
        "-Infinity");
    assertRejects(
        () -> Init.uniform(t, 0, Double.POSITIVE_INFINITY, random),
        "Init.uniform: ",
        "finite",
        "Infinity");
  }

  @Test
  void loadStateDictListsTheFirstKeysAndCapsTheMessage() {
    Linear linear = new Linear(2, 3, new Random(1));
    Map<String, Tensor> many = new LinkedHashMap<>(linear.stateDict());
    for (int i = 0; i < 500; i++) {
      many.put("k" + (1000 + i), Tensor.zeros(1));
    }
    assertRejects(
        () -> linear.loadStateDict(many), "unexpected keys [k1000, ", "k1019] ... and 480 more");
    Map<String, Tensor> longKey = new LinkedHashMap<>(linear.stateDict());
    longKey.put("x".repeat(100_000), Tensor.zeros(1));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> linear.loadStateDict(longKey));
    assertTrue(
        e.getMessage().length() <= CheckpointException.MAX_MESSAGE_CHARS,
        e.getMessage().length() + " characters");
    assertTrue(e.getMessage().contains("more characters"), e.getMessage().substring(900));
  }

  @Test
  void embeddingReportsTheIndexItWasGivenNotASaturatedCast() {
    Embedding embedding = new Embedding(4, 2, new Random(1));
    for (float huge : new float[] {1e10f, -1e10f, Float.POSITIVE_INFINITY}) {
      IndexOutOfBoundsException e =
          assertThrows(
              IndexOutOfBoundsException.class,
              () -> embedding.forward(Tensor.of(new float[] {0f, huge}, 2)));
      assertTrue(e.getMessage().contains("Embedding: index " + huge), e.getMessage());
      assertTrue(e.getMessage().contains("for 4 embeddings"), e.getMessage());
      assertTrue(!e.getMessage().contains("2147483647"), e.getMessage());
    }
  }

  @Test
  void loadStateDictRefusesNullKeysValuesAndMaps() {
    Linear linear = new Linear(2, 3, new Random(1));
    Map<String, Tensor> withNullKey = new HashMap<>(linear.stateDict());
    withNullKey.put(null, Tensor.zeros(3));
    assertRejects(() -> linear.loadStateDict(withNullKey), "loadStateDict", "null key", "Linear");
    Map<String, Tensor> withNullValue = new HashMap<>(linear.stateDict());
    withNullValue.put("bias", null);
    assertRejects(() -> linear.loadStateDict(withNullValue), "loadStateDict", "'bias' is null");
    assertRejects(() -> linear.loadStateDict(null), "loadStateDict", "state is null");
  }
}
