package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Training smoke tests: the networks learn, and gates make long memory learnable.
 *
 * <p>The memory task shows one of four symbols, then 40 random distractor steps, then a query: the
 * network must name the first symbol, so the information has to survive 41 steps. Every network
 * gets the same hidden size, data, optimizer (Adam, lr 0.01, gradient norm clipped at 1) and number
 * of updates. The gated networks start with chrono initialisation (Tallec and Ollivier, 2018): each
 * unit's forget bias (the LSTM's f gate, the GRU's update gate z) is log(u), u ~ U(1, T - 1), and
 * the LSTM's input bias its negative, so that memories start out lasting up to T steps. An Elman
 * network has no gate to initialise that way; that is the point. With PyTorch's default
 * initialisation the LSTM needs far more updates than a unit test can afford (checked with PyTorch
 * 1.13 itself).
 */
class RecurrentTrainingTest {
  private static final int HIDDEN = 16;
  private static final int BATCH = 32;
  private static final int UPDATES = 300;
  private static final int DELAY = 40;

  @Test
  void lstmAndGruRememberAcrossFortyStepsWhereElmanDoesNot() {
    double lstm = trainRecall(Lstm.builder(9, HIDDEN).build(new Random(1)));
    double gru = trainRecall(Gru.builder(9, HIDDEN).build(new Random(1)));
    double elman = trainRecall(Rnn.builder(9, HIDDEN).build(new Random(1)));
    System.out.printf(
        "recall after %d distractors (chance 0.25), %d updates: LSTM %.3f, GRU %.3f, Elman %.3f%n",
        DELAY, UPDATES, lstm, gru, elman);
    assertTrue(lstm >= 0.9, "LSTM accuracy " + lstm);
    assertTrue(gru >= 0.9, "GRU accuracy " + gru);
    assertTrue(
        elman <= Math.min(lstm, gru) - 0.3, "Elman accuracy " + elman + " is not clearly worse");
  }

  /** Trains {@code layer} and a linear read-out on the recall task; returns held-out accuracy. */
  private static double trainRecall(RecurrentLayer layer) {
    var task = new RecurrentTrainingSupport.Recall(4, 4, DELAY);
    Random random = new Random(2);
    if (!(layer instanceof Rnn)) {
      Init.chrono(layer, task.steps(), random);
    }
    double k = 1 / Math.sqrt(HIDDEN);
    Tensor readoutWeight =
        Tensor.uniform(random, (float) -k, (float) k, 4, HIDDEN).requiresGrad(true);
    Tensor readoutBias = Tensor.zeros(4).requiresGrad(true);
    List<Tensor> parameters = new ArrayList<>(layer.parameters());
    parameters.add(readoutWeight);
    parameters.add(readoutBias);
    var adam = new RecurrentTrainingSupport.Adam(parameters, 0.01f, 1f);
    Random data = new Random(3);
    int[] targets = new int[BATCH];
    for (int i = 0; i < UPDATES; i++) {
      Tensor x = task.batch(data, targets);
      Tensor last = layer.forward(x).hN().reshape(BATCH, HIDDEN);
      Functional.crossEntropy(last.matmul(readoutWeight.t()).add(readoutBias), targets).backward();
      adam.step();
    }
    int[] testTargets = new int[512];
    Tensor x = task.batch(new Random(4), testTargets);
    try (var scope = Autograd.noGrad()) {
      Tensor logits =
          layer.forward(x).hN().reshape(512, HIDDEN).matmul(readoutWeight.t()).add(readoutBias);
      Tensor predicted = logits.argmax(1, false);
      int correct = 0;
      for (int b = 0; b < testTargets.length; b++) {
        correct += (int) predicted.get(b) == testTargets[b] ? 1 : 0;
      }
      return correct / (double) testTargets.length;
    }
  }

  /**
   * A Jordan network learns a leaky running sum, y_t = y_{t-1} / 2 + x_t, which needs its fed-back
   * output: the best predictor without memory (y_t = x_t) leaves the variance of y_{t-1} / 2.
   */
  @Test
  void jordanNetworkLearnsARunningSumThroughItsOutputFeedback() {
    JordanCell cell = new JordanCell(1, 8, 1, new Random(5));
    var adam = new RecurrentTrainingSupport.Adam(cell.parameters(), 0.01f, 1f);
    Random data = new Random(6);
    for (int i = 0; i < 400; i++) {
      Tensor[] batch = leakySum(data, 10, BATCH);
      Tensor predicted = cell.forwardSequence(batch[0], null);
      Functional.mseLoss(predicted, batch[1]).backward();
      adam.step();
    }
    Tensor[] test = leakySum(new Random(7), 10, 256);
    double mse;
    try (var scope = Autograd.noGrad()) {
      mse = Functional.mseLoss(cell.forwardSequence(test[0], null), test[1]).item();
    }
    double memoryless = Functional.mseLoss(test[0], test[1]).item();
    System.out.printf(
        "Jordan running sum: MSE %.5f, best memoryless predictor %.5f%n", mse, memoryless);
    assertTrue(mse < 0.1 * memoryless, "Jordan MSE " + mse + " vs memoryless " + memoryless);
  }

  /** Inputs x_t in {-1/2, 0, 1/2} and targets y_t = y_{t-1} / 2 + x_t, both [T, B, 1]. */
  private static Tensor[] leakySum(Random random, int steps, int batch) {
    float[] x = new float[steps * batch];
    float[] y = new float[steps * batch];
    for (int b = 0; b < batch; b++) {
      float sum = 0;
      for (int t = 0; t < steps; t++) {
        x[t * batch + b] = 0.5f * (random.nextInt(3) - 1);
        sum = 0.5f * sum + x[t * batch + b];
        y[t * batch + b] = sum;
      }
    }
    return new Tensor[] {Tensor.of(x, steps, batch, 1), Tensor.of(y, steps, batch, 1)};
  }
}
