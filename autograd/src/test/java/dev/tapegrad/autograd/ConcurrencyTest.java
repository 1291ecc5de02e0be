package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The threading model of {@link Autograd} and {@link Tensor}, with real threads. */
class ConcurrencyTest {
  /** Backward passes per thread and round: enough that today's unsynchronised += loses some. */
  private static final int PASSES = 400;

  private static final int ROUNDS = 10;

  @Test
  void backwardFromTwoThreadsIntoOneLeafLosesNothing() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        Tensor w = Tensor.zeros(64).requiresGrad(true);
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          float scale = t + 1;
          done.add(
              pool.submit(
                  () -> {
                    start.await();
                    for (int i = 0; i < PASSES; i++) {
                      // d/dw sum(w * scale) = scale, exactly representable sums
                      w.mul(scale).sum().backward();
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get();
        }
        float[] expected = new float[64];
        Arrays.fill(expected, PASSES * (1 + 2));
        assertArrayEquals(expected, w.grad().toFloatArray(), "round " + round);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void inferenceUnderNoGradSharesOneModelAcrossThreads() throws Exception {
    Tensor w = Tensor.randn(3, 8, 8).requiresGrad(true);
    Tensor x = Tensor.randn(4, 3, 8);
    float[] expected;
    try (var scope = Autograd.noGrad()) {
      expected = x.matmul(w).tanh().toFloatArray();
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<float[]>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(
            pool.submit(
                () -> {
                  try (var scope = Autograd.noGrad()) {
                    Tensor y = x.matmul(w).tanh();
                    assertFalse(y.requiresGrad());
                    return y.toFloatArray();
                  }
                }));
      }
      for (Future<float[]> r : results) {
        assertArrayEquals(expected, r.get());
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(Autograd.isGradEnabled(), "each thread's grad mode is its own");
  }

  @Test
  void aGradModeScopeClosedOnAnotherThreadIsRefused() throws Exception {
    Autograd.GradMode scope = Autograd.noGrad();
    try {
      Thread other =
          new Thread(
              () -> {
                IllegalStateException e = assertThrows(IllegalStateException.class, scope::close);
                assertTrue(e.getMessage().contains("opened on thread"), e.getMessage());
                assertTrue(Autograd.isGradEnabled(), "the other thread's mode is untouched");
              });
      Throwable[] failure = new Throwable[1];
      other.setUncaughtExceptionHandler((t, e) -> failure[0] = e);
      other.start();
      other.join();
      if (failure[0] != null) {
        throw new AssertionError(failure[0]);
      }
      assertFalse(Autograd.isGradEnabled(), "still inside this thread's noGrad");
    } finally {
      scope.close();
    }
    assertTrue(Autograd.isGradEnabled());
  }

  @Test
  void closingOnTheOpeningThreadRestoresTheMode() {
    try (var outer = Autograd.noGrad()) {
      try (var inner = Autograd.enableGrad()) {
        assertTrue(Autograd.isGradEnabled());
      }
      assertFalse(Autograd.isGradEnabled());
    }
    assertEquals(true, Autograd.isGradEnabled());
  }
}
