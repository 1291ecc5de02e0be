package dev.tapegrad.autograd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tapegrad.autograd.ChildJvm;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Vector API code that C2 compiles after the transcendentals have run hot still keeps its vectors
 * in registers.
 *
 * <p>C2 turns a vector into a register only if it inlines every Vector API call down to its
 * intrinsic; a vector it cannot is boxed, one object per operation. The JDK's shared vector methods
 * carry one type profile for the whole JVM, so a kernel that runs a second float shape through them
 * (the transcendentals once did) makes them polymorphic, and every kernel compiled afterwards
 * boxes: a gemm ran four times slower. Speed is not measured in unit tests; allocation is, since
 * compiled vector code allocates nothing and boxed code allocates on every call. The order matters
 * (the kernels must be compiled after the transcendentals ran), so it runs in a fresh JVM, {@link
 * #main}, with {@code -Xbatch} so that compilation finishes before the call that triggered it
 * returns and the call counts below do not depend on how busy the machine is.
 */
class VectorShapeTest {
  /** A call that allocates less than this allocated no vector: a boxed one alone is 32 bytes. */
  private static final long NOTHING = 256;

  /**
   * Calls within which each function and kernel must stop allocating: C2 compiles a loop of 4096
   * floats after a few hundred.
   */
  private static final int MAX_CALLS = 3000;

  private static final String[] FUNCTIONS = {
    "exp", "log", "tanh", "sigmoid", "softplus", "normalPdf", "sin", "cos"
  };

  @Test
  void kernelsCompiledAfterHotTranscendentalsAllocateNothing() throws Exception {
    assumeTrue(
        "panama".equals(KernelProvider.get().name()), "the Vector API kernels are not in use");
    assumeTrue(optimizingCompiler(), "C2 is off: vector code allocates until it is compiled");
    Map<String, String> r = fork();
    assumeTrue(!r.containsKey("skip"), () -> "the forked JVM cannot measure: " + r.get("skip"));
    assertEquals("panama", r.get("kernels"), r.toString());
    for (String function : FUNCTIONS) {
      assertTrue(r.containsKey(function), () -> function + " missing: " + r);
    }
    for (String key : List.of("gemm", "add")) {
      assertTrue(r.containsKey(key), () -> key + " missing: " + r);
    }
    for (Map.Entry<String, String> e : r.entrySet()) {
      if (!e.getKey().equals("kernels")) {
        assertTrue(
            Long.parseLong(e.getValue()) < NOTHING,
            () ->
                e.getKey()
                    + " still allocates "
                    + e.getValue()
                    + " bytes a call after "
                    + MAX_CALLS
                    + " calls: its vectors are boxed ("
                    + r
                    + ")");
      }
    }
  }

  /**
   * In a fresh JVM: runs each vector transcendental until C2 has compiled it (its calls stop
   * allocating), then a blocked product and an elementwise kernel, and prints for each the fewest
   * bytes one call allocated.
   */
  public static void main(String[] args) {
    if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean)
        || !bean.isThreadAllocatedMemorySupported()) {
      System.out.println("skip=no per-thread allocation counter");
      return;
    }
    bean.setThreadAllocatedMemoryEnabled(true);
    long thread = Thread.currentThread().getId();
    Kernels kernels = KernelProvider.get();
    System.out.println("kernels=" + kernels.name());

    Random random = new Random(5);
    int n = 4096;
    float[] x = new float[n];
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (random.nextDouble() * 6 - 3); // within every function's vector range
    }
    for (String function : FUNCTIONS) {
      long fewest = Long.MAX_VALUE;
      for (int call = 0; call < MAX_CALLS && fewest >= NOTHING; call++) {
        long before = bean.getThreadAllocatedBytes(thread);
        transcendental(function, x, out);
        fewest = Math.min(fewest, bean.getThreadAllocatedBytes(thread) - before);
      }
      System.out.println(function + "=" + fewest);
    }

    int size = 64; // above PanamaGemm's direct threshold: the packed, blocked micro-kernel
    float[] a = new float[size * size];
    float[] b = new float[size * size];
    float[] c = new float[size * size];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) random.nextGaussian();
      b[i] = (float) random.nextGaussian();
    }
    long fewest = Long.MAX_VALUE;
    for (int call = 0; call < MAX_CALLS && fewest >= NOTHING; call++) {
      long before = bean.getThreadAllocatedBytes(thread);
      PanamaGemm.gemm(size, size, size, a, 0, false, b, 0, false, c, 0);
      fewest = Math.min(fewest, bean.getThreadAllocatedBytes(thread) - before);
    }
    System.out.println("gemm=" + fewest);

    fewest = Long.MAX_VALUE;
    for (int call = 0; call < MAX_CALLS && fewest >= NOTHING; call++) {
      long before = bean.getThreadAllocatedBytes(thread);
      kernels.binary(BinaryOp.ADD, x, 0, 1, x, 0, 1, out, 0, n);
      fewest = Math.min(fewest, bean.getThreadAllocatedBytes(thread) - before);
    }
    System.out.println("add=" + fewest);
  }

  private static void transcendental(String function, float[] x, float[] out) {
    int n = x.length;
    switch (function) {
      case "exp" -> PanamaTranscendentals.exp(x, 0, out, 0, n);
      case "log" -> PanamaTranscendentals.log(x, 0, out, 0, n);
      case "tanh" -> PanamaTranscendentals.tanh(x, 0, out, 0, n);
      case "sigmoid" -> PanamaTranscendentals.sigmoid(x, 0, out, 0, n);
      case "softplus" -> PanamaTranscendentals.softplus(x, 0, out, 0, n);
      case "normalPdf" -> PanamaTranscendentals.normalPdf(x, 0, out, 0, n);
      case "sin" -> PanamaTranscendentals.sin(x, 0, out, 0, n);
      case "cos" -> PanamaTranscendentals.cos(x, 0, out, 0, n);
      default -> throw new IllegalArgumentException("unknown function " + function);
    }
  }

  /** Whether this JVM has C2, as {@link KernelProvider} decides it. */
  private static boolean optimizingCompiler() {
    if (System.getProperty("java.vm.info", "").contains("interpreted mode")) {
      return false;
    }
    for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (option.startsWith("-XX:TieredStopAtLevel=") && !option.endsWith("=4")) {
        return false;
      }
    }
    return true;
  }

  /** Runs {@link #main} in a new JVM with the Vector API, on this classpath. */
  private static Map<String, String> fork() throws IOException, InterruptedException {
    return ChildJvm.values(
        List.of("--add-modules", "jdk.incubator.vector", "-Xbatch"), VectorShapeTest.class);
  }
}
