package dev.tapegrad.autograd.kernel;

/** Elementwise functions of one argument that kernels evaluate. */
public enum UnaryOp {
  NEG,
  EXP,
  LOG,
  SQRT,
  ABS,
  SIGN,
  TANH,
  SIGMOID,
  RELU,
  ERF,
  SIN,
  COS,
  /** x > 0 ? 1 : 0, the derivative mask of relu. */
  POSITIVE,
  /** exp(-x^2 / 2) / sqrt(2 pi), the standard normal density. */
  NORMAL_PDF,
  /** Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal distribution. */
  NORMAL_CDF,
  GELU,
  SOFTPLUS
}
