package dev.tapegrad.autograd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.ChildJvm;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the kernels are chosen, and that a JVM without the Vector API falls back cleanly. */
class KernelProviderTest {
  private static final KernelProvider.PanamaLoader MODULE_ABSENT =
      insist -> {
        throw new UnsupportedOperationException("module jdk.incubator.vector not present");
      };
  private static final KernelProvider.PanamaLoader NOT_CALLED =
      insist -> {
        throw new AssertionError("the Vector API kernels must not be loaded");
      };

  /** Loads the fake kernels only when insisted on, as the real loader does without C2. */
  private static final KernelProvider.PanamaLoader NO_C2 =
      insist -> {
        if (!insist) {
          throw new UnsupportedOperationException("the JVM runs interpreted only (-Xint)");
        }
        return fakeFastKernels();
      };

  /** A stand-in for the Vector API kernels, so selection is tested without them. */
  private static Kernels fakeFastKernels() {
    Kernels reference = new JavaKernels();
    return (Kernels)
        Proxy.newProxyInstance(
            Kernels.class.getClassLoader(),
            new Class<?>[] {Kernels.class},
            (proxy, method, args) -> {
              return switch (method.getName()) {
                case "name" -> "fast";
                case "toString" -> "fast (test)";
                default -> method.invoke(reference, args);
              };
            });
  }

  @Test
  void testsRunOnTheVectorApiKernels() {
    // the build passes --add-modules jdk.incubator.vector to the tests: ops here use the fast path
    if (System.getProperty(KernelProvider.PROPERTY) == null) {
      assertEquals("panama", KernelProvider.get().name());
    }
  }

  @Test
  void autoPrefersTheFastKernels() {
    KernelProvider.Selection s = KernelProvider.select(null, insist -> fakeFastKernels());
    assertEquals("fast", s.kernels().name());
    assertEquals(Level.INFO, s.level());
    assertEquals("tapegrad kernels: fast (test)", s.message());
  }

  @Test
  void autoFallsBackQuietlyWhenTheModuleIsAbsent() {
    KernelProvider.Selection s = KernelProvider.select("auto", MODULE_ABSENT);
    assertInstanceOf(JavaKernels.class, s.kernels());
    assertEquals(Level.INFO, s.level());
    assertTrue(s.message().contains("module jdk.incubator.vector not present"), s.message());
  }

  @Test
  void fallsBackWhenLoadingFailsToLink() {
    KernelProvider.Selection s =
        KernelProvider.select(
            null,
            insist -> {
              throw new NoClassDefFoundError("jdk/incubator/vector/FloatVector");
            });
    assertInstanceOf(JavaKernels.class, s.kernels());
    assertTrue(s.message().contains("FloatVector"), s.message());
  }

  @Test
  void anUnmetRequestForPanamaFailsSayingHowToEnableTheModule() {
    KernelProvider.Selection s = KernelProvider.select("panama", MODULE_ABSENT);
    assertNull(s.kernels());
    assertEquals(Level.ERROR, s.level());
    assertTrue(s.message().contains("-Dtapegrad.kernels=panama was asked for"), s.message());
    assertTrue(s.message().contains("module jdk.incubator.vector not present"), s.message());
    assertTrue(s.message().contains(KernelProvider.HOW_TO_ENABLE), s.message());
  }

  @Test
  void theFallbackLineGivesTheFlagForJavaSurefireExecJavaAndGradle() {
    String message = KernelProvider.select(null, MODULE_ABSENT).message();
    assertTrue(message.contains("java --add-modules jdk.incubator.vector"), message);
    assertTrue(message.contains("<argLine>--add-modules jdk.incubator.vector</argLine>"), message);
    assertTrue(message.contains("MAVEN_OPTS=\"--add-modules jdk.incubator.vector\""), message);
    assertTrue(message.contains("jvmArgs(\"--add-modules\", \"jdk.incubator.vector\")"), message);
  }

  @Test
  void panamaIsHonouredWithoutC2ButAutoFallsBack() {
    assertEquals("fast", KernelProvider.select("panama", NO_C2).kernels().name());
    KernelProvider.Selection auto = KernelProvider.select("auto", NO_C2);
    assertInstanceOf(JavaKernels.class, auto.kernels());
    assertTrue(
        auto.message().contains("-Dtapegrad.kernels=panama runs them anyway"), auto.message());
  }

