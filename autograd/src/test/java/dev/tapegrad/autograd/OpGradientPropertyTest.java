package dev.tapegrad.autograd;

import static dev.tapegrad.autograd.GradientCases.Domain.ANY;
import static dev.tapegrad.autograd.GradientCases.Domain.AWAY_FROM_ZERO;
import static dev.tapegrad.autograd.GradientCases.Domain.CLAMP_SAFE;
import static dev.tapegrad.autograd.GradientCases.Domain.DISTINCT;
import static dev.tapegrad.autograd.GradientCases.Domain.GRID;
import static dev.tapegrad.autograd.GradientCases.Domain.NONZERO;
import static dev.tapegrad.autograd.GradientCases.Domain.OFF_GRID;
import static dev.tapegrad.autograd.GradientCases.Domain.POSITIVE;
import static dev.tapegrad.autograd.GradientCases.assertGradientsMatch;
import static dev.tapegrad.autograd.GradientCases.spec;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.tapegrad.autograd.GradientCases.Case;
import dev.tapegrad.autograd.GradientCases.Check;
import dev.tapegrad.autograd.GradientCases.Domain;
import dev.tapegrad.autograd.GradientCases.Draw;
import dev.tapegrad.autograd.GradientCases.Spec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Gradient checks, first and second order, of the elementwise ops (unary, scalar forms, binary on
 * every broadcast pattern), the reductions and indexing, on random shapes and values, plus edge
 * cases on 0-d and empty tensors. Each family is one table of op specifications; see {@link
 * GradientCases} for the cases and value domains. Shape ops are in {@link
 * ShapeOpGradientPropertyTest}; matmul, softmax, losses and dropout in {@link
 * NeuralGradientPropertyTest}.
 */
class OpGradientPropertyTest {
  private static final int EXAMPLES = 20;

  // ---------------------------------------------------------------- unary elementwise

  private static Spec unary(String name, Domain domain, UnaryOperator<Tensor> op) {
    return spec(name, c -> new Check(in -> op.apply(in[0]), c.draw().tensor(c.shape, domain)));
  }

  private static final List<Spec> UNARY =
      List.of(
          unary("neg", ANY, Tensor::neg),
          unary("exp", ANY, Tensor::exp),
          unary("log", POSITIVE, Tensor::log),
          unary("sqrt", POSITIVE, Tensor::sqrt),
          unary("abs", AWAY_FROM_ZERO, Tensor::abs),
          unary("tanh", ANY, Tensor::tanh),
          unary("sigmoid", ANY, Tensor::sigmoid),
          unary("relu", AWAY_FROM_ZERO, Tensor::relu),
          unary("leakyRelu", AWAY_FROM_ZERO, x -> x.leakyRelu(0.2f)),
          unary("gelu", ANY, Tensor::gelu),
          unary("softplus", ANY, Tensor::softplus),
          unary("erf", ANY, Tensor::erf),
          unary("sin", ANY, Tensor::sin),
          unary("cos", ANY, Tensor::cos),
          unary("sign", AWAY_FROM_ZERO, Tensor::sign),
          unary("square", ANY, Tensor::square),
          unary("pow(2)", ANY, x -> x.pow(2f)),
          unary("pow(3)", ANY, x -> x.pow(3f)),
          unary("pow(0)", ANY, x -> x.pow(0f)),
          unary("pow(0.5)", POSITIVE, x -> x.pow(0.5f)),
          unary("pow(-1.5)", POSITIVE, x -> x.pow(-1.5f)),
          unary("clamp(-1, 1)", CLAMP_SAFE, x -> x.clamp(-1f, 1f)),
          unary("add(scalar)", ANY, x -> x.add(0.7f)),
          unary("sub(scalar)", ANY, x -> x.sub(0.7f)),
          unary("rsub(scalar)", ANY, x -> x.rsub(0.7f)),
          unary("mul(scalar)", ANY, x -> x.mul(-1.3f)),
          unary("div(scalar)", ANY, x -> x.div(-1.3f)),
          unary("rdiv(scalar)", NONZERO, x -> x.rdiv(1.3f)),
          unary("copy", ANY, Tensor::copy),
          unary("composition", ANY, x -> x.tanh().mul(x.sigmoid()).add(x.square().mul(0.1f))));

  @Test
  void unaryOps() {
    assertGradientsMatch("unary", UNARY, EXAMPLES);
  }

  @Test
  void unaryOpsOnZeroDimensionalTensors() {
    assertAll(
        "unary on 0-d",
        UNARY.stream()
            .map(
                spec ->
                    (Executable)
                        () -> {
                          for (long seed = 1; seed <= 5; seed++) {
                            GradientCases.check(spec, new Case(new int[0], seed));
                          }
                        }));
  }

  // ---------------------------------------------------------------- binary, every broadcast
  // pattern

