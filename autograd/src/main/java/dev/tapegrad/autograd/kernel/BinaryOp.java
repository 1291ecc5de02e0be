package dev.tapegrad.autograd.kernel;

/** Elementwise functions of two arguments (tensor with tensor, or tensor with scalar). */
public enum BinaryOp {
  ADD,
  SUB,
  MUL,
  DIV,
  POW,
  MAX,
  MIN,
  /** a > b ? 1 : 0 */
  GT,
  /** a >= b ? 1 : 0 */
  GE,
  /** a == b ? 1 : 0 */
  EQ
}
