package dev.tapegrad.spark;

import static dev.tapegrad.spark.Fixtures.Example;
import static dev.tapegrad.spark.Fixtures.Mlp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DistributedInferenceTest {
  private static JavaSparkContext sc;
  private static final List<Example> EXAMPLES = Fixtures.examples(101, 6);

  @BeforeAll
  static void start() {
    sc = Fixtures.context("local[2]", "DistributedInferenceTest");
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  /** Each example's logits, with the grad mode it ran under recorded in a last element. */
  private static BatchPredictor<Mlp, Example, float[]> logits() {
    return (model, batch) -> {
      float[] all = model.forward(batch).toFloatArray();
      List<float[]> out = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        float[] row = Arrays.copyOfRange(all, i * Fixtures.CLASSES, (i + 1) * Fixtures.CLASSES + 1);
        row[Fixtures.CLASSES] = Autograd.isGradEnabled() || model.isTraining() ? 1 : 0;
        out.add(row);
      }
      return out;
    };
  }

  @Test
  @SuppressWarnings("try")
  void predictionsEqualSingleMachinePredictionInOrder() {
    Mlp model = Fixtures.model(21);
    float[] expected;
    try (var scope = Autograd.noGrad()) {
      expected = model.forward(EXAMPLES).toFloatArray();
    }
    for (int batchSize : new int[] {1, 7, 64}) {
      int before = Fixtures.BUILDS.get();
      var data = sc.parallelize(EXAMPLES, 3);
      List<float[]> rows =
          DistributedInference.predict(data, model, Fixtures.factory(), batchSize, logits())
              .collect();
      int built = Fixtures.BUILDS.get() - before;
      // one machine, the same batches: each partition's examples in chunks of batchSize
      List<float[]> batched = new ArrayList<>();
      model.eval();
      try (var scope = Autograd.noGrad()) {
        for (List<Example> partition : data.glom().collect()) {
          for (int first = 0; first < partition.size(); first += batchSize) {
            batched.addAll(
                logits()
                    .predict(
                        model,
                        partition.subList(first, Math.min(partition.size(), first + batchSize))));
          }
        }
      }
      model.train();
      assertEquals(EXAMPLES.size(), rows.size());
      for (int i = 0; i < rows.size(); i++) {
        float[] row = rows.get(i);
        assertEquals(
            0,
            row[Fixtures.CLASSES],
            "example " + i + " ran with grad enabled or in training mode");
        assertArrayEquals(batched.get(i), row, "example " + i + ", batch " + batchSize);
        // and, whatever the batching, the one-batch prediction up to the kernels' rounding
        float[] want =
            Arrays.copyOfRange(expected, i * Fixtures.CLASSES, (i + 1) * Fixtures.CLASSES);
        assertArrayEquals(
            want,
            Arrays.copyOf(row, Fixtures.CLASSES),
            1e-6f,
            "example " + i + ", batch " + batchSize);
      }
      // the check of the architecture builds one model, each of local[2]'s task slots at most one
      assertTrue(built <= 3, built + " models built for 3 partitions");
    }
  }

  @Test
  void aPredictorThatLosesResultsIsAnError() {
    Mlp model = Fixtures.model(21);
    BatchPredictor<Mlp, Example, Integer> wrong = (m, batch) -> List.of(1);
    var e =
        assertThrows(
            SparkException.class,
            () ->
                DistributedInference.predict(
                        sc.parallelize(EXAMPLES, 2), model, Fixtures.factory(), 4, wrong)
                    .collect());
    assertTrue(
        String.valueOf(e.getMessage()).contains("returned 1 results for 4 examples"),
        e.getMessage());
  }

  @Test
  void badBatchSizeIsRejected() {
    Mlp model = Fixtures.model(21);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DistributedInference.predict(
                    sc.parallelize(EXAMPLES, 2), model, Fixtures.factory(), 0, logits()));
    assertTrue(e.getMessage().contains("batchSize"), e.getMessage());
  }

  @Test
  void theModelIsUnusedAfterwards() {
    Mlp model = Fixtures.model(21);
    float[] before = Fixtures.flat(model);
    DistributedInference.predict(
            sc.parallelize(EXAMPLES, 2), model, Fixtures.factory(), 8, logits())
        .count();
    assertArrayEquals(before, Fixtures.flat(model));
    for (Tensor p : model.parameters()) {
      assertEquals(null, p.grad());
    }
  }
}
