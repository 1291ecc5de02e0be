package dev.tapegrad.autograd;

import static dev.tapegrad.autograd.Functional.binaryCrossEntropyWithLogits;
import static dev.tapegrad.autograd.Functional.crossEntropy;
import static dev.tapegrad.autograd.Functional.mseLoss;
import static dev.tapegrad.autograd.Functional.nllLoss;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tapegrad side of the PyTorch parity fixtures: for each case of {@code
 * tools/fixtures_autograd.py}, the same expression written with tapegrad's ops. The Python function
 * of the same name is the reference; keep the two in the same order.
 */
final class TorchParityCases {
  private TorchParityCases() {}

  /** A case's expression, built from its inputs (fresh leaves on every call). */
  @FunctionalInterface
  interface Expression {
    Tensor build(TorchParityTest.Inputs in);
  }

  /** Python {@code x[start:]} or {@code x[:end]} leaves the bound open. */
  private static final int END = Integer.MAX_VALUE;

  static final Map<String, Expression> CASES;

  static {
    Map<String, Expression> c = new LinkedHashMap<>();

    // ---------------------------------------------------------------- broadcasting
    c.put(
        "broadcast_rank_extend",
        in -> in.get("a").mul(in.get("b")).add(in.get("c")).sub(in.get("s")));
    c.put(
        "broadcast_outer",
        in -> in.get("a").sub(in.get("b")).mul(in.get("c")).div(in.get("e").exp().add(1f)));
    c.put(
        "broadcast_both_sides_reused",
        in -> {
          Tensor a = in.get("a");
          return a.mul(in.get("b")).add(a.sub(in.get("c")).square());
        });
    c.put(
        "broadcast_pow_rdiv",
        in -> {
          Tensor base = in.get("base");
          Tensor e = in.get("e");
          return base.pow(e).sub(base.add(e.square()).rdiv(2f)).add(base.rsub(1f).mul(0.5f));
        });
    c.put(
        "broadcast_maximum_minimum",
        in -> {
          Tensor a = in.get("a");
          return a.maximum(in.get("b")).mul(a.minimum(in.get("c")));
        });
    c.put(
        "broadcast_where",
        in -> Tensor.where(in.get("mask"), in.get("a"), in.get("b")).mul(in.get("c")));
    c.put(
        "where_from_comparison",
        in -> {
          Tensor x = in.get("x");
          return Tensor.where(x.gt(0f), x.exp().sub(1f), x.mul(0.5f)).mul(in.get("y"));
        });

    // ---------------------------------------------------------------- softmax and losses
    c.put("softmax_middle_dim", in -> in.get("x").softmax(1).mul(in.get("w")));
    c.put("log_softmax_last_dim", in -> in.get("x").logSoftmax(-1));
    c.put("softmax_dim0_matmul", in -> in.get("x").softmax(0).t().matmul(in.get("y")));
    c.put("cross_entropy_mean", in -> crossEntropy(in.get("logits"), in.ints("targets")));
    c.put(
        "cross_entropy_ignore_smoothing",
        in -> crossEntropy(in.get("logits"), in.ints("targets"), Reduction.MEAN, -1, 0.1f));
    c.put(
        "cross_entropy_sum_smoothing_ignore_class",
        in -> crossEntropy(in.get("logits"), in.ints("targets"), Reduction.SUM, 3, 0.25f));
    c.put(
        "cross_entropy_none",
        in -> crossEntropy(in.get("logits"), in.ints("targets"), Reduction.NONE, -100, 0f));
    c.put("cross_entropy_unbatched", in -> crossEntropy(in.get("logits"), in.ints("target")));
    c.put(
        "nll_loss_ignore_mean",
        in -> nllLoss(in.get("x").logSoftmax(1), in.ints("targets"), Reduction.MEAN, 1));
    c.put(
        "mse_losses",
        in -> {
          Tensor a = in.get("a");
          Tensor t = in.get("t");
          return mseLoss(a, t).add(mseLoss(a.tanh(), t, Reduction.SUM).mul(0.1f));
        });
    c.put("mse_none", in -> mseLoss(in.get("a"), in.get("t"), Reduction.NONE));
    c.put(
        "bce_with_logits_mean",
        in -> binaryCrossEntropyWithLogits(in.get("x").mul(3f), in.get("t")));
    c.put(
        "bce_with_logits_none_sum",
        in -> {
          Tensor x = in.get("x");
          Tensor t = in.get("t");
          return binaryCrossEntropyWithLogits(x, t, Reduction.NONE)
              .mul(in.get("w"))
              .add(binaryCrossEntropyWithLogits(x, t, Reduction.SUM));
        });

    // ---------------------------------------------------------------- matmul
    c.put(
        "matmul_1d_2d_1d",
        in -> in.get("v").matmul(in.get("M")).matmul(in.get("N").matmul(in.get("u"))));
    c.put(
        "matmul_chain_2d",
        in -> {
          Tensor a = in.get("A");
          return a.matmul(in.get("B")).matmul(in.get("C")).add(a.matmul(in.get("D").t()));
        });
    c.put("matmul_batched_3d", in -> in.get("X").matmul(in.get("Y")));
    c.put("matmul_broadcast_batch", in -> in.get("X").matmul(in.get("Y")));
    c.put(
        "matmul_3d_2d_1d",
        in -> {
          Tensor x = in.get("X");
          return x.matmul(in.get("W"))
              .matmul(in.get("v"))
              .add(in.get("u").matmul(x).matmul(in.get("z")).unsqueeze(1));
        });
    c.put("linear_layer", in -> in.get("x").matmul(in.get("W").t()).add(in.get("b")));

    // ---------------------------------------------------------------- reductions
    c.put(
        "sum_mean_keepdim",
        in -> {
          Tensor x = in.get("x");
          return x.sum(1, true).mul(x.mean(-1, true)).add(x.sum(0, false));
        });
    c.put(
        "mean_all_sum_all",
        in -> {
          Tensor x = in.get("x");
          Tensor y = in.get("y");
          return x.mean().mul(y.sum()).add(x.mul(y).sum());
        });
    c.put(
        "max_min_dim_keepdim",
        in -> {
          Tensor x = in.get("x");
          return x.max(1, true).sub(x.min(0, true));
        });
    c.put(
        "max_min_dim_3d",
        in -> {
          Tensor y = in.get("y");
          return y.max(-1, false).mul(y.min(1, false).sum());
        });
    c.put(
        "max_min_all",
        in -> {
          Tensor x = in.get("x");
          return x.max().sub(x.min().mul(2f)).add(x.abs().mean());
        });
    c.put(
        "logsumexp_dims",
        in -> {
          Tensor x = in.get("x");
          return x.logSumExp(1, false).add(x.logSumExp(0, true).sum());
        });
    c.put("logsumexp_all", in -> in.get("x").logSumExp());
    c.put(
        "var_dims",
        in -> {
          Tensor x = in.get("x");
          return x.var(1, true, true).mul(x.var(0, false, true));
        });
    c.put(
        "var_all",
        in -> {
          Tensor x = in.get("x");
          return x.var().add(x.mean().mul(x.flatten().var(0, false, false)));
        });
    c.put(
        "ties_reductions",
        in -> {
          Tensor x = in.get("x");
          return x.max()
              .mul(2f)
              .add(x.min().mul(3f))
              .add(x.max(1, false).mul(in.get("w")).sum())
              .add(x.min(0, false).sum());
        });
    c.put(
        "ties_elementwise",
        in -> {
          Tensor a = in.get("a");
          Tensor b = in.get("b");
          return a.maximum(b)
              .mul(2f)
              .add(a.minimum(b).mul(3f))
              .add(a.relu())
              .add(b.abs())
              .add(a.leakyRelu(0.2f))
              .add(b.clamp(-1f, 1f))
              .sub(a.sign());
        });

    // ---------------------------------------------------------------- indexing
    c.put("gather_dim1", in -> in.get("x").gather(1, in.index("index")));
    c.put("gather_dim0_3d", in -> in.get("x").gather(0, in.index("index")).mul(in.get("w")));
    c.put(
        "index_select_repeat",
        in ->
            in.get("x")
                .indexSelect(0, in.ints("i"))
                .mul(in.get("w"))
                .add(in.get("y").indexSelect(1, in.ints("j")).sum(0, false).slice(1, 0, 1, 1).t()));
    c.put(
        "one_hot_log_likelihood",
        in -> Tensor.oneHot(in.ints("t"), 5).mul(in.get("x").logSoftmax(1)).sum(1, false));

    // ---------------------------------------------------------------- shape ops
    c.put(
        "cat_stack",
        in ->
            Tensor.stack(List.of(Tensor.cat(List.of(in.get("a"), in.get("b")), 1), in.get("c")), 0)
                .mul(in.get("w")));
    c.put(
        "split_chunk_narrow",
        in -> {
          Tensor x = in.get("x");
          List<Tensor> p = x.split(new int[] {1, 2, 3}, 1);
          List<Tensor> q = x.chunk(2, 0);
          Tensor r = x.split(4, 1).get(1);
          return p.get(0)
              .mul(p.get(2).narrow(1, 1, 1))
              .add(p.get(1).sum(1, true))
              .sub(Tensor.cat(List.of(q.get(1), q.get(0)), 0).narrow(1, 0, 1))
              .add(r.square().sum(1, true));
        });
    c.put(
        "permute_transpose_reshape",
        in -> {
          Tensor x = in.get("x");
          return x.permute(2, 0, 1)
              .reshape(4, 6)
              .matmul(in.get("W"))
              .add(x.transpose(0, 2).reshape(4, 6).narrow(1, 0, 3));
        });
    c.put(
        "expand_squeeze_unsqueeze",
        in -> {
          Tensor c3 = in.get("c");
          return in.get("a")
              .unsqueeze(1)
              .expand(3, 4)
              .mul(in.get("b").squeeze(0))
              .add(c3.squeeze(1))
              .unsqueeze(0)
              .mul(in.get("e").expand(2, 1, -1))
              .add(c3.squeeze().view(1, 3, 4));
        });
    c.put(
        "slice_step",
        in -> {
          Tensor x = in.get("x");
          return x.slice(0, 1, 4, 1)
              .slice(1, 1, END, 2)
              .mul(x.slice(0, -3, END, 1).slice(1, 0, 3, 1));
        });

    // ---------------------------------------------------------------- elementwise compositions
    c.put(
        "unary_positive_chain",
        in -> {
          Tensor x = in.get("x");
          return x.sqrt()
              .mul(x.log())
              .add(x.pow(-0.5f))
              .add(x.rdiv(1f))
              .add(x.pow(1.5f).mul(x.neg().exp()));
        });
    c.put(
        "unary_activations",
        in -> {
          Tensor x = in.get("x");
          return x.tanh()
              .mul(x.sigmoid())
              .add(x.gelu())
              .sub(x.softplus().mul(x.erf()))
              .add(x.leakyRelu(0.01f))
              .add(x.relu().square());
        });
    c.put(
        "unary_trig_clamp_abs",
        in -> {
          Tensor x = in.get("x");
          Tensor y = in.get("y");
          return x.sin()
              .mul(y.cos())
              .add(x.clamp(-0.5f, 0.8f).mul(y.abs()))
              .add(x.sub(y).neg().exp())
              .sub(y.pow(3f).div(4f));
        });
    c.put("gelu_wide_range", in -> in.get("x").gelu());

    // ---------------------------------------------------------------- small models
    c.put(
        "mlp_gelu_cross_entropy",
        in -> {
          Tensor hidden = in.get("x").matmul(in.get("W1").t()).add(in.get("b1")).gelu();
          return crossEntropy(
              hidden.matmul(in.get("W2").t()).add(in.get("b2")), in.ints("targets"));
        });
    c.put(
        "mlp_tanh_sigmoid_mse",
        in -> {
          Tensor hidden = in.get("x").matmul(in.get("W1")).add(in.get("b1")).tanh();
          return mseLoss(hidden.matmul(in.get("W2")).add(in.get("b2")).sigmoid(), in.get("y"));
        });
    c.put(
        "lstm_two_steps",
        in -> {
          Tensor[] state = {in.get("h0"), in.get("c0")};
          for (String x : List.of("x1", "x2")) {
            state =
                lstmCell(
                    in.get(x),
                    state[0],
                    state[1],
                    in.get("weightIh"),
                    in.get("weightHh"),
                    in.get("biasIh"),
                    in.get("biasHh"));
          }
          return Tensor.cat(List.of(state[0], state[1]), 1);
        });
    c.put(
        "gru_step",
        in ->
            gruCell(
                in.get("x"),
                in.get("h"),
                in.get("weightIh"),
                in.get("weightHh"),
                in.get("biasIh"),
                in.get("biasHh")));
    c.put(
        "attention",
        in ->
            in.get("q")
                .matmul(in.get("k").transpose(-1, -2))
                .div(2f)
                .softmax(-1)
                .matmul(in.get("v")));
    c.put(
        "layer_norm_composed",
        in -> {
          Tensor x = in.get("x");
          Tensor mean = x.mean(-1, true);
          Tensor var = x.var(-1, false, true);
          return x.sub(mean).div(var.add(1e-5f).sqrt()).mul(in.get("g")).add(in.get("b"));
        });

    // ---------------------------------------------------------------- second order
    c.put(
        "hvp_mlp_tanh",
        in -> {
          Tensor hidden = in.get("x").matmul(in.get("W1").t()).add(in.get("b1")).tanh();
          return mseLoss(hidden.matmul(in.get("W2").t()), in.get("y"));
        });
    c.put(
        "hvp_cross_entropy",
        in ->
            crossEntropy(
                in.get("x").matmul(in.get("W")), in.ints("targets"), Reduction.MEAN, -100, 0.1f));
    c.put(
        "hvp_softmax_log_softmax",
        in -> {
          Tensor x = in.get("x");
          return x.softmax(1).mul(in.get("w")).add(x.logSoftmax(0).mul(in.get("u")));
        });
    c.put(
        "hvp_logsumexp_var",
        in -> {
          Tensor x = in.get("x");
          return x.logSumExp(1, false)
              .sum()
              .add(x.var(0, true, false).sum())
              .add(x.var().mul(x.max(1, false).sum()));
        });
    c.put(
        "hvp_activations",
        in -> {
          Tensor x = in.get("x");
          Tensor y = in.get("y");
          return x.gelu()
              .mul(y.sigmoid())
              .add(x.mul(y).softplus())
              .add(x.erf().mul(y.tanh()))
              .add(x.sin().mul(y.cos()));
        });
    c.put(
        "hvp_pow_div_log",
        in -> {
          Tensor x = in.get("x");
          Tensor y = in.get("y");
          return x.pow(3f)
              .div(y.square().add(1f))
              .add(x.log().mul(y.exp()))
              .add(x.sqrt().div(y))
              .add(x.pow(y));
        });
    c.put(
        "hvp_piecewise",
        in -> {
          Tensor x = in.get("x");
          Tensor y = in.get("y");
          return Tensor.where(x.gt(0f), x.square(), x.exp())
              .mul(x.maximum(y))
              .add(x.clamp(-1f, 1f).pow(3f))
              .add(y.abs().mul(y));
        });
    c.put(
        "hvp_gather_index_select",
        in -> {
          Tensor x = in.get("x");
          return x.softmax(1)
              .gather(1, in.index("idx"))
              .log()
              .sum()
              .add(x.indexSelect(0, in.ints("i")).square().mul(in.get("w")).sum());
        });
    c.put(
        "hvp_matmul_batched_shapes",
        in -> {
          Tensor a = in.get("A");
          Tensor b = in.get("B");
          List<Tensor> pq = a.matmul(b).tanh().permute(2, 0, 1).split(1, 0);
          Tensor rest = a.narrow(2, 1, 2).matmul(b.narrow(0, 0, 2)).transpose(1, 2);
          return Tensor.cat(List.of(pq.get(0).mul(pq.get(1)), rest), 0).square();
        });
    c.put(
        "hvp_lstm_cell",
        in -> {
          Tensor[] hc =
              lstmCell(
                  in.get("x"),
                  in.get("h"),
                  in.get("c"),
                  in.get("weightIh"),
                  in.get("weightHh"),
                  in.get("bias"),
                  Tensor.zeros(16));
          return hc[0].square().sum().add(hc[1].mul(hc[0]).sum());
        });
    c.put(
        "gradient_penalty",
        in -> {
          Tensor x = in.get("x");
          Tensor critic = x.matmul(in.get("W1")).add(in.get("b1")).tanh().matmul(in.get("w2"));
          Tensor gx = Autograd.grad(critic.sum(), List.of(x), true).get(0);
          return gx.square().sum(1, false).sqrt().sub(1f).square().mean();
        });
    c.put(
        "gradient_penalty_hvp",
        in -> {
          Tensor x = in.get("x");
          Tensor gx =
              Autograd.grad(x.matmul(in.get("W")).softplus().sum(), List.of(x), true).get(0);
          return gx.square().sum();
        });

    // ---------------------------------------------------------------- conventions at the edges
    c.put(
        "masked_gradients_relu_clamp",
        in -> {
          Tensor x = in.get("x");
          return x.relu().sqrt().mul(2f).add(x.clamp(0f, 1f).log());
        });
    c.put(
        "masked_gradients_where_maximum",
        in -> {
          Tensor x = in.get("x");
          Tensor y = in.get("y");
          Tensor zero = Tensor.scalar(0f);
          return Tensor.where(x.gt(0f), x, zero)
              .log()
              .add(y.maximum(zero).sqrt())
              .add(y.minimum(zero).neg().sqrt());
        });
    c.put(
        "masked_gradients_max_min",
        in -> {
          Tensor x = in.get("x");
          return x.max(1, false)
              .sub(2f)
              .sqrt()
              .sum()
              .add(x.max().sub(2f).sqrt())
              .add(x.min(1, false).sqrt().sum());
        });
    c.put(
        "loss_all_targets_ignored",
        in -> {
          Tensor logits = in.get("logits");
          int[] targets = in.ints("targets");
          return crossEntropy(logits, targets)
              .add(crossEntropy(logits, targets, Reduction.MEAN, -100, 0.2f))
              .add(nllLoss(logits.logSoftmax(1), targets));
        });
    c.put("pow_zero_base_and_exponent", in -> in.get("base").pow(in.get("exponent")));
    c.put(
        "empty_reductions",
        in -> {
          Tensor x = in.get("x");
          return Tensor.stack(List.of(x.sum(0, false), x.mean(0, false), x.mean().expand(3)), 0);
        });
    c.put(
        "narrow_negative_start_small_gather_index",
        in -> {
          Tensor x = in.get("x");
          return Tensor.cat(
              List.of(x.narrow(1, -3, 2).permute(-1, 0), x.gather(1, in.index("index"))), 1);
        });

    CASES = Collections.unmodifiableMap(c);
  }