  /** How the shapes of two operands relate, from a base shape s. */
  enum Broadcast {
    SAME,
    /** s and a 0-d scalar. */
    SCALAR,
    /** a 0-d scalar and s. */
    SCALAR_LEFT,
    /** s and its last dimension only: b lacks the leading dimensions. */
    TRAILING,
    /** s and s with every dimension after the first set to 1 ([1] for rank 1). */
    LEADING,
    /** s and s with its middle dimension (rank / 2) set to 1. */
    MIDDLE_ONE,
    /** s with its last dimension set to 1, and s without its first dimension, whose first is 1. */
    BOTH_SIDES;

    int[][] shapes(int[] s) {
      int r = s.length;
      return switch (this) {
        case SAME -> new int[][] {s, s};
        case SCALAR -> new int[][] {s, new int[0]};
        case SCALAR_LEFT -> new int[][] {new int[0], s};
        case TRAILING -> new int[][] {s, new int[] {s[r - 1]}};
        case LEADING -> {
          int[] b = new int[r];
          Arrays.fill(b, 1);
          b[0] = r == 1 ? 1 : s[0];
          yield new int[][] {s, b};
        }
        case MIDDLE_ONE -> new int[][] {s, Shapes.with(s, r / 2, 1)};
        case BOTH_SIDES -> {
          int[] a = Shapes.with(s, r - 1, 1);
          int[] b = Arrays.copyOfRange(s, 1, r);
          if (b.length == 0) {
            yield new int[][] {a, s};
          }
          b[0] = 1;
          yield new int[][] {a, b};
        }
        default -> throw new AssertionError(this);
      };
    }
  }

  /**
   * A binary op over one broadcast pattern. A quarter of the cases leave the first operand constant
   * and a quarter the second, so that each backward's skipping of inputs is exercised.
   */
  private static Spec binary(
      String name, Broadcast pattern, Domain da, Domain db, BinaryOperator<Tensor> op) {
    return spec(
        name + " " + pattern,
        c -> {
          Draw d = c.draw();
          int[][] shapes = pattern.shapes(c.shape);
          int which = d.between(0, 3);
          Tensor a = which == 0 ? d.constant(shapes[0], da) : d.tensor(shapes[0], da);
          Tensor b = which == 1 ? d.constant(shapes[1], db) : d.tensor(shapes[1], db);
          return new Check(in -> op.apply(in[0], in[1]), a, b);
        });
  }

  private static Spec where(Broadcast pattern) {
    return spec(
        "where " + pattern,
        c -> {
          Draw d = c.draw();
          int[][] shapes = pattern.shapes(c.shape);
          int[] out = Shapes.broadcast("where", shapes[0], shapes[1]);
          float[] mask = new float[Shapes.numel(out)];
          for (int i = 0; i < mask.length; i++) {
            mask[i] = d.bool() ? 1f : 0f;
          }
          Tensor m = Tensor.of(mask, out);
          return new Check(
              in -> Tensor.where(m, in[0], in[1]),
              d.tensor(shapes[0], ANY),
              d.tensor(shapes[1], ANY));
        });
  }

  private static List<Spec> binarySpecs() {
    List<Spec> specs = new ArrayList<>();
    for (Broadcast p : Broadcast.values()) {
      specs.add(binary("add", p, ANY, ANY, Tensor::add));
      specs.add(binary("sub", p, ANY, ANY, Tensor::sub));
      specs.add(binary("mul", p, ANY, ANY, Tensor::mul));
      specs.add(binary("div", p, ANY, NONZERO, Tensor::div));
      specs.add(binary("pow", p, POSITIVE, ANY, Tensor::pow));
      specs.add(binary("maximum", p, GRID, OFF_GRID, Tensor::maximum));
      specs.add(binary("minimum", p, GRID, OFF_GRID, Tensor::minimum));
      specs.add(where(p));
    }
    return specs;
  }

  @Test
  void binaryOpsOnEveryBroadcastPattern() {
    assertGradientsMatch("binary", binarySpecs(), EXAMPLES);
  }

  @Test
  void tensorUsedTwiceAccumulatesBothPaths() {
    assertGradientsMatch(
        "reuse",
        List.of(
            unary("x * x", ANY, x -> x.mul(x)),
            unary("x / x.exp()", ANY, x -> x.div(x.exp())),
            unary("maximum(x, x)", ANY, x -> x.maximum(x))),
        EXAMPLES);
  }

  // ---------------------------------------------------------------- reductions

  /** A reduction over one random dimension of an input drawn from {@code domain}. */
  private static Spec overDim(String name, Domain domain, DimOp op) {
    return spec(
        name,
        c -> {
          Draw d = c.draw();
          int dim = d.dim(c.rank());
          return new Check(in -> op.apply(in[0], dim), d.tensor(c.shape, domain));
        });
  }

