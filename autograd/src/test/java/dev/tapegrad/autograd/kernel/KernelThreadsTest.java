package dev.tapegrad.autograd.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * tapegrad's kernel threads: the setting, the pool, and results that are bit-identical at 1, 2 and
 * 3 threads for every kernel that splits its work.
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
   * (m, n, k): the first five above the threshold for threads (checked below), split by rows and by
   * columns, across every tile and block edge (6 rows, 2 vectors, depth 256, rows 144, columns
   * 1024); the rest below it.
   */
  private static final int[][] SHAPES = {
    {321, 321, 321},
    {145, 1030, 230},
    {13, 1100, 2300},
    {700, 13, 3700},
    {7, 1030, 4600},
    {97, 97, 97},
    {201, 99, 50},
    {1, 4098, 30},
    {289, 65, 48}
  };

  @Test
  void theFirstShapesAreLargeEnoughToBeSplit() {
    for (int i = 0; i < 5; i++) {
      long work = (long) SHAPES[i][0] * SHAPES[i][1] * SHAPES[i][2];
      assertTrue(work >= PanamaGemm.PARALLEL_WORK, Arrays.toString(SHAPES[i]));
    }
  }

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

  @Test
  void columnSumsAreBitIdenticalAtAnyThreadCountAndToTheReference() {
    // [2048, 517]: large enough to split its columns, an awkward width for the vector loops
    Random random = new Random(9);
    float[] x = randoms(random, 2048 * 517);
    float[] expected = new float[517];
    KernelThreads.setThreads(1);
    new JavaKernels().sumAxis(x, 1, 2048, 517, expected);
    for (Kernels kernels : List.of(new JavaKernels(), KernelProvider.create("panama"))) {
      for (int threads = 1; threads <= 3; threads++) {
        KernelThreads.setThreads(threads);
        float[] out = new float[517];
        kernels.sumAxis(x, 1, 2048, 517, out);
        assertArrayEquals(
            bits(expected), bits(out), kernels.name() + " sumAxis at " + threads + " threads");
      }
    }
  }

  @Test
  void elementwiseCoversTheRangeOnceInChunksThatDependOnItsLengthOnly() {
    for (int n : new int[] {0, 1, 65535, 65536, 65536 + 13, 5 * 16384 + 16383}) {
      List<int[]> reference = null;
      for (int threads = 1; threads <= 3; threads++) {
        KernelThreads.setThreads(threads);
        AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(n, 1));
        List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
        KernelThreads.elementwise(
            n,
            (from, to) -> {
              chunks.add(new int[] {from, to});
              for (int i = from; i < to; i++) {
                seen.incrementAndGet(i);
              }
            });
        for (int i = 0; i < n; i++) {
          assertEquals(1, seen.get(i), "element " + i + " of " + n);
        }
        chunks.sort((x, y) -> Integer.compare(x[0], y[0]));
        for (int[] c : chunks) {
          assertTrue(
              c[0] % 16 == 0 && (c[1] == n || c[1] - c[0] == KernelThreads.CHUNK),
              Arrays.toString(c));
        }
        if (reference == null) {
          reference = chunks;
        } else {
          assertEquals(reference.size(), chunks.size());
          for (int i = 0; i < chunks.size(); i++) {
            assertArrayEquals(
                reference.get(i), chunks.get(i), "the same chunks at any thread count");
          }
        }
      }
    }
  }

  @Test
  void largeElementwiseOpsAreBitIdenticalAtAnyThreadCountAndToOneKernelCall() {
    int n = 3 * KernelThreads.ELEMENTWISE_PARALLEL + 77;
    Random random = new Random(9);
    float[] values = randoms(random, n);
    Tensor x = Tensor.of(values, n);
    Tensor y = Tensor.of(randoms(random, n), n);
    Kernels k = KernelProvider.get();
    float[] tanh = new float[n];
    k.unary(UnaryOp.TANH, values, 0, tanh, 0, n);
    float[] sum = new float[n];
    k.binary(BinaryOp.ADD, values, 0, 1, y.toFloatArray(), 0, 1, sum, 0, n);
    float[] scaled = new float[n];
    k.scalarOp(BinaryOp.DIV, values, 0, 3f, true, scaled, 0, n);
    for (int threads = 1; threads <= 3; threads++) {
      KernelThreads.setThreads(threads);
      String at = " at " + threads + " threads";
      assertArrayEquals(bits(tanh), bits(x.tanh().toFloatArray()), "tanh" + at);
      assertArrayEquals(bits(sum), bits(x.add(y).toFloatArray()), "add" + at);
      assertArrayEquals(bits(scaled), bits(x.rdiv(3f).toFloatArray()), "rdiv" + at);
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
