package dev.tapegrad.autograd;

import static dev.tapegrad.autograd.GradientCases.Domain.ANY;
import static dev.tapegrad.autograd.GradientCases.assertGradientsMatch;
import static dev.tapegrad.autograd.GradientCases.spec;

import dev.tapegrad.autograd.GradientCases.Case;
import dev.tapegrad.autograd.GradientCases.Check;
import dev.tapegrad.autograd.GradientCases.Draw;
import dev.tapegrad.autograd.GradientCases.Spec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Gradient checks, first and second order, of the shape ops on random shapes: reshape, view,
 * flatten, transpose, t, permute, squeeze, unsqueeze, expand, narrow, slice, cat, stack, split,
 * chunk and sumToShape. One table drives them all; see {@link GradientCases}.
 */
class ShapeOpGradientPropertyTest {
  private static final int EXAMPLES = 20;

  /** A shape op on one input of the case's shape, with its arguments drawn per case. */
  private static Spec shaped(String name, BiFunction<Case, Draw, GradCheck.TensorFunction> op) {
    return spec(
        name,
        c -> {
          Draw d = c.draw();
          GradCheck.TensorFunction fn = op.apply(c, d);
          return new Check(fn, d.tensor(c.shape, ANY));
        });
  }

  private static int wrap(int dim, int rank) {
    return dim < 0 ? dim + rank : dim;
  }

