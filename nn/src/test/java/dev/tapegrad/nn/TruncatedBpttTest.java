package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The documented truncated-BPTT pattern: chunks of k steps, state carried with detach(). */
class TruncatedBpttTest {

  @Test
  void noGradientCrossesADetachedChunkBoundary() {
    Random random = new Random(1);
    Lstm lstm = Lstm.builder(2, 3).numLayers(2).build(random);
    Tensor sequence = Tensor.randn(random, 12, 2, 2).requiresGrad(true);
    List<Tensor> chunks = sequence.split(4, 0);
    RnnState state = null;
    Tensor lastOutput = null;
    for (Tensor chunk : chunks) {
      RnnOutput out = lstm.forward(chunk, state);
      lastOutput = out.output();
      state = out.state().detach();
    }
    lastOutput.sum().backward();
    float[] grad = sequence.grad().toFloatArray();
    int perStep = 2 * 2;
    for (int t = 0; t < 12; t++) {
      for (int i = 0; i < perStep; i++) {
        float g = grad[t * perStep + i];
        if (t < 8) {
          assertEquals(0f, g, "gradient crossed the cut into step " + t);
        } else {
          assertTrue(g != 0f, "no gradient at step " + t + " of the last chunk");
        }
      }
    }
  }

  @Test
  void withoutDetachTheGradientReachesEarlierChunks() {
    Random random = new Random(1);
    Lstm lstm = Lstm.builder(2, 3).numLayers(2).build(random);
    Tensor sequence = Tensor.randn(random, 12, 2, 2).requiresGrad(true);
    RnnState state = null;
    Tensor lastOutput = null;
    for (Tensor chunk : sequence.split(4, 0)) {
      RnnOutput out = lstm.forward(chunk, state);
      lastOutput = out.output();
      state = out.state();
    }
    lastOutput.sum().backward();
    assertTrue(sequence.grad().get(0, 0, 0) != 0f);
  }

  @Test
  void chunkingDoesNotChangeTheValues() {
    Random random = new Random(2);
    Gru gru = Gru.builder(2, 3).bidirectional(false).batchFirst(true).build(random);
    Tensor sequence = Tensor.randn(random, 2, 9, 2);
    RnnOutput whole = gru.forward(sequence);
    RnnState state = null;
    Tensor last = null;
    for (Tensor chunk : sequence.split(3, 1)) {
      RnnOutput out = gru.forward(chunk, state);
      state = out.state().detach();
      last = out.output();
    }
    assertArrayEquals(whole.hN().toFloatArray(), state.h().toFloatArray(), 1e-6f);
    assertArrayEquals(whole.output().narrow(1, 6, 3).toFloatArray(), last.toFloatArray(), 1e-6f);
    assertNull(state.c());
  }

  @Test
  void cellLoopsCutTheSameWay() {
    Random random = new Random(3);
    LstmCell cell = new LstmCell(2, 3, random);
    Tensor sequence = Tensor.randn(random, 10, 1, 2).requiresGrad(true);
    RnnState state = null;
    Tensor loss = null;
    for (int t = 0; t < 10; t++) {
      if (t % 5 == 0 && state != null) {
        state = state.detach(); // every k = 5 steps
      }
      state = cell.forward(sequence.narrow(0, t, 1).reshape(1, 2), state);
      loss = state.h().sum();
    }
    loss.backward();
    assertEquals(0f, sequence.grad().narrow(0, 0, 5).abs().sum().item());
    assertTrue(sequence.grad().narrow(0, 5, 5).abs().sum().item() > 0);
  }
}