  @Test
  void javaIsHonouredWithoutTouchingTheVectorApi() {
    KernelProvider.Selection s = KernelProvider.select(" Java ", NOT_CALLED);
    assertInstanceOf(JavaKernels.class, s.kernels());
    assertEquals(Level.INFO, s.level());
  }

  @Test
  void anUnknownRequestWarnsAndChoosesAutomatically() {
    KernelProvider.Selection s = KernelProvider.select("cuda", insist -> fakeFastKernels());
    assertEquals("fast", s.kernels().name());
    assertEquals(Level.WARNING, s.level());
    assertTrue(s.message().contains("unknown -Dtapegrad.kernels=cuda"), s.message());
  }

  @Test
  void createNamesTheProviders() {
    assertInstanceOf(JavaKernels.class, KernelProvider.create("java"));
    assertEquals("panama", KernelProvider.create("panama").name());
    assertThrows(IllegalArgumentException.class, () -> KernelProvider.create("blas"));
  }

  @Test
  void setInstallsAndReturnsThePrevious() {
    Kernels replacement = new JavaKernels();
    Kernels previous = KernelProvider.set(replacement);
    try {
      assertSame(replacement, KernelProvider.get());
    } finally {
      assertSame(replacement, KernelProvider.set(previous));
    }
  }

  @Test
  void aJvmWithoutTheModuleRunsOnJavaKernelsAndSaysWhy() throws Exception {
    Result r = fork(List.of());
    assertEquals(0, r.exitCode, r.output);
    assertTrue(r.output.contains("kernels=java"), r.output);
    assertTrue(r.output.contains("INFO: tapegrad kernels: java"), r.output);
    assertTrue(r.output.contains("--add-modules jdk.incubator.vector"), r.output);
  }

  @Test
  void aJvmWithTheModuleChoosesPanama() throws Exception {
    Result r = fork(List.of("--add-modules", "jdk.incubator.vector"));
    assertEquals(0, r.exitCode, r.output);
    assertTrue(r.output.contains("kernels=panama"), r.output);
    assertTrue(r.output.contains("INFO: tapegrad kernels: panama"), r.output);
  }

  @Test
  void aPanamaJvmWithoutTheRecommendedFlagsIsToldThemAndOneWithThemIsNot() throws Exception {
    Result plain = fork(List.of("--add-modules", "jdk.incubator.vector"));
    assertEquals(0, plain.exitCode, plain.output);
    for (String flag : KernelProvider.RECOMMENDED_JVM_FLAGS) {
      assertTrue(plain.output.contains(flag), plain.output);
    }
    List<String> options = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector"));
    options.addAll(KernelProvider.RECOMMENDED_JVM_FLAGS);
    Result tuned = fork(options);
    assertEquals(0, tuned.exitCode, tuned.output);
    assertTrue(tuned.output.contains("kernels=panama"), tuned.output);
    assertFalse(tuned.output.contains("PerMethodTrapLimit"), tuned.output);
  }

  @Test
  void aJvmWithoutTheModuleRefusesAnInsistentRequest() throws Exception {
    Result r = fork(List.of("-Dtapegrad.kernels=panama"));
    assertNotEquals(0, r.exitCode, r.output);
    assertTrue(r.output.contains("IllegalStateException"), r.output);
    assertTrue(r.output.contains("module jdk.incubator.vector not present"), r.output);
  }

  @Test
  void anInterpretedJvmRunsPanamaWhenAskedTo() throws Exception {
    Result r =
        fork(
            List.of("-Xint", "--add-modules", "jdk.incubator.vector", "-Dtapegrad.kernels=panama"));
    assertEquals(0, r.exitCode, r.output);
    assertTrue(r.output.contains("kernels=panama"), r.output);
  }

  @Test
  void aJvmWithoutC2FallsBackEvenWithTheModule() throws Exception {
    Result r = fork(List.of("--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1"));
    assertEquals(0, r.exitCode, r.output);
    assertTrue(r.output.contains("kernels=java"), r.output);
    assertTrue(r.output.contains("C2 is disabled"), r.output);
  }

  private static final class Result {
    final int exitCode;
    final String output;

    Result(int exitCode, String output) {
      this.exitCode = exitCode;
      this.output = output;
    }
  }

  /** Runs {@link KernelProviderProbe} in a new JVM with the given options, on this classpath. */
  private static Result fork(List<String> options) throws IOException, InterruptedException {
    ChildJvm.Result r = ChildJvm.run(options, KernelProviderProbe.class);
    return new Result(r.exitCode(), r.output());
  }
}
