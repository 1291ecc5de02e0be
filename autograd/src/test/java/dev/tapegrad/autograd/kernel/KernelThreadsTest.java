package dev.tapegrad.autograd.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * tapegrad's kernel threads: the setting, the pool, and results that are bit-identical at 1, 2
 * and 3 threads for every kernel that splits its work.
 */
class KernelThreadsTest {
  private final int saved = KernelThreads.threads();

  @AfterEach
  void restore() {
    KernelThreads.setThreads(saved);
  }

  @Test
  void setThreadsReturnsThePreviousValueAndRejectsZero() {
    int before = KernelThreads.setThreads(3);
    assertEquals(saved, before);
    assertEquals(3, KernelThreads.threads());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> KernelThreads.setThreads(0));
    assertTrue(e.getMessage().contains("tapegrad.threads"), e.getMessage());
    assertEquals(3, KernelThreads.threads());
  }

  @Test
  void runsEveryPartOnceOnNamedDaemonHelpers() {
    KernelThreads.setThreads(3);
    Set<String> names = ConcurrentHashMap.newKeySet();
    Set<Boolean> daemon = ConcurrentHashMap.newKeySet();
    for (int round = 0; round < 50; round++) {
      AtomicIntegerArray counts = new AtomicIntegerArray(17);
      KernelThreads.run(
          17,
          p -> {
            counts.incrementAndGet(p);
            Thread t = Thread.currentThread();
            if (t.getName().startsWith("tapegrad-kernel-")) {
              names.add(t.getName());
              daemon.add(t.isDaemon());
            }
            busyWork();
          });
      for (int p = 0; p < 17; p++) {
        assertEquals(1, counts.get(p), "part " + p + " in round " + round);
      }
    }
    // the helpers exist and are daemons; how much they ran depends on the scheduler
    assertTrue(names.stream().allMatch(n -> n.matches("tapegrad-kernel-\\d+")), names.toString());
    assertTrue(daemon.stream().allMatch(d -> d), daemon.toString());
    assertTrue(
        Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().startsWith("tapegrad-kernel-") && t.isDaemon()));
  }

  @Test
  void oneThreadRunsThePartsInOrderOnTheCaller() {
    KernelThreads.setThreads(1);
    Thread caller = Thread.currentThread();
    int[] order = new int[5];
    int[] next = {0};
    KernelThreads.run(
        5,
        p -> {
          assertSame(caller, Thread.currentThread());
          order[next[0]++] = p;
        });
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, order);
  }

  @Test
  void aFailingPartIsRethrownAfterTheOthersFinish() {
    KernelThreads.setThreads(2);
    AtomicIntegerArray done = new AtomicIntegerArray(8);
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                KernelThreads.run(
                    8,
                    p -> {
                      if (p == 3) {
                        throw new IllegalStateException("part 3 failed");
                      }
                      done.incrementAndGet(p);
                    }));
    assertEquals("part 3 failed", e.getMessage());
    for (int p = 0; p < 8; p++) {
      assertEquals(p == 3 ? 0 : 1, done.get(p), "part " + p);
    }
  }

  /**
   * (m, n, k): above and below the threshold for threads, split by rows and by columns, edges of
   * every tile and block (6 rows, 2 vectors, depth 256, rows 144, columns 1024).
   */
  private static final int[][] SHAPES = {
    {97, 97, 97}, {145, 1030, 257}, {300, 13, 200}, {13, 300, 200}, {7, 513, 300},
    {64, 64, 64}, {201, 99, 130}, {1, 4098, 300}, {289, 65, 40}
  };

  @Test
  void gemmIsBitIdenticalAtOneTwoAndThreeThreads() {
    Random random = new Random(8);
    for (Kernels kernels : List.of(new JavaKernels(), KernelProvider.create("panama"))) {
      for (int[] s : SHAPES) {
        for (int t = 0; t < 4; t++) {
          int m = s[0];
          int n = s[1];
          int k = s[2];
          boolean transA = (t & 1) != 0;
          boolean transB = (t & 2) != 0;
          float[] a = randoms(random, m * k + 3);
          float[] b = randoms(random, k * n + 1);
          int[] reference = null;
          for (int threads = 1; threads <= 3; threads++) {
            KernelThreads.setThreads(threads);
            float[] c = new float[m * n + 2];
            kernels.gemm(m, n, k, a, 3, transA, b, 1, transB, c, 2);
            int[] bits = bits(c);
            if (reference == null) {
              reference = bits;
            } else {
              assertArrayEquals(
                  reference,
                  bits,
                  String.format(
                      "%s gemm %s transA=%b transB=%b at %d threads",
                      kernels.name(), Arrays.toString(s), transA, transB, threads));
            }
          }
        }
      }
    }
  }

  static float[] randoms(Random random, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  static int[] bits(float[] x) {
    int[] out = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = Float.floatToRawIntBits(x[i]);
    }
    return out;
  }

  private static volatile double sink;

  private static void busyWork() {
    double s = 0;
    for (int i = 0; i < 2000; i++) {
      s += Math.sqrt(i);
    }
    sink = s;
  }
}
