package dev.tapegrad.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The workloads compute what their documentation says; one call each, never timed. */
class WorkloadsTest {
  @Test
  void matmulMultiplies() {
    Workloads.Matmul m = new Workloads.Matmul(256);
    assertTrue(m.run().hasShape(256, 256));
    assertEquals(2.0 * 256 * 256 * 256, m.flops());
  }

  @Test
  void addRecordsOnlyWhenAsked() {
    assertTrue(new Workloads.Add(true).run().requiresGrad());
    assertNull(new Workloads.Add(false).run().opName());
  }

  @Test
  void chainBackpropagatesThroughAllItsOps() {
    Workloads.Chain chain = new Workloads.Chain();
    chain.run();
    chain.run(); // the gradient is cleared first, not accumulated
    // the sum of ((x w + b) w + b)... has d/dx = w^50; w is the chain's third draw
    Random random = new Random(2);
    Tensor.randn(random, Workloads.SMALL_OP_LENGTH);
    float[] w = Tensor.uniform(random, 0.9f, 1.1f, Workloads.SMALL_OP_LENGTH).toFloatArray();
    float[] grad = chain.input().grad().toFloatArray();
    for (int i = 0; i < w.length; i++) {
      double expected = Math.pow(w[i], Workloads.CHAIN_OPS / 2);
      assertEquals(expected, grad[i], 1e-4 * expected, "element " + i);
    }
  }

  @Test
  void mlpStepsTrainWithAdam() {
    Workloads.Mlp mlp = new Workloads.Mlp(64, Workloads.MLP_DEEP);
    assertEquals("mlp 784-256-128-10 batch 64", mlp.name());
    assertEquals(6, mlp.parameters().size());
    float[] before = mlp.parameters().get(0).toFloatArray();
    float first = mlp.run().item();
    // random logits near zero: cross-entropy near ln(10)
    assertEquals(Math.log(10), first, 0.5);
    for (Tensor p : mlp.parameters()) {
      assertNotNull(p.grad());
    }
    assertFalse(Arrays.equals(before, mlp.parameters().get(0).toFloatArray()), "Adam updated w1");
    float loss = first;
    for (int i = 0; i < 5; i++) {
      loss = mlp.run().item();
    }
    assertTrue(loss < first, "fitting one batch lowers its loss: " + first + " -> " + loss);
  }

  @Test
  void charStepsTrainTheCharRnnModel() {
    for (Workloads.CharStep step :
        List.of(
            new Workloads.CharStep("rnn", 16, 1),
            new Workloads.CharStep("lstm", 16, 2),
            new Workloads.CharStep("gru", 16, 1))) {
      List<float[]> before = new ArrayList<>();
      for (Tensor p : step.parameters()) {
        before.add(p.toFloatArray());
      }
      float loss = step.run().item();
      // random predictions over 49 characters: cross-entropy near ln(49)
      assertEquals(Math.log(Workloads.CHAR_VOCAB), loss, 0.5, step.name());
      for (int i = 0; i < before.size(); i++) {
        assertFalse(
            Arrays.equals(before.get(i), step.parameters().get(i).toFloatArray()),
            step.name() + ": parameter " + i + " updated");
      }
    }
    assertEquals("lstm char step", new Workloads.CharStep("lstm", 128, 1).name());
    assertEquals("lstm h512 char step", new Workloads.CharStep("lstm", 512, 1).name());
    assertEquals("lstm 2-layer char step", new Workloads.CharStep("lstm", 128, 2).name());
  }
}
