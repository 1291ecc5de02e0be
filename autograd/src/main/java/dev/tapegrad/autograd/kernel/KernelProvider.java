package dev.tapegrad.autograd.kernel;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Chooses the kernels every op runs on, once, when first used.
 *
 * <p>The Vector API kernels ({@code panama}) are chosen when the JVM was started with {@code
 * --add-modules jdk.incubator.vector} and can compile them (C2 is on); otherwise the portable
 * {@link JavaKernels} ({@code java}), which are also the reference in tests. The Vector API class
 * is loaded by name, so a JVM without the module never links it. One log line (logger {@code
 * dev.tapegrad.autograd.kernel.KernelProvider}, level INFO, WARNING if a request could not be
 * met) says which kernels are in use and, on fallback, why.
 *
 * <p>The system property {@value #PROPERTY} overrides the choice: {@code java}, {@code panama}, or
 * {@code auto} (the default). A request for {@code panama} that cannot be met falls back to {@code
 * java} with a warning rather than failing: kernels only change speed, never results beyond float
 * rounding.
 *
 * <p>Performance note: the Vector API kernels reach full speed only once C2 has compiled them,
 * after some thousands of calls of each kernel (a few seconds of a training loop, longer on a busy
 * machine); until then they run slower than the portable kernels. A program that runs for a
 * second or two can be faster with {@code -Dtapegrad.kernels=java}.
 */
public final class KernelProvider {
  /** The system property that overrides the choice of kernels: java, panama or auto. */
  public static final String PROPERTY = "tapegrad.kernels";

  private static final String VECTOR_MODULE = "jdk.incubator.vector";
  private static final String PANAMA_CLASS = "dev.tapegrad.autograd.kernel.PanamaKernels";

  private static volatile Kernels current = initial();

  private KernelProvider() {}

  /** The kernels in use. */
  public static Kernels get() {
    return current;
  }

  /** Replaces the kernels in use; returns the previous ones so a caller can restore them. */
  public static Kernels set(Kernels kernels) {
    Kernels previous = current;
    current = Objects.requireNonNull(kernels);
    return previous;
  }

  /**
   * New kernels of the given name, {@code java} or {@code panama}, whichever is in use; for tests
   * and benchmarks that compare providers.
   *
   * @throws IllegalArgumentException for another name
   * @throws IllegalStateException if the Vector API kernels cannot run in this JVM, saying why
   */
  public static Kernels create(String name) {
    switch (name) {
      case "java":
        return new JavaKernels();
      case "panama":
        try {
          return loadPanama();
        } catch (UnsupportedOperationException e) {
          throw new IllegalStateException("panama kernels unavailable: " + e.getMessage(), e);
        }
      default:
        throw new IllegalArgumentException(
            "kernels: unknown name '" + name + "' (expected java or panama)");
    }
  }

  private static Kernels initial() {
    Selection selection = select(System.getProperty(PROPERTY), KernelProvider::loadPanama);
    System.getLogger(KernelProvider.class.getName()).log(selection.level(), selection.message());
    return selection.kernels();
  }

  /** The kernels chosen, and the one log line that says which and why. */
  record Selection(Kernels kernels, Level level, String message) {}

  /**
   * Chooses kernels for the value of {@value #PROPERTY} (null for none); {@code panama} supplies
   * the Vector API kernels or throws {@link UnsupportedOperationException} saying why it cannot.
   */
  static Selection select(String requested, Supplier<Kernels> panama) {
    String request =
        requested == null || requested.isBlank()
            ? "auto"
            : requested.trim().toLowerCase(Locale.ROOT);
    String note = "";
    switch (request) {
      case "java":
        return new Selection(
            new JavaKernels(), Level.INFO, "tapegrad kernels: java (-D" + PROPERTY + "=java)");
      case "auto":
      case "panama":
        break;
      default:
        note = "unknown -D" + PROPERTY + "=" + requested + " (expected java, panama or auto); ";
        request = "auto";
    }
    try {
      Kernels kernels = panama.get();
      return new Selection(
          kernels,
          note.isEmpty() ? Level.INFO : Level.WARNING,
          "tapegrad kernels: " + note + kernels);
    } catch (UnsupportedOperationException | LinkageError e) {
      boolean expected = request.equals("auto") && note.isEmpty();
      return new Selection(
          new JavaKernels(),
          expected ? Level.INFO : Level.WARNING,
          "tapegrad kernels: java, " + note + "Vector API kernels unavailable: " + e.getMessage());
    }
  }

  /** Loads the Vector API kernels by name, or throws UnsupportedOperationException saying why. */
  private static Kernels loadPanama() {
    if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
      throw new UnsupportedOperationException(
          "module " + VECTOR_MODULE + " not present (start the JVM with --add-modules "
              + VECTOR_MODULE + ")");
    }
    String compiler = optimizingCompilerProblem();
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
      throw new UnsupportedOperationException(
          "cannot load " + PANAMA_CLASS + ": " + e, e);
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
          java.lang.management.ManagementFactory.getPlatformMXBean(
              com.sun.management.HotSpotDiagnosticMXBean.class);
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
