package dev.tapegrad.autograd;

import dev.tapegrad.autograd.kernel.BinaryOp;
import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.KernelThreads;
import dev.tapegrad.autograd.kernel.Kernels;
import dev.tapegrad.autograd.kernel.UnaryOp;

/**
 * The unary elementwise family: one table row per function, naming its kernel and its derivative,
 * plus the ops that take a scalar parameter.
 *
 * <p>Derivatives are written with differentiable tensor ops, in terms of the input {@code x}, the
 * result {@code y}, or both; each row says which it needs so the backward captures only that (the
 * backward of tanh holds its result, not its input).
 */
final class Pointwise {
  private Pointwise() {}

  /** Differentiable unary functions and their derivatives. */
  enum Fn {
    NEG("neg", UnaryOp.NEG, false, false) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.neg(); // d(-x) = -1
      }
    },
    EXP("exp", UnaryOp.EXP, false, true) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.mul(y); // d exp(x) = exp(x)
      }
    },
    LOG("log", UnaryOp.LOG, true, false) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.div(x); // d log(x) = 1 / x
      }
    },
    SQRT("sqrt", UnaryOp.SQRT, false, true) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.div(y.mul(2f)); // d sqrt(x) = 1 / (2 sqrt(x))
      }
    },
    ABS("abs", UnaryOp.ABS, true, false) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.mul(x.sign()); // d |x| = sign(x), 0 at 0
      }
    },
    TANH("tanh", UnaryOp.TANH, false, true) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.mul(y.square().rsub(1f)); // d tanh(x) = 1 - y^2
      }

      @Override
      float[] backwardValues(Kernels k, float[] g, float[] x, float[] y, int n) {
        float[] t = new float[n];
        k.binary(BinaryOp.MUL, y, 0, 1, y, 0, 1, t, 0, n);
        k.scalarOp(BinaryOp.SUB, t, 0, 1f, true, t, 0, n);
        k.binary(BinaryOp.MUL, g, 0, 1, t, 0, 1, t, 0, n);
        return t;
      }
    },
    SIGMOID("sigmoid", UnaryOp.SIGMOID, false, true) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.mul(y.mul(y.rsub(1f))); // d sigmoid(x) = y (1 - y)
      }

      @Override
      float[] backwardValues(Kernels k, float[] g, float[] x, float[] y, int n) {
        float[] t = new float[n];
        k.scalarOp(BinaryOp.SUB, y, 0, 1f, true, t, 0, n);
        k.binary(BinaryOp.MUL, y, 0, 1, t, 0, 1, t, 0, n);
        k.binary(BinaryOp.MUL, g, 0, 1, t, 0, 1, t, 0, n);
        return t;
      }
    },
    RELU("relu", UnaryOp.RELU, true, false) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return Binary.masked(g, constant(UnaryOp.POSITIVE, x)); // d relu(x) = [x > 0]
      }
    },
    GELU("gelu", UnaryOp.GELU, true, false) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        // d x Phi(x) = Phi(x) + x phi(x)
        return g.mul(apply(NORMAL_CDF, x).add(x.mul(apply(NORMAL_PDF, x))));
      }
    },
    SOFTPLUS("softplus", UnaryOp.SOFTPLUS, true, false) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.mul(x.sigmoid()); // d log(1 + e^x) = sigmoid(x)
      }
    },
    ERF("erf", UnaryOp.ERF, true, false) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        // d erf(x) = 2 / sqrt(pi) e^(-x^2)
        return g.mul(x.square().neg().exp().mul((float) (2 / Math.sqrt(Math.PI))));
      }
    },
    SIN("sin", UnaryOp.SIN, true, false) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.mul(x.cos());
      }
    },
    COS("cos", UnaryOp.COS, true, false) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.mul(x.sin()).neg();
      }
    },
    NORMAL_CDF("normalCdf", UnaryOp.NORMAL_CDF, true, false) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.mul(apply(NORMAL_PDF, x)); // d Phi = phi
      }
    },
    NORMAL_PDF("normalPdf", UnaryOp.NORMAL_PDF, true, true) {
      @Override
      Tensor backward(Tensor g, Tensor x, Tensor y) {
        return g.mul(x.mul(y)).neg(); // d phi(x) = -x phi(x)
      }
    };

    final String opName;
    final UnaryOp kernel;
    final boolean usesInput;
    final boolean usesResult;

    Fn(String opName, UnaryOp kernel, boolean usesInput, boolean usesResult) {
      this.opName = opName;
      this.kernel = kernel;
      this.usesInput = usesInput;
      this.usesResult = usesResult;
    }

    abstract Tensor backward(Tensor g, Tensor x, Tensor y);

    /**
     * The values {@link #backward} computes, when nothing is recorded: the same kernel operations
     * in the same order (so the same bits) on one buffer, without the intermediate tensors and
     * their tape bookkeeping; null where there is no such shortcut.
     */
    float[] backwardValues(Kernels k, float[] g, float[] x, float[] y, int n) {
      return null;
    }
  }

  /** {@code out = op(x)} on the kernels, split between the kernel threads when it is large. */
  static void unary(UnaryOp op, float[] x, float[] out, int n) {
    Kernels k = KernelProvider.get();
    if (n < KernelThreads.ELEMENTWISE_PARALLEL) {
      k.unary(op, x, 0, out, 0, n);
    } else {
      KernelThreads.elementwise(n, (from, to) -> k.unary(op, x, from, out, from, to - from));
    }
  }

  static Tensor apply(Fn fn, Tensor x) {
    Tensor y = new Tensor(new float[x.numel()], x.shapeRef());
    unary(fn.kernel, x.data, y.data, x.numel());
    Tensor savedX = fn.usesInput ? x : null;
    // y is saved as recorded, so under createGraph the derivative sees y's own graph.
    Tensor savedY = fn.usesResult ? y : null;
    return Node.record(
        fn.opName,
        y,
        (g, needs) -> {
          if (!Autograd.isGradEnabled()) {
            float[] values =
                fn.backwardValues(
                    KernelProvider.get(),
                    g.data,
                    savedX == null ? null : savedX.data,
                    savedY == null ? null : savedY.data,
                    g.numel());
            if (values != null) {
              return new Tensor[] {new Tensor(values, g.shapeRef())};
            }
          }
          return new Tensor[] {fn.backward(g, savedX, savedY)};
        },
        x);
  }

  /** A non-differentiable elementwise function (masks, sign). */
  static Tensor constant(UnaryOp op, Tensor x) {
    Tensor y = new Tensor(new float[x.numel()], x.shapeRef());
    unary(op, x.data, y.data, x.numel());
    return y;
  }

  /** {@code x op s}, or {@code s op x} when {@code scalarFirst}, through the kernels. */
  private static float[] scalarOp(BinaryOp op, Tensor x, float s, boolean scalarFirst) {
    float[] out = new float[x.numel()];
    float[] in = x.data;
    int n = out.length;
    Kernels k = KernelProvider.get();
    if (n < KernelThreads.ELEMENTWISE_PARALLEL) {
      k.scalarOp(op, in, 0, s, scalarFirst, out, 0, n);
    } else {
      KernelThreads.elementwise(
          n, (from, to) -> k.scalarOp(op, in, from, s, scalarFirst, out, from, to - from));
    }
    return out;
  }

  static Tensor addScalar(Tensor x, float s) {
    float[] out = scalarOp(BinaryOp.ADD, x, s, false);
    if (Trace.active()) Trace.next("scalar", s);
    return Node.record("add", new Tensor(out, x.shapeRef()), (g, needs) -> new Tensor[] {g}, x);
  }

  static Tensor mulScalar(Tensor x, float s) {
    float[] out = scalarOp(BinaryOp.MUL, x, s, false);
    Profiler.countMultiplyAdds("mul", out.length);
    if (Trace.active()) Trace.next("scalar", s);
    return Node.record(
        "mul", new Tensor(out, x.shapeRef()), (g, needs) -> new Tensor[] {g.mul(s)}, x);
  }

  /** True division, not multiplication by {@code 1 / s}, which is off by an ulp half the time. */
  static Tensor divScalar(Tensor x, float s) {
    float[] out = scalarOp(BinaryOp.DIV, x, s, false);
    if (Trace.active()) Trace.next("scalar", s);
    return Node.record(
        "div", new Tensor(out, x.shapeRef()), (g, needs) -> new Tensor[] {g.div(s)}, x);
  }

  static Tensor rsub(Tensor x, float s) {
    float[] out = scalarOp(BinaryOp.SUB, x, s, true);
    if (Trace.active()) Trace.next("scalar", s);
    return Node.record(
        "rsub", new Tensor(out, x.shapeRef()), (g, needs) -> new Tensor[] {g.neg()}, x);
  }

  static Tensor rdiv(Tensor x, float s) {
    float[] out = scalarOp(BinaryOp.DIV, x, s, true);
    // d (s / x) = -s / x^2
    if (Trace.active()) Trace.next("scalar", s);
    return Node.record(
        "rdiv",
        new Tensor(out, x.shapeRef()),
        (g, needs) -> new Tensor[] {g.mul(x.square().rdiv(-s))},
        x);
  }

  static Tensor pow(Tensor x, float p) {
    float[] out = scalarOp(BinaryOp.POW, x, p, false);
    // d x^p = p x^(p - 1)
    if (Trace.active()) Trace.next("scalar", p);
    return Node.record(
        "pow",
        new Tensor(out, x.shapeRef()),
        (g, needs) -> new Tensor[] {p == 0 ? g.mul(0f) : g.mul(x.pow(p - 1).mul(p))},
        x);
  }

  static Tensor leakyRelu(Tensor x, float slope) {
    if (!Float.isFinite(slope)) {
      throw new IllegalArgumentException("leakyRelu: negative slope must be finite, got " + slope);
    }
    float[] out = new float[x.numel()];
    float[] mask = new float[x.numel()];
    float[] in = x.data;
    for (int i = 0; i < out.length; i++) {
      float v = in[i];
      mask[i] = v > 0 ? 1f : slope;
      out[i] = v > 0 ? v : v * slope;
    }
    Tensor m = new Tensor(mask, x.shapeRef());
    if (Trace.active()) Trace.next("slope", slope);
    return Node.record(
        "leakyRelu", new Tensor(out, x.shapeRef()), (g, needs) -> new Tensor[] {g.mul(m)}, x);
  }

  static Tensor clamp(Tensor x, float min, float max) {
    if (min > max || min != min || max != max) {
      // a NaN bound would silently turn every element into NaN
      throw new IllegalArgumentException(
          String.format(
              min > max
                  ? "clamp: min %s is greater than max %s"
                  : "clamp: bounds must not be NaN, got min %s and max %s",
              min,
              max));
    }
    float[] out = new float[x.numel()];
    float[] mask = new float[x.numel()];
    float[] in = x.data;
    for (int i = 0; i < out.length; i++) {
      float v = in[i];
      mask[i] = v >= min && v <= max ? 1f : 0f;
      out[i] = v != v ? v : Math.min(max, Math.max(min, v));
    }
    Tensor m = new Tensor(mask, x.shapeRef());
    if (Trace.active()) Trace.next("min", min, "max", max);
    return Node.record(
        "clamp",
        new Tensor(out, x.shapeRef()),
        (g, needs) -> new Tensor[] {Binary.masked(g, m)},
        x);
  }
}
