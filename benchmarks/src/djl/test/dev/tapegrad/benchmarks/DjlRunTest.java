package dev.tapegrad.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The DJL workloads train what they claim, offline; built and run only with {@code -Pdjl}. One
 * or two steps each, never timed.
 */
class DjlRunTest {
  @Test
  void everyDjlWorkloadIsATrainingStepOfTheSharedModels() throws Exception {
    System.setProperty("ai.djl.offline", "true");
    try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
      Map<String, Supplier<?>> tasks = DjlRun.tasks(manager);
      assertEquals(
          List.of("mlp 784-128-10 batch 1", "mlp 784-128-10 batch 32", "mlp 784-128-10 batch 64",
              "mlp 784-256-128-10 batch 64", "lstm char step", "gru char step", "rnn char step",
              "lstm h512 char step", "lstm 2-layer char step"),
          List.copyOf(tasks.keySet()));
      for (Map.Entry<String, Supplier<?>> e : tasks.entrySet()) {
        if (e.getKey().contains("h512")) {
          continue; // the same code as the 128-unit LSTM, only slower
        }
        float first = (Float) e.getValue().get();
        float second = (Float) e.getValue().get();
        double chance = Math.log(e.getKey().startsWith("mlp") ? 10 : Workloads.CHAR_VOCAB);
        assertEquals(chance, first, 0.6, e.getKey() + ": random predictions at first");
        assertTrue(second < first, e.getKey() + ": Adam lowers the loss, " + first + " -> " + second);
      }
    }
  }
}
