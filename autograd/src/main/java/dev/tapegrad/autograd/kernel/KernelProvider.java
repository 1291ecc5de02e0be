package dev.tapegrad.autograd.kernel;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Chooses the kernels every op runs on, once, when first used.
 *
 * <p>The Vector API kernels ({@code panama}) are chosen when the JVM was started with {@code
 * --add-modules jdk.incubator.vector} and can compile them (C2 is on); otherwise the portable
 * {@link JavaKernels} ({@code java}), which are also the reference in tests. The Vector API class
 * is loaded by name, so a JVM without the module never links it. One log line (logger {@code
 * dev.tapegrad.autograd.kernel.KernelProvider}, level INFO, WARNING if a request could not be met)
 * says which kernels are in use and, on fallback, why and the exact option that enables the Vector
 * API for {@code java}, Maven Surefire, {@code mvn exec:java} and Gradle.
 *
 * <p>The system property {@value #PROPERTY} overrides the choice:
 *
 * <ul>
 *   <li>{@code auto} (the default): {@code panama} if the module is present and C2 will compile it,
 *       else {@code java};
 *   <li>{@code java}: the portable kernels, without touching the Vector API;
 *   <li>{@code panama}: insists. The Vector API kernels run even in the interpreter ({@code -Xint})
 *       or without C2, where they are slow but give the same bits. If the module is absent or the
 *       kernels cannot load, {@link #get} throws {@link IllegalStateException} saying why and how
 *       to enable the module; the program does not silently run on other kernels.
 * </ul>
 *
 * <p>Results do not depend on the choice beyond a few ulp: both providers compute the
 * transcendental functions as {@link Transcendentals} (bit for bit the same), and elementwise
 * arithmetic identically; matrix products and sums may round differently (the Vector API kernels
 * use fused multiply-adds). Each provider alone gives the same bits in every JIT state.
 *
 * <p>Performance note: the Vector API kernels reach full speed only once C2 has compiled them,
 * after some thousands of calls of each kernel (a few seconds of a training loop, longer on a busy
 * machine); until then they run slower than the portable kernels. A program that runs for a second
 * or two can be faster with {@code -Dtapegrad.kernels=java}.
 */
public final class KernelProvider {
  /** The system property that overrides the choice of kernels: java, panama or auto. */
  public static final String PROPERTY = "tapegrad.kernels";

  private static final String VECTOR_MODULE = "jdk.incubator.vector";
  private static final String PANAMA_CLASS = "dev.tapegrad.autograd.kernel.PanamaKernels";

  /** How to add the module, for each way a user starts a JVM; quoted by the log and the errors. */
  static final String HOW_TO_ENABLE =
      "add the JVM option --add-modules "
          + VECTOR_MODULE
          + ": java --add-modules "
          + VECTOR_MODULE
          + " ...; Maven Surefire: <argLine>--add-modules "
          + VECTOR_MODULE
          + "</argLine>;"
          + " mvn exec:java (runs in Maven's JVM): MAVEN_OPTS=\"--add-modules "
          + VECTOR_MODULE
          + "\" or a line in .mvn/jvm.config; Gradle: jvmArgs(\"--add-modules\", \""
          + VECTOR_MODULE
          + "\") in the test and JavaExec tasks"
          + " (application { applicationDefaultJvmArgs = ... } for run)";

  /**
   * JVM flags that keep the Vector API kernels at full speed in a JVM that runs many different
   * models or ops: pass them with {@code --add-modules jdk.incubator.vector}.
   *
   * <p>Why: the JDK's vector methods are inlined into every kernel, but HotSpot keeps their
   * deoptimization history once, in the JDK method. After a few deoptimizations at one bytecode
   * anywhere ({@code PerBytecodeTrapLimit}, default 4; {@code PerMethodTrapLimit}, default 100), C2
   * compiles that bytecode without its speculative type check in every later caller, the vector's
   * class is then unknown there, and the kernel boxes its vectors on the heap. Measured on the
   * development machine: after an MLP had trained in the same JVM, an LSTM step's forward pass
   * allocated 325 MB instead of 16 MB; in the comparison runner (3 rounds) the LSTM char step took
   * 27.1 ms with HotSpot's default limits and 14.6 ms with these flags. Results do not depend on
   * them, only speed.
   */
  public static final List<String> RECOMMENDED_JVM_FLAGS =
      List.of("-XX:PerMethodTrapLimit=10000", "-XX:PerBytecodeTrapLimit=100");

  private static final Selection INITIAL = initial();
  private static volatile Kernels current = INITIAL.kernels();

  private KernelProvider() {}

  /**
   * The kernels in use.
   *
   * @throws IllegalStateException if {@code -D}{@value #PROPERTY}{@code =panama} was asked for and
   *     the Vector API kernels cannot run, saying why
   */
  public static Kernels get() {
    Kernels kernels = current;
    if (kernels == null) {
      throw new IllegalStateException(INITIAL.message());
    }
    return kernels;
  }

  /** Replaces the kernels in use; returns the previous ones (null if none could be chosen). */
  public static Kernels set(Kernels kernels) {
    Kernels previous = current;
    current = Objects.requireNonNull(kernels);
    return previous;
  }

  /**
   * New kernels of the given name, {@code java} or {@code panama}, whichever is in use; for tests
   * and benchmarks that compare providers. {@code panama} is created even without C2.
   *
   * @throws IllegalArgumentException for another name
   * @throws IllegalStateException if the Vector API kernels cannot run in this JVM, saying why
   */
  public static Kernels create(String name) {
    switch (name) {
      case "java" -> {
        return new JavaKernels();
      }
      case "panama" -> {
        try {
          return loadPanama(true);
        } catch (UnsupportedOperationException e) {
          throw new IllegalStateException("panama kernels unavailable: " + e.getMessage(), e);
        }
      }
      default ->
          throw new IllegalArgumentException(
              "kernels: unknown name '" + name + "' (expected java or panama)");
    }
  }

  private static Selection initial() {
    Selection selection = select(System.getProperty(PROPERTY), KernelProvider::loadPanama);
    System.Logger log = System.getLogger(KernelProvider.class.getName());
    log.log(selection.level(), selection.message());
    if (selection.kernels() != null && selection.kernels().name().equals("panama")) {
      String missing = missingRecommendedFlags();
      if (!missing.isEmpty()) {
        log.log(
            Level.INFO,
            "tapegrad kernels: for steady speed when one JVM runs many models, add "
                + missing
                + " (see KernelProvider.RECOMMENDED_JVM_FLAGS)");
      }
    }
    return selection;
  }

  /** The recommended flags this JVM runs below, space-separated; empty if none or unknown. */
  static String missingRecommendedFlags() {
    try {
      com.sun.management.HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
      StringBuilder missing = new StringBuilder();
      for (String flag : RECOMMENDED_JVM_FLAGS) {
        String name = flag.substring(4, flag.indexOf('='));
        long wanted = Long.parseLong(flag.substring(flag.indexOf('=') + 1));
        if (Long.parseLong(vm.getVMOption(name).getValue()) < wanted) {
          missing.append(missing.length() == 0 ? "" : " ").append(flag);
        }
      }
      return missing.toString();
    } catch (RuntimeException | LinkageError e) {
      return ""; // not HotSpot, or no management module: nothing to advise
    }
  }

  /**
   * The kernels chosen (null if an insistent request failed), and the one log line that says which
   * and why (or the error).
   */
  record Selection(Kernels kernels, Level level, String message) {}

  /** Loads the Vector API kernels; {@code insist} skips the check for C2. */
  interface PanamaLoader {
    /** The kernels, or throws {@link UnsupportedOperationException} saying why not. */
    Kernels load(boolean insist);
  }

  /** Chooses kernels for the value of {@value #PROPERTY} (null for none). */
  static Selection select(String requested, PanamaLoader panama) {
    String request =
        requested == null || requested.isBlank()
            ? "auto"
            : requested.trim().toLowerCase(Locale.ROOT);
    String note = "";
    switch (request) {
      case "java" -> {
        return new Selection(
            new JavaKernels(), Level.INFO, "tapegrad kernels: java (-D" + PROPERTY + "=java)");
      }
      case "auto", "panama" -> {}
      default -> {
        note = "unknown -D" + PROPERTY + "=" + requested + " (expected java, panama or auto); ";
        request = "auto";
      }
    }
    boolean insist = request.equals("panama");
    try {
      Kernels kernels = panama.load(insist);
      return new Selection(
          kernels,
          note.isEmpty() ? Level.INFO : Level.WARNING,
          "tapegrad kernels: " + note + kernels);
    } catch (UnsupportedOperationException | LinkageError e) {
      String why = String.valueOf(e.getMessage());
      String hint =
          why.contains("not present") || e instanceof LinkageError
              ? "; to use them, " + HOW_TO_ENABLE
              : "; -D" + PROPERTY + "=panama runs them anyway (slowly, with the same results)";
      if (insist) {
        return new Selection(
            null,
            Level.ERROR,
            "tapegrad kernels: -D"
                + PROPERTY
                + "=panama was asked for, but the Vector API"
                + " kernels cannot run: "
                + why
                + (hint.startsWith("; to use") ? hint : ""));
      }
      return new Selection(
          new JavaKernels(),
          note.isEmpty() ? Level.INFO : Level.WARNING,
          "tapegrad kernels: java, " + note + "Vector API kernels unavailable: " + why + hint);
    }
  }

  /**
   * Loads the Vector API kernels by name, or throws UnsupportedOperationException saying why;
   * unless {@code insist}, also when C2 will not compile them.
   */
  private static Kernels loadPanama(boolean insist) {
    if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
      throw new UnsupportedOperationException("module " + VECTOR_MODULE + " not present");
    }
    String compiler = insist ? null : optimizingCompilerProblem();
    if (compiler != null) {
      throw new UnsupportedOperationException(compiler);
    }
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      Class<?> type = lookup.findClass(PANAMA_CLASS);
      return (Kernels) lookup.findConstructor(type, MethodType.methodType(void.class)).invoke();
    } catch (UnsupportedOperationException e) {
      throw e;
    } catch (Throwable e) {
      throw new UnsupportedOperationException("cannot load " + PANAMA_CLASS + ": " + e, e);
    }
  }

  /**
   * Why C2 will not compile the Vector API kernels, or null if it will. Without C2 every vector
   * operation allocates, and the portable kernels are much faster.
   */
  private static String optimizingCompilerProblem() {
    if (System.getProperty("java.vm.info", "").contains("interpreted mode")) {
      return "the JVM runs interpreted only (-Xint)";
    }
    try {
      var bean =
          ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
      if (bean != null
          && Boolean.parseBoolean(bean.getVMOption("TieredCompilation").getValue())
          && Integer.parseInt(bean.getVMOption("TieredStopAtLevel").getValue()) < 4) {
        return "C2 is disabled (-XX:TieredStopAtLevel < 4)";
      }
    } catch (RuntimeException | LinkageError e) {
      // not HotSpot, or no jdk.management module: assume an optimizing compiler
    }
    return null;
  }
}
