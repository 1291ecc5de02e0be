package dev.tapegrad.autograd.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Products with a packed right operand: the same values as the plain product, every row the same
 * bits whatever group of rows it is computed in, and {@link KernelThreads#rows} splitting rows into
 * contiguous parts.
 */
class PackedGemmTest {
  private final int saved = KernelThreads.threads();

  @AfterEach
  void restore() {
    KernelThreads.setThreads(saved);
  }

  private static List<Kernels> providers() {
    return List.of(new JavaKernels(), KernelProvider.create("panama"));
  }

  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  @Test
  void agreesWithThePlainProductAndEachRowIsTheSameInAnyGroup() {
    for (Kernels k : providers()) {
      // depths and widths across the packing blocks (KC = 256, NC = 1024) and the tile edges
      qt().withExamples(40)
          .forAll(
              integers().between(1, 40), integers().between(1, 600), integers().between(1, 1100))
          .checkAssert(
              (m, depth, n) -> {
                Random r = new Random(31L * m + 17L * depth + n);
                boolean transB = r.nextBoolean();
                float[] a = random(r, m * depth);
                float[] b = random(r, depth * n + 3);
                PackedMatrix packed = k.pack(depth, n, b, 3, transB);
                assertEquals(depth, packed.depth());
                assertEquals(n, packed.columns());
                float[] whole = new float[m * n];
                k.gemm(m, a, 0, packed, whole, 0);
                float[] plain = new float[m * n];
                k.gemm(m, n, depth, a, 0, false, b, 3, transB, plain, 0);
                for (int i = 0; i < whole.length; i++) {
                  float tolerance = 1e-5f * depth * 4;
                  assertEquals(plain[i], whole[i], tolerance, k.name() + " element " + i);
                }
                // the same rows taken one at a time and in uneven groups give the same bits
                float[] split = new float[m * n];
                for (int i0 = 0; i0 < m; ) {
                  int rows = Math.min(m - i0, 1 + r.nextInt(7));
                  k.gemm(rows, a, i0 * depth, packed, split, i0 * n);
                  i0 += rows;
                }
                assertArrayEquals(whole, split, k.name() + " " + m + "x" + depth + "x" + n);
              });
    }
  }

  @Test
  void aPackedMatrixIsASnapshot() {
    for (Kernels k : providers()) {
      float[] b = {1, 2, 3, 4};
      PackedMatrix packed = k.pack(2, 2, b, 0, false);
      Arrays.fill(b, 100f);
      float[] c = new float[2];
      k.gemm(1, new float[] {1, 1}, 0, packed, c, 0);
      assertArrayEquals(new float[] {4, 6}, c, k.name());
    }
  }

  @Test
  void emptyDepthGivesZeros() {
    for (Kernels k : providers()) {
      PackedMatrix packed = k.pack(0, 3, new float[0], 0, false);
      float[] c = {5, 5, 5, 5, 5, 5};
      k.gemm(2, new float[0], 0, packed, c, 0);
      assertArrayEquals(new float[6], c, k.name());
    }
  }

  @Test
  void rejectsAnOperandThatDoesNotFitOrCameFromAnotherProvider() {
    for (Kernels k : providers()) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> k.pack(3, 4, new float[11], 0, false));
      assertTrue(e.getMessage().contains("3 x 4") && e.getMessage().contains("11"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> k.pack(-1, 4, new float[11], 0, false));
    }
    {
      PackedMatrix fromJava = providers().get(0).pack(2, 2, new float[4], 0, false);
      Kernels panama = providers().get(1);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> panama.gemm(1, new float[2], 0, fromJava, new float[2], 0));
      assertTrue(e.getMessage().contains("another kernel provider"), e.getMessage());
    }
  }

  @Test
  void rowsSplitsIntoContiguousPartsOnePerThread() {
    for (int threads : new int[] {1, 2, 3}) {
      KernelThreads.setThreads(threads);
      for (int n : new int[] {0, 1, 2, 5, 32, 33}) {
        AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(n, 1));
        int[] calls = {0};
        KernelThreads.rows(
            n,
            (from, to) -> {
              synchronized (calls) {
                calls[0]++;
              }
              assertTrue(from <= to, from + " > " + to);
              for (int i = from; i < to; i++) {
                seen.incrementAndGet(i);
              }
            });
        for (int i = 0; i < n; i++) {
          assertEquals(1, seen.get(i), "row " + i + " of " + n + " at " + threads + " threads");
        }
        assertEquals(Math.max(1, Math.min(threads, n)), calls[0], n + " rows, " + threads);
      }
    }
  }
}
