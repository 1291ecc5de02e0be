/**
 * Internal: the hot loops of tapegrad behind one small interface, {@link
 * dev.tapegrad.autograd.kernel.Kernels}, so a faster implementation can replace the portable one
 * without touching any op. Not part of the public API; it may change without notice.
 */
package dev.tapegrad.autograd.kernel;