  /** Pieces of a split, each scaled by its position so that a misplaced piece shows. */
  private static Tensor joined(List<Tensor> parts) {
    List<Tensor> flat = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      flat.add(parts.get(i).reshape(-1).mul(i + 1f));
    }
    return Tensor.cat(flat, 0);
  }

  private static final List<Spec> SHAPE_OPS =
      List.of(
          shaped(
              "reshape(reversed)",
              (c, d) -> {
                int[] reversed = new int[c.rank()];
                for (int i = 0; i < reversed.length; i++) {
                  reversed[i] = c.shape[c.rank() - 1 - i];
                }
                return in -> in[0].reshape(reversed);
              }),
          shaped("reshape(last, -1)", (c, d) -> in -> in[0].reshape(c.shape[c.rank() - 1], -1)),
          shaped("view(-1, 1)", (c, d) -> in -> in[0].view(-1, 1)),
          shaped("flatten", (c, d) -> in -> in[0].flatten()),
          shaped(
              "transpose",
              (c, d) -> {
                int a = d.dim(c.rank());
                int b = d.dim(c.rank());
                return in -> in[0].transpose(a, b);
              }),
          shaped(
              "t", (c, d) -> in -> c.rank() <= 2 ? in[0].t() : in[0].reshape(c.shape[0], -1).t()),
          shaped(
              "permute",
              (c, d) -> {
                int[] perm = d.permutation(c.rank());
                return in -> in[0].permute(perm);
              }),
          spec(
              "squeeze()",
              c -> {
                // insert a dimension of size 1 somewhere, so that squeeze has something to remove
                Draw d = c.draw();
                int[] shape = Shapes.insert(c.shape, d.between(0, c.rank()), 1);
                return new Check(in -> in[0].squeeze(), d.tensor(shape, ANY));
              }),
          spec(
              "squeeze(dim)",
              c -> {
                Draw d = c.draw();
                int at = d.between(0, c.rank());
                int[] shape = Shapes.insert(c.shape, at, 1);
                // half the time a dimension that is not 1, which squeeze(dim) leaves alone
                int dim = d.bool() ? at : d.dim(shape.length);
                return new Check(in -> in[0].squeeze(dim), d.tensor(shape, ANY));
              }),
          shaped(
              "unsqueeze",
              (c, d) -> {
                int dim = d.between(-c.rank() - 1, c.rank());
                return in -> in[0].unsqueeze(dim);
              }),
          spec(
              "expand",
              c -> {
                // sizes of 1 repeat, -1 keeps a size, and a new leading dimension may be added
                Draw d = c.draw();
                int[] shape = c.shape.clone();
                int[] target = new int[c.rank() + 1];
                target[0] = d.between(1, 3);
                for (int i = 0; i < shape.length; i++) {
                  if (d.bool()) {
                    shape[i] = 1;
                    target[i + 1] = c.shape[i];
                  } else {
                    target[i + 1] = d.bool() ? -1 : shape[i];
                  }
                }
                int[] to = d.bool() ? target : Arrays.copyOfRange(target, 1, target.length);
                return new Check(in -> in[0].expand(to), d.tensor(shape, ANY));
              }),
          shaped(
              "narrow",
              (c, d) -> {
                int dim = d.dim(c.rank());
                int size = c.shape[wrap(dim, c.rank())];
                int start = d.between(0, size - 1);
                int length = d.between(1, size - start);
                return in -> in[0].narrow(dim, start, length);
              }),
          shaped(
              "slice",
              (c, d) -> {
                int dim = d.dim(c.rank());
                int size = c.shape[wrap(dim, c.rank())];
                int start = d.between(-size, size - 1);
                int end = d.bool() ? size : d.between(-size, size);
                int step = d.between(1, 3);
                return in -> in[0].slice(dim, start, end, step);
              }),
          spec(
              "cat",
              c -> {
                Draw d = c.draw();
                int dim = d.dim(c.rank());
                int count = d.between(2, 3);
                Tensor[] parts = new Tensor[count];
                for (int i = 0; i < count; i++) {
                  parts[i] =
                      d.tensor(Shapes.with(c.shape, wrap(dim, c.rank()), d.between(1, 3)), ANY);
                }
                if (d.bool()) {
                  parts[0] = parts[0].detach(); // a constant piece among differentiable ones
                }
                return new Check(in -> Tensor.cat(List.of(in), dim), parts);
              }),
          spec(
              "stack",
              c -> {
                Draw d = c.draw();
                int dim = d.between(-c.rank() - 1, c.rank());
                int count = d.between(2, 3);
                Tensor[] parts = new Tensor[count];
                for (int i = 0; i < count; i++) {
                  parts[i] = d.tensor(c.shape, ANY);
                }
                return new Check(in -> Tensor.stack(List.of(in), dim), parts);
              }),
          shaped(
              "split(size)",
              (c, d) -> {
                int dim = d.dim(c.rank());
                int size = d.between(1, c.shape[wrap(dim, c.rank())]);
                return in -> joined(in[0].split(size, dim));
              }),
          shaped(
              "split(sizes)",
              (c, d) -> {
                int dim = d.dim(c.rank());
                int total = c.shape[wrap(dim, c.rank())];
                List<Integer> sizes = new ArrayList<>();
                for (int left = total; left > 0; ) {
                  int s = d.between(1, left);
                  sizes.add(s);
                  left -= s;
                }
                int[] array = sizes.stream().mapToInt(Integer::intValue).toArray();
                return in -> joined(in[0].split(array, dim));
              }),
          shaped(
              "chunk",
              (c, d) -> {
                int dim = d.dim(c.rank());
                int chunks = d.between(1, 4);
                return in -> joined(in[0].chunk(chunks, dim));
              }),
          spec(
              "sumToShape",
              c -> {
                // the input is a broadcast of the target: a leading dimension and some sizes of 1
                Draw d = c.draw();
                int[] target = c.shape.clone();
                for (int i = 0; i < target.length; i++) {
                  if (d.bool()) {
                    target[i] = 1;
                  }
                }
                int[] shape = Shapes.insert(c.shape, 0, d.between(1, 3));
                return new Check(in -> in[0].sumToShape(target), d.tensor(shape, ANY));
              }),
          shaped(
              "chain",
              (c, d) -> in -> in[0].unsqueeze(0).transpose(0, -1).reshape(-1).narrow(0, 0, 1)));

  @Test
  void shapeOps() {
    assertGradientsMatch("shape", SHAPE_OPS, EXAMPLES);
  }
}
