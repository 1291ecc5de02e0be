/**
 * Internal: the hot loops of tapegrad behind one small interface, {@link
 * dev.tapegrad.autograd.kernel.Kernels}, so a faster implementation can replace the portable one
 * without touching any op. {@link dev.tapegrad.autograd.kernel.JavaKernels} is the portable
 * reference; the Vector API kernels ({@code PanamaKernels}, {@code PanamaGemm}) are the fast path
 * when the JVM runs with {@code --add-modules jdk.incubator.vector}; {@link
 * dev.tapegrad.autograd.kernel.KernelProvider} chooses. Large products and large elementwise work
 * are split between tapegrad's own daemon threads, {@link
 * dev.tapegrad.autograd.kernel.KernelThreads}: their number is the system property {@code
 * tapegrad.threads} (default: the processors) or {@code KernelThreads.setThreads}, and results are
 * bit-identical whatever it is. Not part of the public API; it may change without notice.
 */
package dev.tapegrad.autograd.kernel;