  /** One LSTM step, gates i, f, g, o as in PyTorch; returns {h', c'}. */
  private static Tensor[] lstmCell(
      Tensor x,
      Tensor h,
      Tensor c,
      Tensor weightIh,
      Tensor weightHh,
      Tensor biasIh,
      Tensor biasHh) {
    Tensor gates = x.matmul(weightIh.t()).add(biasIh).add(h.matmul(weightHh.t())).add(biasHh);
    List<Tensor> ifgo = gates.chunk(4, 1);
    Tensor next = ifgo.get(1).sigmoid().mul(c).add(ifgo.get(0).sigmoid().mul(ifgo.get(2).tanh()));
    return new Tensor[] {ifgo.get(3).sigmoid().mul(next.tanh()), next};
  }

  /** One GRU step, gates r, z, n as in PyTorch. */
  private static Tensor gruCell(
      Tensor x, Tensor h, Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh) {
    List<Tensor> gi = x.matmul(weightIh.t()).add(biasIh).chunk(3, 1);
    List<Tensor> gh = h.matmul(weightHh.t()).add(biasHh).chunk(3, 1);
    Tensor r = gi.get(0).add(gh.get(0)).sigmoid();
    Tensor z = gi.get(1).add(gh.get(1)).sigmoid();
    Tensor n = gi.get(2).add(r.mul(gh.get(2))).tanh();
    return z.rsub(1f).mul(n).add(z.mul(h));
  }
}