  @FunctionalInterface
  private interface DimOp {
    Tensor apply(Tensor x, int dim);
  }

  /** var needs two elements along the reduced dimension when unbiased. */
  private static Spec variance(boolean unbiased, boolean keepDim) {
    return spec(
        "var(dim, unbiased=" + unbiased + ", keepDim=" + keepDim + ")",
        c -> {
          Draw d = c.draw();
          int dim = d.dim(c.rank());
          int[] shape = c.shape.clone();
          int wrapped = dim < 0 ? dim + shape.length : dim;
          shape[wrapped] = Math.max(shape[wrapped], 2);
          return new Check(in -> in[0].var(dim, unbiased, keepDim), d.tensor(shape, ANY));
        });
  }

  private static final List<Spec> REDUCTIONS =
      List.of(
          unary("sum()", ANY, Tensor::sum),
          overDim("sum(dim, keepDim)", ANY, (x, d) -> x.sum(d, true)),
          overDim("sum(dim)", ANY, (x, d) -> x.sum(d, false)),
          unary("mean()", ANY, Tensor::mean),
          overDim("mean(dim, keepDim)", ANY, (x, d) -> x.mean(d, true)),
          overDim("mean(dim)", ANY, (x, d) -> x.mean(d, false)),
          unary("max()", DISTINCT, Tensor::max),
          unary("min()", DISTINCT, Tensor::min),
          overDim("max(dim, keepDim)", DISTINCT, (x, d) -> x.max(d, true)),
          overDim("max(dim)", DISTINCT, (x, d) -> x.max(d, false)),
          overDim("min(dim, keepDim)", DISTINCT, (x, d) -> x.min(d, true)),
          overDim("min(dim)", DISTINCT, (x, d) -> x.min(d, false)),
          unary("logSumExp()", ANY, Tensor::logSumExp),
          overDim("logSumExp(dim, keepDim)", ANY, (x, d) -> x.logSumExp(d, true)),
          overDim("logSumExp(dim)", ANY, (x, d) -> x.logSumExp(d, false)),
          spec(
              "var()",
              c ->
                  new Check(
                      in -> in[0].var(),
                      c.draw().tensor(Shapes.numel(c.shape) == 1 ? new int[] {2} : c.shape, ANY))),
          variance(true, true),
          variance(true, false),
          variance(false, true),
          variance(false, false));

  @Test
  void reductions() {
    assertGradientsMatch("reductions", REDUCTIONS, EXAMPLES);
  }

  // ---------------------------------------------------------------- indexing

  private static final List<Spec> INDEXING =
      List.of(
          spec(
              "indexSelect",
              c -> {
                Draw d = c.draw();
                int dim = d.dim(c.rank());
                int size = c.shape[dim < 0 ? dim + c.rank() : dim];
                int[] indices = new int[d.between(1, 6)];
                for (int i = 0; i < indices.length; i++) {
                  indices[i] = d.between(0, size - 1); // repeats allowed: gradients add up
                }
                return new Check(in -> in[0].indexSelect(dim, indices), d.tensor(c.shape, ANY));
              }),
          spec(
              "gather",
              c -> {
                Draw d = c.draw();
                int dim = d.dim(c.rank());
                int wrapped = dim < 0 ? dim + c.rank() : dim;
                int[] indexShape = new int[c.rank()];
                for (int i = 0; i < indexShape.length; i++) {
                  indexShape[i] = i == wrapped ? d.between(1, 6) : d.between(1, c.shape[i]);
                }
                float[] index = new float[Shapes.numel(indexShape)];
                for (int i = 0; i < index.length; i++) {
                  index[i] = d.between(0, c.shape[wrapped] - 1);
                }
                Tensor idx = Tensor.of(index, indexShape);
                return new Check(in -> in[0].gather(dim, idx), d.tensor(c.shape, ANY));
              }));

  @Test
  void indexing() {
    assertGradientsMatch("indexing", INDEXING, EXAMPLES);
  }

  // ---------------------------------------------------------------- edge cases

  /** One fixed check: a name, a function and its inputs. */
  private static Spec fixed(String name, GradCheck.TensorFunction fn, Tensor... inputs) {
    return spec(name, c -> new Check(fn, inputs));
  }

  private static Tensor scalar() {
    return Tensor.scalar(0.7f).requiresGrad(true);
  }

  private static Tensor vector() {
    return Tensor.vector(0.3f, -0.8f, 1.1f).requiresGrad(true);
  }

