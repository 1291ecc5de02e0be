package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.KernelThreads;
import dev.tapegrad.autograd.kernel.Kernels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Same inputs and seed, same bits: across repeated runs in one JVM (cold, then warm), across JVM
 * starts, across thread counts, in the interpreter with the Vector API kernels forced, and within a
 * few ulp between the two kernel providers. The fingerprints are {@link ReproducibilityProbe}'s.
 */
class ReproducibilityTest {

  /**
   * The JVM options that run tapegrad on {@code n} threads: tapegrad's own setting, and as many
   * processors, so that the JVM's own choices (collector, pool sizes) differ too.
   */
  private static List<String> threads(int n) {
    return List.of("-D" + KernelThreads.PROPERTY + "=" + n, "-XX:ActiveProcessorCount=" + n);
  }

  @Test
  void aSeededTrainingRunRepeatsBitForBitInOneJvm() {
    String first = ReproducibilityProbe.train(30);
    String second = ReproducibilityProbe.train(30);
    assertEquals(first, second);
    assertNotEquals(first, ReproducibilityProbe.train(29), "the fingerprint sees every step");
  }

  @Test
  void oneAndTwoThreadsColdAndWarmAndThisJvmAgree() throws Exception {
    Map<String, String> one = fork(threads(1), "all");
    Map<String, String> two = fork(threads(2), "all");
    assertEquals("panama", one.get("kernels"));
    // in a fresh JVM the first run is cold (interpreted, then C1) and the second warm
    assertEquals(one.get("ops"), one.get("opsWarm"), "cold vs warm");
    assertEquals(one.get("train"), one.get("trainWarm"), "cold vs warm");
    for (String key : List.of("ops", "opsWarm", "train", "trainWarm", "product")) {
      assertEquals(one.get(key), two.get(key), key + ": 1 vs 2 threads");
    }
    assertEquals(one.get("ops"), ReproducibilityProbe.ops(), "ops: fresh JVM vs this one");
    assertEquals(one.get("train"), ReproducibilityProbe.train(40), "train: fresh JVM vs this one");
    assertEquals(one.get("product"), ReproducibilityProbe.product(), "product: fresh vs this JVM");
  }

  @Test
  void theInterpreterWithTheVectorApiKernelsForcedGivesTheSameBits() throws Exception {
    List<String> options =
        new ArrayList<>(List.of("-Xint", "-D" + KernelProvider.PROPERTY + "=panama"));
    Map<String, String> interpreted = fork(options, "small");
    assertEquals("panama", interpreted.get("kernels"));
    assertEquals(ReproducibilityProbe.ops(), interpreted.get("ops"), "ops");
    assertEquals(ReproducibilityProbe.train(3), interpreted.get("train"), "train");
  }

  @Test
  void theTwoProvidersGiveTheSameElementwiseBits() {
    Kernels previous = KernelProvider.set(KernelProvider.create("java"));
    String portable;
    try {
      portable = ReproducibilityProbe.ops();
    } finally {
      KernelProvider.set(previous);
    }
    // elementwise functions and reductions are computed identically; only products may differ
    assertEquals(portable, ReproducibilityProbe.ops());
  }

  @Test
  void theTwoProvidersProductsAgreeWithinTheRoundingBoundOfADotProduct() {
    Random random = new Random(3);
    Tensor a = Tensor.randn(random, 70, 300);
    Tensor b = Tensor.randn(random, 300, 90);
    Kernels previous = KernelProvider.set(KernelProvider.create("java"));
    float[] portable;
    try {
      portable = a.matmul(b).toFloatArray();
    } finally {
      KernelProvider.set(previous);
    }
    float[] vector = a.matmul(b).toFloatArray();
    // each provider is within k u sum|a||b| of the exact product (u = 2^-24), so they are within
    // twice that of each other
    float[] bound = a.abs().matmul(b.abs()).toFloatArray();
    double worst = 0;
    for (int i = 0; i < vector.length; i++) {
      double allowed = 2 * 300 * 0x1p-24 * bound[i];
      assertTrue(Math.abs(vector[i] - portable[i]) <= allowed, "element " + i);
      worst = Math.max(worst, Math.abs(vector[i] - portable[i]) / Math.ulp(bound[i]));
    }
    System.out.printf(
        "java vs panama matmul [70, 300] x [300, 90]: at most %.1f ulp of sum|a||b| apart%n",
        worst);
  }

  /** Runs the probe in a new JVM on this classpath with the Vector API module. */
  private static Map<String, String> fork(List<String> options, String mode)
      throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector"));
    all.addAll(options);
    return ChildJvm.values(all, ReproducibilityProbe.class, mode);
  }
}
