package dev.tapegrad.autograd.kernel;

/** Prints the name of the kernels a fresh JVM chose; {@link KernelProviderTest} forks it. */
final class KernelProviderProbe {
  private KernelProviderProbe() {}

  public static void main(String[] args) {
    System.out.println("kernels=" + KernelProvider.get().name());
  }
}
