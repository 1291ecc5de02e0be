package dev.tapegrad.autograd;

import java.util.Locale;

/** Formats tensors like PyTorch: nested brackets, four decimals, long dimensions elided. */
final class TensorFormat {
  private static final int EDGE = 3;
  private static final int FULL = 6;

  private TensorFormat() {}

  static String format(Tensor t) {
    StringBuilder sb = new StringBuilder("tensor(");
    int[] shape = t.shapeRef();
    if (shape.length == 0) {
      sb.append(number(t.data[0]));
    } else {
      append(sb, t, 0, 0, 7);
    }
    sb.append(", shape=").append(Shapes.format(shape));
    if (t.opName() != null) {
      sb.append(", op=").append(t.opName());
    } else if (t.requiresGrad()) {
      sb.append(", requiresGrad=true");
    }
    return sb.append(')').toString();
  }

  private static void append(StringBuilder sb, Tensor t, int dim, int offset, int indent) {
    int[] shape = t.shapeRef();
    int n = shape[dim];
    int stride = Shapes.inner(shape, dim);
    sb.append('[');
    for (int i = 0; i < n; i++) {
      if (n > FULL && i == EDGE) {
        sb.append(dim == shape.length - 1 ? "..., " : "...,\n" + " ".repeat(indent + 1));
        i = n - EDGE;
      }
      if (dim == shape.length - 1) {
        sb.append(number(t.data[offset + i]));
      } else {
        append(sb, t, dim + 1, offset + i * stride, indent + 1);
      }
      if (i < n - 1) {
        sb.append(dim == shape.length - 1 ? ", " : ",\n" + " ".repeat(indent + 1));
      }
    }
    sb.append(']');
  }

  private static String number(float v) {
    if (Float.isNaN(v) || Float.isInfinite(v)) {
      return Float.toString(v);
    }
    return String.format(
        Locale.ROOT, Math.abs(v) >= 1e5 || (v != 0 && Math.abs(v) < 1e-4) ? "%.4e" : "%.4f", v);
  }
}
