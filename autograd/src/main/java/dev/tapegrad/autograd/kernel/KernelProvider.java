package dev.tapegrad.autograd.kernel;

/**
 * Chooses the kernels every op runs on, once, at class initialisation.
 *
 * <p>The portable {@link JavaKernels} is the default and the reference. A faster provider can be
 * installed with {@link #set} (tests use this to compare providers).
 */
public final class KernelProvider {
  private static volatile Kernels current = new JavaKernels();

  private KernelProvider() {}

  /** The kernels in use. */
  public static Kernels get() {
    return current;
  }

  /** Replaces the kernels in use; returns the previous ones so a caller can restore them. */
  public static Kernels set(Kernels kernels) {
    Kernels previous = current;
    current = java.util.Objects.requireNonNull(kernels);
    return previous;
  }
}
