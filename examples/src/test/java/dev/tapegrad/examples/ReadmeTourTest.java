package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Function;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.GradCheck;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Checkpoint;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.Lstm;
import dev.tapegrad.nn.Relu;
import dev.tapegrad.nn.RnnOutput;
import dev.tapegrad.nn.Sequential;
import dev.tapegrad.optim.Adam;
import dev.tapegrad.optim.CosineAnnealingLr;
import dev.tapegrad.optim.GradClip;
import dev.tapegrad.optim.LinearWarmup;
import dev.tapegrad.optim.LrSchedule;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code of the README's tour, so that it keeps compiling and doing what the README says. */
class ReadmeTourTest {
  @TempDir Path dir;

  @Test
  void tensorsAndAutograd() {
    Tensor x = Tensor.randn(42, 4, 3).requiresGrad(true);
    Tensor w = Tensor.randn(7, 3, 2).requiresGrad(true);
    Tensor loss = x.matmul(w).tanh().logSoftmax(1).sum();
    loss.backward();
    assertNotNull(x.grad());
    assertNotNull(w.grad());

    Tensor z = Tensor.vector(1f, 2f, 3f).requiresGrad(true);
    Tensor dz = Autograd.grad(z.pow(3f).sum(), List.of(z), true).get(0);
    Tensor d2z = Autograd.grad(dz.sum(), List.of(z), false).get(0);
    assertArrayEquals(new float[] {3f, 12f, 27f}, dz.toFloatArray(), 1e-5f);
    assertArrayEquals(new float[] {6f, 12f, 18f}, d2z.toFloatArray(), 1e-5f);

    try (var scope = Autograd.noGrad()) {
      assertTrue(!x.matmul(w).requiresGrad());
    }
  }

  @Test
  void modelTrainingLoopAndCheckpoint() throws Exception {
    Random random = new Random(42);
    Sequential mlp =
        new Sequential(new Linear(2, 64, random), new Relu(), new Linear(64, 3, random));
    Lstm lstm = Lstm.builder(32, 128).numLayers(2).dropout(0.1f).batchFirst(true).build(random);
    RnnOutput out = lstm.forward(Tensor.randn(1, 4, 10, 32));
    assertArrayEquals(new int[] {2, 4, 128}, out.hN().shape());
    assertArrayEquals(new int[] {2, 4, 128}, out.cN().shape());

    Tensor points = Tensor.randn(3, 60, 2);
    int[] labels = new int[60];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = points.get(i, 0) > 0 ? (points.get(i, 1) > 0 ? 0 : 1) : 2;
    }
    Adam adam = new Adam(mlp.parameters(), Adam.options().lr(1e-2));
    LrSchedule schedule = new LinearWarmup(adam, 10, 0.1, new CosineAnnealingLr(adam, 190));
    double first = Double.NaN;
    double last = Double.NaN;
    for (int step = 0; step < 200; step++) {
      Tensor loss = Functional.crossEntropy(mlp.forward(points), labels);
      adam.zeroGrad();
      loss.backward();
      GradClip.clipGradNorm(mlp.parameters(), 1.0);
      adam.step();
      schedule.step();
      first = step == 0 ? loss.item() : first;
      last = loss.item();
    }
    assertTrue(last < first / 4, "loss " + first + " -> " + last);
    adam.save(dir.resolve("adam.safetensors"));

    Checkpoint.save(mlp, dir.resolve("mlp.safetensors"), Map.of("note", "spiral"));
    Sequential fresh =
        new Sequential(
            new Linear(2, 64, new Random(1)), new Relu(), new Linear(64, 3, new Random(1)));
    assertEquals("spiral", Checkpoint.load(fresh, dir.resolve("mlp.safetensors")).get("note"));
    assertArrayEquals(mlp.forward(points).toFloatArray(), fresh.forward(points).toFloatArray());
  }

  static final class MySoftplus extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      ctx.saveForBackward(in[0]);
      return in[0].softplus();
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
      return new Tensor[] {gradOutput.mul(ctx.saved(0).sigmoid())};
    }
  }

  @Test
  void gradCheckInATest() {
    Tensor x = Tensor.uniform(new Random(1), -3f, 3f, 4, 5).requiresGrad(true);
    GradCheck.assertGradients(in -> new MySoftplus().apply(in[0]), x);
    GradCheck.assertSecondOrderGradients(in -> new MySoftplus().apply(in[0]), x);
  }
}