  private static final List<Spec> EDGE_CASES =
      List.of(
          fixed("sum(0) of a 0-d tensor", in -> in[0].sum(0, false), scalar()),
          fixed("sum(-1, keepDim) of a 0-d tensor", in -> in[0].sum(-1, true), scalar()),
          fixed("mean(0) of a 0-d tensor", in -> in[0].mean(0, false), scalar()),
          fixed("max(0) of a 0-d tensor", in -> in[0].max(0, false), scalar()),
          fixed("max() of a 0-d tensor", in -> in[0].max(), scalar()),
          fixed("logSumExp(0, keepDim) of a 0-d tensor", in -> in[0].logSumExp(0, true), scalar()),
          fixed("var(0, biased) of a 0-d tensor", in -> in[0].var(0, false, false), scalar()),
          fixed("softmax(0) of a 0-d tensor", in -> in[0].softmax(0), scalar()),
          fixed("logSoftmax(0) of a 0-d tensor", in -> in[0].logSoftmax(0), scalar()),
          fixed("expand a 0-d tensor", in -> in[0].expand(2, 3), scalar()),
          fixed("unsqueeze and squeeze a 0-d tensor", in -> in[0].unsqueeze(0).squeeze(), scalar()),
          fixed("permute() of a 0-d tensor", in -> in[0].permute(), scalar()),
          fixed(
              "stack 0-d tensors", in -> Tensor.stack(List.of(in[0], in[0].mul(2f)), 0), scalar()),
          fixed("sumToShape to 0-d", in -> in[0].expand(3, 2).sumToShape(), scalar()),
          fixed("empty slice", in -> in[0].slice(0, 2, 1, 1), vector()),
          fixed("empty narrow, summed", in -> in[0].narrow(0, 1, 0).sum(), vector()),
          fixed("indexSelect of no indices", in -> in[0].indexSelect(0), vector()),
          fixed(
              "split with empty pieces",
              in -> Tensor.cat(in[0].split(new int[] {0, 3, 0}, 0), 0).mul(in[0]),
              vector()),
          fixed(
              "logSumExp with a -inf entry",
              in -> in[0].add(Tensor.vector(Float.NEGATIVE_INFINITY, 0f, 0f)).logSumExp(),
              vector()),
          fixed(
              "softmax with a -inf entry",
              in -> in[0].add(Tensor.vector(Float.NEGATIVE_INFINITY, 0f, 0f)).softmax(0),
              vector()),
          fixed(
              "pow with a zero base, gradient to the base",
              in -> in[0].pow(Tensor.vector(2f, 0f, 1.5f)),
              Tensor.vector(0f, 0f, 2f).requiresGrad(true)),
          fixed(
              "pow with a zero base, gradient to the exponent",
              in -> Tensor.vector(0f, 2f).pow(in[0]),
              Tensor.vector(2f, 1.5f).requiresGrad(true)),
          fixed("leakyRelu with slope 0", in -> in[0].leakyRelu(0f), vector()),
          fixed("leakyRelu with a negative slope", in -> in[0].leakyRelu(-0.5f), vector()),
          fixed("divide by a sum of the same tensor", in -> in[0].div(in[0].sum()), vector()),
          fixed(
              "clamp with the bounds away from the values",
              in -> in[0].clamp(-0.7f, 1.0f),
              vector()),
          fixed(
              "third derivative through a gradient",
              in ->
                  Autograd.grad(in[0].pow(4f).mul(in[1].sin()).sum(), List.of(in[0], in[1]), true)
                      .get(0)
                      .mul(in[1]),
              vector(),
              Tensor.vector(0.5f, 1.5f, -0.2f).requiresGrad(true)),
          fixed(
              "gradient with respect to an intermediate",
              in -> {
                Tensor h = in[0].tanh();
                return Autograd.grad(h.square().sum(), List.of(h), true).get(0).mul(in[0]);
              },
              vector()),
          fixed(
              "two gradients of one retained graph",
              in -> {
                Tensor y = in[0].exp().sum();
                Tensor first = Autograd.grad(y, List.of(in[0]), true).get(0);
                return first.add(Autograd.grad(y, List.of(in[0]), true).get(0).mul(2f));
              },
              vector()));

  @Test
  void powAtAZeroBaseMatchesPyTorch() {
    // torch 1.13: a = [0, 0, 0, 2], b = [2, 0, -1, 1.5]; (a ** b).sum().backward()
    Tensor a = Tensor.vector(0f, 0f, 0f, 2f).requiresGrad(true);
    Tensor b = Tensor.vector(2f, 0f, -1f, 1.5f).requiresGrad(true);
    a.pow(b).sum().backward();
    assertArrayEquals(
        new float[] {0f, 0f, Float.NEGATIVE_INFINITY, 2.1213203f}, a.grad().toFloatArray(), 1e-6f);
    assertArrayEquals(
        new float[] {0f, 0f, Float.NEGATIVE_INFINITY, 1.9605163f}, b.grad().toFloatArray(), 1e-6f);
  }

  @Test
  void edgeCases() {
    assertGradientsMatch("edge cases", EDGE_CASES, 1);
  }
}
