#!/usr/bin/python3
"""Generates the PyTorch parity fixtures for tapegrad's autograd core.

Regenerate (from the repository root, with Debian's PyTorch 1.13, package python3-torch):

    /usr/bin/python3 tools/fixtures_autograd.py

It writes autograd/src/test/resources/parity/autograd.json, which TorchParityTest reads. CI reads
only the committed file and needs no Python. Commit the regenerated file together with the change
to this script, and add the Java counterpart of every new case to TorchParityCases (the test fails
when the two sets of names differ).

What a case holds:
  - inputs drawn by torch (float32) from a generator seeded with crc32(case name), so adding or
    reordering cases never changes the others and nobody here chose the values;
  - integer arguments (class targets, gather and index_select indices), drawn the same way;
  - the output of the expression, computed by torch in float32;
  - the gradient of every input that requires grad, for a seeded random gradOutput (none when the
    output is a 0-d scalar, which means a gradOutput of 1);
  - for second-order cases, seeded random vectors v (one per input) and the gradient of
    sum_i <grad_i, v_i> with respect to the inputs (a Hessian-vector product), computed with
    torch.autograd.grad(create_graph=True).

Each case is also run in float64 on the same float32 inputs; a case whose float32 results differ
from the float64 ones beyond a tenth of the test's tolerances is rejected as ill-conditioned, so
that a failure of the Java test points at tapegrad, not at rounding in the fixture.
"""

import json
import os
import sys
import zlib

import torch
import torch.nn.functional as F

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "autograd", "src", "test", "resources", "parity", "autograd.json")

# The tolerances of TorchParityTest: |actual - expected| <= rtol * |expected| + atol * scale,
# where scale = max(1, max |expected| over the tensor).
VALUE_RTOL, VALUE_ATOL = 1e-4, 1e-5
GRAD_RTOL, GRAD_ATOL = 1e-3, 1e-4

CASES = []


def case(name, second=False):
    """Registers an expression. The function draws its inputs from `d` and returns one tensor."""
    def register(fn):
        assert all(c[0] != name for c in CASES), name
        CASES.append((name, fn, second))
        return fn
    return register


class Draw:
    """Draws a case's inputs from a seeded torch generator and records them."""

    def __init__(self, seed, dtype):
        self.gen = torch.Generator().manual_seed(seed)
        self.dtype = dtype
        self.inputs = []  # (name, tensor, requires_grad)
        self.ints = []  # (name, int64 tensor)

    def _leaf(self, name, values, grad):
        t = values.to(self.dtype).detach().requires_grad_(grad)
        self.inputs.append((name, t, grad))
        return t

    def randn(self, name, *shape, grad=True, scale=1.0):
        """Standard normal values times scale."""
        return self._leaf(name, torch.randn(shape, generator=self.gen) * scale, grad)

    def rand(self, name, *shape, low=0.0, high=1.0, grad=True):
        """Uniform values in [low, high)."""
        return self._leaf(name, torch.rand(shape, generator=self.gen) * (high - low) + low, grad)

    def randint(self, name, low, high, *shape, grad=True):
        """Integral float values in [low, high): ties and zeros on purpose."""
        values = torch.randint(low, high, shape, generator=self.gen).float()
        return self._leaf(name, values, grad)

    def index(self, name, low, high, *shape):
        """An integer argument (targets, indices) in [low, high)."""
        t = torch.randint(low, high, shape, generator=self.gen)
        self.ints.append((name, t))
        return t

    def given(self, name, values):
        """An integer argument the case fixes itself (e.g. every target ignored)."""
        self.ints.append((name, values))
        return values


# ---------------------------------------------------------------- broadcasting

@case("broadcast_rank_extend")
def _(d):
    """a[2,3,4] * b[4] + c[3,1] - s[]"""
    a, b, c, s = d.randn("a", 2, 3, 4), d.randn("b", 4), d.randn("c", 3, 1), d.randn("s")
    return a * b + c - s


@case("broadcast_outer")
def _(d):
    """(a[3,1] - b[1,4]) * c[4] / (exp(e[3,1]) + 1)"""
    a, b, c, e = d.randn("a", 3, 1), d.randn("b", 1, 4), d.randn("c", 4), d.randn("e", 3, 1)
    return (a - b) * c / (e.exp() + 1)


@case("broadcast_both_sides_reused")
def _(d):
    """a[2,1,4] * b[3,1] + (a - c[1,3,1])^2: both sides broadcast, a used twice"""
    a, b, c = d.randn("a", 2, 1, 4), d.randn("b", 3, 1), d.randn("c", 1, 3, 1)
    return a * b + (a - c).square()


@case("broadcast_pow_rdiv")
def _(d):
    """base[3,4] ^ e[4] - 2 / (base + e^2) + (1 - base) * 0.5, positive base"""
    base, e = d.rand("base", 3, 4, low=0.5, high=2.0), d.randn("e", 4)
    return base.pow(e) - 2.0 / (base + e.square()) + (1 - base) * 0.5


@case("broadcast_maximum_minimum")
def _(d):
    """maximum(a[3,4], b[4]) * minimum(a, c[3,1])"""
    a, b, c = d.randn("a", 3, 4), d.randn("b", 4), d.randn("c", 3, 1)
    return torch.maximum(a, b) * torch.minimum(a, c)


@case("broadcast_where")
def _(d):
    """where(mask[3,4], a[3,1], b[4]) * c[3,4]"""
    mask = d.randint("mask", 0, 2, 3, 4, grad=False)
    a, b, c = d.randn("a", 3, 1), d.randn("b", 4), d.randn("c", 3, 4)
    return torch.where(mask != 0, a, b) * c


@case("where_from_comparison")
def _(d):
    """where(x > 0, exp(x) - 1, 0.5 x) * y: an ELU-like piecewise function"""
    x, y = d.randn("x", 4, 5), d.randn("y", 5)
    return torch.where(x > 0, x.exp() - 1, x * 0.5) * y


# ---------------------------------------------------------------- softmax and losses

@case("softmax_middle_dim")
def _(d):
    """softmax(x[2,4,3], dim=1) * w[2,4,3]"""
    x, w = d.randn("x", 2, 4, 3, scale=2.0), d.randn("w", 2, 4, 3)
    return x.softmax(1) * w


@case("log_softmax_last_dim")
def _(d):
    """log_softmax(x[3,5], dim=-1)"""
    return d.randn("x", 3, 5, scale=2.0).log_softmax(-1)


@case("softmax_dim0_matmul")
def _(d):
    """softmax(x[4,3], dim=0)^T @ y[4,2]"""
    x, y = d.randn("x", 4, 3), d.randn("y", 4, 2)
    return x.softmax(0).t() @ y


@case("cross_entropy_mean")
def _(d):
    """cross_entropy(logits[6,5], targets[6])"""
    logits = d.randn("logits", 6, 5, scale=2.0)
    return F.cross_entropy(logits, d.index("targets", 0, 5, 6))


@case("cross_entropy_ignore_smoothing")
def _(d):
    """cross_entropy(logits[8,4], targets, ignore_index=-1, label_smoothing=0.1), mean"""
    logits = d.randn("logits", 8, 4, scale=2.0)
    targets = d.index("targets", -1, 4, 8)
    assert (targets == -1).any() and (targets != -1).any()
    return F.cross_entropy(logits, targets, ignore_index=-1, label_smoothing=0.1)


@case("cross_entropy_sum_smoothing_ignore_class")
def _(d):
    """cross_entropy(logits[7,4], targets, ignore_index=3, label_smoothing=0.25, reduction=sum)"""
    logits = d.randn("logits", 7, 4, scale=2.0)
    targets = d.index("targets", 0, 4, 7)
    assert (targets == 3).any()
    return F.cross_entropy(logits, targets, ignore_index=3, label_smoothing=0.25, reduction="sum")


@case("cross_entropy_none")
def _(d):
    """cross_entropy(logits[5,3], targets, reduction=none)"""
    logits = d.randn("logits", 5, 3, scale=2.0)
    return F.cross_entropy(logits, d.index("targets", 0, 3, 5), reduction="none")


@case("cross_entropy_unbatched")
def _(d):
    """cross_entropy(logits[6], target[]) for one unbatched sample"""
    logits = d.randn("logits", 6, scale=2.0)
    return F.cross_entropy(logits, d.index("target", 0, 6))


@case("nll_loss_ignore_mean")
def _(d):
    """nll_loss(log_softmax(x[6,4]), targets, ignore_index=1)"""
    x = d.randn("x", 6, 4)
    targets = d.index("targets", 0, 4, 6)
    assert (targets == 1).any() and (targets != 1).any()
    return F.nll_loss(x.log_softmax(1), targets, ignore_index=1)


@case("mse_losses")
def _(d):
    """mse_loss(a[3,4], t[3,4]) + 0.1 mse_loss(tanh(a), t, sum); the target requires grad too"""
    a, t = d.randn("a", 3, 4), d.randn("t", 3, 4)
    return F.mse_loss(a, t) + 0.1 * F.mse_loss(a.tanh(), t, reduction="sum")


@case("mse_none")
def _(d):
    """mse_loss(a[2,5], t[2,5], reduction=none), t constant"""
    a, t = d.randn("a", 2, 5), d.randn("t", 2, 5, grad=False)
    return F.mse_loss(a, t, reduction="none")


@case("bce_with_logits_mean")
def _(d):
    """binary_cross_entropy_with_logits(3 x[4,3], t[4,3]) with soft targets requiring grad"""
    x, t = d.randn("x", 4, 3), d.rand("t", 4, 3)
    return F.binary_cross_entropy_with_logits(x * 3, t)


@case("bce_with_logits_none_sum")
def _(d):
    """bce_with_logits(x[5], t[5], none) * w[5] + bce_with_logits(x, t, sum), hard targets"""
    x, t, w = d.randn("x", 5, scale=3.0), d.randint("t", 0, 2, 5, grad=False), d.randn("w", 5)
    return (F.binary_cross_entropy_with_logits(x, t, reduction="none") * w
            + F.binary_cross_entropy_with_logits(x, t, reduction="sum"))


# ---------------------------------------------------------------- matmul

@case("matmul_1d_2d_1d")
def _(d):
    """(v[4] @ M[4,3]) @ (N[3,5] @ u[5]): vector-matrix, matrix-vector, dot"""
    v, m, n, u = d.randn("v", 4), d.randn("M", 4, 3), d.randn("N", 3, 5), d.randn("u", 5)
    return (v @ m) @ (n @ u)


@case("matmul_chain_2d")
def _(d):
    """A[3,4] @ B[4,5] @ C[5,2] + A @ D[2,4]^T"""
    a, b, c, e = d.randn("A", 3, 4), d.randn("B", 4, 5), d.randn("C", 5, 2), d.randn("D", 2, 4)
    return a @ b @ c + a @ e.t()


@case("matmul_batched_3d")
def _(d):
    """X[2,3,4] @ Y[2,4,5]"""
    return d.randn("X", 2, 3, 4) @ d.randn("Y", 2, 4, 5)


@case("matmul_broadcast_batch")
def _(d):
    """X[2,1,3,4] @ Y[3,4,2] -> [2,3,3,2]"""
    return d.randn("X", 2, 1, 3, 4) @ d.randn("Y", 3, 4, 2)


@case("matmul_3d_2d_1d")
def _(d):
    """(X[2,3,4] @ W[4,5]) @ v[5] + ((u[3] @ X) @ z[4]).unsqueeze(1): 3-D with 2-D, 1-D and 1-D with 3-D"""
    x, w, v, u, z = (d.randn("X", 2, 3, 4), d.randn("W", 4, 5), d.randn("v", 5),
                     d.randn("u", 3), d.randn("z", 4))
    return (x @ w) @ v + ((u @ x) @ z).unsqueeze(1)


@case("linear_layer")
def _(d):
    """x[5,3] @ W[4,3]^T + b[4]"""
    return d.randn("x", 5, 3) @ d.randn("W", 4, 3).t() + d.randn("b", 4)


# ---------------------------------------------------------------- reductions

@case("sum_mean_keepdim")
def _(d):
    """x.sum(1, keepdim) * x.mean(-1, keepdim) + x.sum(0) for x[2,3,4]"""
    x = d.randn("x", 2, 3, 4)
    return x.sum(1, keepdim=True) * x.mean(-1, keepdim=True) + x.sum(0)


@case("mean_all_sum_all")
def _(d):
    """x.mean() * y.sum() + (x * y).sum(), x, y [3,4]"""
    x, y = d.randn("x", 3, 4), d.randn("y", 3, 4)
    return x.mean() * y.sum() + (x * y).sum()


@case("max_min_dim_keepdim")
def _(d):
    """x.max(1, keepdim) - x.min(0, keepdim) for x[3,4]"""
    x = d.randn("x", 3, 4)
    return x.max(1, keepdim=True)[0] - x.min(0, keepdim=True)[0]


@case("max_min_dim_3d")
def _(d):
    """y.max(-1) * y.min(1).sum() for y[2,3,4]"""
    y = d.randn("y", 2, 3, 4)
    return y.max(-1)[0] * y.min(1)[0].sum()


@case("max_min_all")
def _(d):
    """x.max() - 2 x.min() + |x|.mean()"""
    x = d.randn("x", 4, 5)
    return x.max() - 2 * x.min() + x.abs().mean()


@case("logsumexp_dims")
def _(d):
    """x.logsumexp(1) + x.logsumexp(0, keepdim).sum() for x[3,5]"""
    x = d.randn("x", 3, 5, scale=3.0)
    return x.logsumexp(1) + x.logsumexp(0, keepdim=True).sum()


@case("logsumexp_all")
def _(d):
    """logsumexp over all elements of x[2,3,4]"""
    return d.randn("x", 2, 3, 4, scale=3.0).flatten().logsumexp(0)


@case("var_dims")
def _(d):
    """x.var(1, keepdim) (unbiased) * x.var(0, unbiased=False, keepdim) for x[4,5]"""
    x = d.randn("x", 4, 5)
    return x.var(1, keepdim=True) * x.var(0, unbiased=False, keepdim=True)


@case("var_all")
def _(d):
    """x.var() + x.mean() * var(x, unbiased=False) over all elements of x[3,4]"""
    x = d.randn("x", 3, 4)
    return x.var() + x.mean() * x.flatten().var(0, unbiased=False)


@case("ties_reductions")
def _(d):
    """2 max(x) + 3 min(x) + (max(x, 1) * w).sum() + min(x, 0).sum(), integral x[4,5] with ties"""
    x, w = d.randint("x", -1, 2, 4, 5), d.randn("w", 4)
    assert (x.max(1, keepdim=True)[0] == x).sum() > 4 and (x.max() == x).sum() > 1 and (x.min() == x).sum() > 1, "expected ties"
    return 2 * x.max() + 3 * x.min() + (x.max(1)[0] * w).sum() + x.min(0)[0].sum()


@case("ties_elementwise")
def _(d):
    """maximum, minimum ties; relu, abs, leaky_relu at 0; clamp at its bounds; integral inputs"""
    a, b = d.randint("a", -2, 3, 4, 5), d.randint("b", -2, 3, 4, 5)
    assert (a == b).any() and (a == 0).any() and (b.abs() == 1).any()
    return (2 * torch.maximum(a, b) + 3 * torch.minimum(a, b) + a.relu() + b.abs()
            + F.leaky_relu(a, 0.2) + b.clamp(-1, 1) - torch.sign(a))


# ---------------------------------------------------------------- indexing

@case("gather_dim1")
def _(d):
    """x[4,5].gather(1, index[4,3]) with repeated indices"""
    x = d.randn("x", 4, 5)
    return x.gather(1, d.index("index", 0, 5, 4, 3))


@case("gather_dim0_3d")
def _(d):
    """x[3,4,2].gather(0, index[2,4,2]) * w[2]"""
    x, w = d.randn("x", 3, 4, 2), d.randn("w", 2)
    return x.gather(0, d.index("index", 0, 3, 2, 4, 2)) * w


@case("index_select_repeat")
def _(d):
    """x[5,3].index_select(0, i[7]) * w[7,1] + y[2,4,3].index_select(1, j[3]).sum(0)[:, :1].t()"""
    x, w, y = d.randn("x", 5, 3), d.randn("w", 7, 1), d.randn("y", 2, 4, 3)
    i, j = d.index("i", 0, 5, 7), d.index("j", 0, 4, 3)
    return x.index_select(0, i) * w + y.index_select(1, j).sum(0)[:, :1].t()


@case("one_hot_log_likelihood")
def _(d):
    """(one_hot(t, 5) * log_softmax(x[4,5])).sum(1)"""
    x = d.randn("x", 4, 5)
    t = d.index("t", 0, 5, 4)
    return (F.one_hot(t, 5).float() * x.log_softmax(1)).sum(1)


# ---------------------------------------------------------------- shape ops

@case("cat_stack")
def _(d):
    """stack([cat([a[2,3], b[2,2]], 1), c[2,5]], 0) * w[5]"""
    a, b, c, w = d.randn("a", 2, 3), d.randn("b", 2, 2), d.randn("c", 2, 5), d.randn("w", 5)
    return torch.stack([torch.cat([a, b], 1), c], 0) * w


@case("split_chunk_narrow")
def _(d):
    """pieces of x[4,6] by split([1,2,3], 1), chunk(2, 0) and narrow, recombined"""
    x = d.randn("x", 4, 6)
    p0, p1, p2 = x.split([1, 2, 3], 1)
    q0, q1 = x.chunk(2, 0)
    r = x.split(4, 1)[1]
    return (p0 * p2.narrow(1, 1, 1) + p1.sum(1, keepdim=True)
            - torch.cat([q1, q0], 0).narrow(1, 0, 1) + r.square().sum(1, keepdim=True))


@case("permute_transpose_reshape")
def _(d):
    """x[2,3,4].permute(2,0,1).reshape(4,6) @ W[6,3] + x.transpose(0,2).reshape(4,6).narrow(1,0,3)"""
    x, w = d.randn("x", 2, 3, 4), d.randn("W", 6, 3)
    return x.permute(2, 0, 1).reshape(4, 6) @ w + x.transpose(0, 2).reshape(4, 6).narrow(1, 0, 3)


@case("expand_squeeze_unsqueeze")
def _(d):
    """(a[3].unsqueeze(1).expand(3,4) * b[1,4].squeeze(0) + c[3,1,4].squeeze(1)).unsqueeze(0) * e[4].expand(2,1,-1) + c.squeeze().view(1,3,4)"""
    a, b, c, e = d.randn("a", 3), d.randn("b", 1, 4), d.randn("c", 3, 1, 4), d.randn("e", 4)
    return (a.unsqueeze(1).expand(3, 4) * b.squeeze(0) + c.squeeze(1)).unsqueeze(0) \
        * e.expand(2, 1, -1) + c.squeeze().view(1, 3, 4)


@case("slice_step")
def _(d):
    """x[5,7][1:4, 1::2] * x[-3:, :3]"""
    x = d.randn("x", 5, 7)
    return x[1:4, 1::2] * x[-3:, :3]


# ---------------------------------------------------------------- elementwise compositions

@case("unary_positive_chain")
def _(d):
    """sqrt(x) log(x) + x^-0.5 + 1/x + x^1.5 exp(-x), x[3,4] in [0.2, 3)"""
    x = d.rand("x", 3, 4, low=0.2, high=3.0)
    return x.sqrt() * x.log() + x.pow(-0.5) + 1 / x + x.pow(1.5) * (-x).exp()


@case("unary_activations")
def _(d):
    """tanh(x) sigmoid(x) + gelu(x) - softplus(x) erf(x) + leaky_relu(x, 0.01) + relu(x)^2"""
    x = d.randn("x", 3, 4, scale=2.0)
    return (x.tanh() * x.sigmoid() + F.gelu(x) - F.softplus(x) * torch.erf(x)
            + F.leaky_relu(x, 0.01) + x.relu().square())


@case("unary_trig_clamp_abs")
def _(d):
    """sin(x) cos(y) + clamp(x, -0.5, 0.8) |y| + exp(-(x - y)) - y^3 / 4"""
    x, y = d.randn("x", 3, 4), d.randn("y", 3, 4)
    return x.sin() * y.cos() + x.clamp(-0.5, 0.8) * y.abs() + (x - y).neg().exp() - y.pow(3) / 4


@case("gelu_wide_range")
def _(d):
    """gelu(x) and its gradient over x[40] spread over [-6, 6)"""
    return F.gelu(d.rand("x", 40, low=-6.0, high=6.0))


# ---------------------------------------------------------------- small models

def _lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    gates = x @ w_ih.t() + b_ih + h @ w_hh.t() + b_hh
    i, f, g, o = gates.chunk(4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def _gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    gi = x @ w_ih.t() + b_ih
    gh = h @ w_hh.t() + b_hh
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return (1 - z) * n + z * h


@case("mlp_gelu_cross_entropy")
def _(d):
    """cross_entropy(gelu(x @ W1^T + b1) @ W2^T + b2, targets), x[6,4], hidden 8, 3 classes"""
    x, w1, b1 = d.randn("x", 6, 4), d.randn("W1", 8, 4, scale=0.5), d.randn("b1", 8, scale=0.1)
    w2, b2 = d.randn("W2", 3, 8, scale=0.5), d.randn("b2", 3, scale=0.1)
    return F.cross_entropy(F.gelu(x @ w1.t() + b1) @ w2.t() + b2, d.index("targets", 0, 3, 6))


@case("mlp_tanh_sigmoid_mse")
def _(d):
    """mse_loss(sigmoid(tanh(x @ W1 + b1) @ W2 + b2), y), x[5,3], hidden 6, 2 outputs"""
    x, w1, b1 = d.randn("x", 5, 3), d.randn("W1", 3, 6, scale=0.6), d.randn("b1", 6, scale=0.1)
    w2, b2, y = d.randn("W2", 6, 2, scale=0.6), d.randn("b2", 2, scale=0.1), d.rand("y", 5, 2, grad=False)
    return F.mse_loss((torch.tanh(x @ w1 + b1) @ w2 + b2).sigmoid(), y)


@case("lstm_two_steps")
def _(d):
    """two steps of an LSTM cell (gates i,f,g,o from one chunk(4)), output cat([h2, c2], 1)"""
    x1, x2 = d.randn("x1", 3, 4), d.randn("x2", 3, 4)
    h0, c0 = d.randn("h0", 3, 5), d.randn("c0", 3, 5)
    w_ih, w_hh = d.randn("weightIh", 20, 4, scale=0.4), d.randn("weightHh", 20, 5, scale=0.4)
    b_ih, b_hh = d.randn("biasIh", 20, scale=0.1), d.randn("biasHh", 20, scale=0.1)
    h1, c1 = _lstm_cell(x1, h0, c0, w_ih, w_hh, b_ih, b_hh)
    h2, c2 = _lstm_cell(x2, h1, c1, w_ih, w_hh, b_ih, b_hh)
    return torch.cat([h2, c2], 1)


@case("gru_step")
def _(d):
    """one step of a GRU cell (gates r,z,n from chunk(3))"""
    x, h = d.randn("x", 2, 3), d.randn("h", 2, 4)
    w_ih, w_hh = d.randn("weightIh", 12, 3, scale=0.5), d.randn("weightHh", 12, 4, scale=0.5)
    b_ih, b_hh = d.randn("biasIh", 12, scale=0.1), d.randn("biasHh", 12, scale=0.1)
    return _gru_cell(x, h, w_ih, w_hh, b_ih, b_hh)


@case("attention")
def _(d):
    """softmax(q[2,3,4] @ k[2,5,4]^T / 2, -1) @ v[2,5,6]"""
    q, k, v = d.randn("q", 2, 3, 4), d.randn("k", 2, 5, 4), d.randn("v", 2, 5, 6)
    return (q @ k.transpose(-1, -2) / 2).softmax(-1) @ v


@case("layer_norm_composed")
def _(d):
    """(x - mean) / sqrt(var(unbiased=False) + 1e-5) * g + b over the last dim of x[3,6]"""
    x, g, b = d.randn("x", 3, 6), d.randn("g", 6), d.randn("b", 6)
    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, unbiased=False, keepdim=True)
    return (x - mu) / (var + 1e-5).sqrt() * g + b


# ---------------------------------------------------------------- second order

@case("hvp_mlp_tanh", second=True)
def _(d):
    """mse_loss(tanh(x @ W1^T + b1) @ W2^T, y): Hessian-vector product in all parameters and x"""
    x, w1, b1 = d.randn("x", 4, 3), d.randn("W1", 5, 3, scale=0.6), d.randn("b1", 5, scale=0.1)
    w2, y = d.randn("W2", 2, 5, scale=0.6), d.randn("y", 4, 2, grad=False)
    return F.mse_loss((x @ w1.t() + b1).tanh() @ w2.t(), y)


@case("hvp_cross_entropy", second=True)
def _(d):
    """cross_entropy(x[5,3] @ W[3,4], targets, label_smoothing=0.1) second order"""
    x, w = d.randn("x", 5, 3), d.randn("W", 3, 4)
    return F.cross_entropy(x @ w, d.index("targets", 0, 4, 5), label_smoothing=0.1)


@case("hvp_softmax_log_softmax", second=True)
def _(d):
    """softmax(x[3,4], 1) * w + log_softmax(x, 0) * u, non-scalar output"""
    x, w, u = d.randn("x", 3, 4), d.randn("w", 3, 4), d.randn("u", 4)
    return x.softmax(1) * w + x.log_softmax(0) * u


@case("hvp_logsumexp_var", second=True)
def _(d):
    """logsumexp(x[4,3], 1).sum() + var(x, 0).sum() + var(x) * max(x, 1).sum()"""
    x = d.randn("x", 4, 3)
    return x.logsumexp(1).sum() + x.var(0).sum() + x.var() * x.max(1)[0].sum()


@case("hvp_activations", second=True)
def _(d):
    """gelu(x) sigmoid(y) + softplus(x y) + erf(x) tanh(y) + sin(x) cos(y)"""
    x, y = d.randn("x", 3, 4), d.randn("y", 3, 4)
    return F.gelu(x) * y.sigmoid() + F.softplus(x * y) + torch.erf(x) * y.tanh() + x.sin() * y.cos()


@case("hvp_pow_div_log", second=True)
def _(d):
    """x^3 / (y^2 + 1) + log(x) exp(y) + sqrt(x) / y + x^y, x, y positive [3,3]"""
    x, y = d.rand("x", 3, 3, low=0.5, high=2.0), d.rand("y", 3, 3, low=0.5, high=2.0)
    return x.pow(3) / (y.square() + 1) + x.log() * y.exp() + x.sqrt() / y + x.pow(y)


@case("hvp_piecewise", second=True)
def _(d):
    """where(x > 0, x^2, exp(x)) * maximum(x, y) + clamp(x, -1, 1)^3 + |y| y"""
    x, y = d.randn("x", 3, 4), d.randn("y", 3, 4)
    return (torch.where(x > 0, x.square(), x.exp()) * torch.maximum(x, y)
            + x.clamp(-1, 1).pow(3) + y.abs() * y)


@case("hvp_gather_index_select", second=True)
def _(d):
    """log(softmax(x[4,5], 1).gather(1, idx)).sum() + index_select(x, 0, i)^2 weighted by w"""
    x, w = d.randn("x", 4, 5), d.randn("w", 6, 5)
    idx, i = d.index("idx", 0, 5, 4, 2), d.index("i", 0, 4, 6)
    return x.softmax(1).gather(1, idx).log().sum() + (x.index_select(0, i).square() * w).sum()


@case("hvp_matmul_batched_shapes", second=True)
def _(d):
    """cat([p * q, (A[:, :, 1:3] @ B[:2]).transpose(1, 2)], 0)^2, p, q = tanh(A[2,3,4] @ B[4,2]).permute(2,0,1).split(1, 0)"""
    a, b = d.randn("A", 2, 3, 4), d.randn("B", 4, 2)
    y = (a @ b).tanh().permute(2, 0, 1)
    p, q = y.split(1, 0)
    return torch.cat([p * q, (a.narrow(2, 1, 2) @ b.narrow(0, 0, 2)).transpose(1, 2)], 0).square()


@case("hvp_lstm_cell", second=True)
def _(d):
    """(h'^2).sum() + (c' h').sum() for one LSTM cell step, second order in weights and state"""
    x, h, c = d.randn("x", 2, 3), d.randn("h", 2, 4), d.randn("c", 2, 4)
    w_ih, w_hh = d.randn("weightIh", 16, 3, scale=0.5), d.randn("weightHh", 16, 4, scale=0.5)
    b = d.randn("bias", 16, scale=0.1)
    h1, c1 = _lstm_cell(x, h, c, w_ih, w_hh, b, torch.zeros(16, dtype=x.dtype))
    return h1.square().sum() + (c1 * h1).sum()


@case("gradient_penalty")
def _(d):
    """WGAN-GP: critic D(x) = tanh(x @ W1 + b1) @ w2; mean((|dD/dx|_2 - 1)^2), grads to W1, b1, w2"""
    x, w1 = d.randn("x", 4, 3), d.randn("W1", 3, 5)
    b1, w2 = d.randn("b1", 5, scale=0.1), d.randn("w2", 5)
    critic = (x @ w1 + b1).tanh() @ w2
    (gx,) = torch.autograd.grad(critic.sum(), [x], create_graph=True)
    return (gx.square().sum(1).sqrt() - 1).square().mean()


@case("gradient_penalty_hvp", second=True)
def _(d):
    """|d/dx sum(softplus(x @ W))|^2 as the output, itself differentiated twice (third order)"""
    x, w = d.randn("x", 3, 2), d.randn("W", 2, 3)
    (gx,) = torch.autograd.grad(F.softplus(x @ w).sum(), [x], create_graph=True)
    return gx.square().sum()


# ---------------------------------------------------------------- conventions at the edges
# Where a gradient is masked (relu, clamp, where, maximum, max over a dim, ignored targets), torch
# selects zero rather than multiplying by a 0/1 mask, so an infinite or NaN gradient arriving from
# sqrt(0) or log(0) does not leak through as NaN.

@case("masked_gradients_relu_clamp")
def _(d):
    """2 sqrt(relu(x)) + log(clamp(x, 0, 1)): infinite gradients of sqrt(0) and log(0) stop at the masks"""
    x = d.randn("x", 3, 4)
    assert (x < 0).any() and (x > 1).any()
    return 2 * x.relu().sqrt() + x.clamp(0, 1).log()


@case("masked_gradients_where_maximum")
def _(d):
    """log(where(x > 0, x, 0)) + sqrt(maximum(y, 0)) + sqrt(-minimum(y, 0))"""
    x, y = d.randn("x", 3, 4), d.randn("y", 3, 4)
    assert (x < 0).any() and (y < 0).any() and (y > 0).any()
    zero = torch.zeros((), dtype=x.dtype)
    return torch.where(x > 0, x, zero).log() + torch.maximum(y, zero).sqrt() + (-torch.minimum(y, zero)).sqrt()


@case("masked_gradients_max_min")
def _(d):
    """sqrt(max(x, 1) - 2).sum() + sqrt(max(x) - 2) + sqrt(min(x, 1)).sum(), integral x[3,8] in {0, 1, 2}"""
    x = d.randint("x", 0, 3, 3, 8)
    assert (x.max(1)[0] == 2).all() and (x.min(1)[0] == 0).all()
    return (x.max(1)[0] - 2).sqrt().sum() + (x.max() - 2).sqrt() + x.min(1)[0].sqrt().sum()


@case("loss_all_targets_ignored")
def _(d):
    """cross_entropy (plain and label_smoothing=0.2) and nll_loss, mean, every target ignored: NaN, zero gradients"""
    logits = d.randn("logits", 3, 4)
    targets = d.given("targets", torch.full((3,), -100))
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits, targets, label_smoothing=0.2)
            + F.nll_loss(logits.log_softmax(1), targets))


@case("pow_zero_base_and_exponent")
def _(d):
    """base[4,4] ^ exponent[4,4], both integral in {0, 1, 2}: gradients at 0^0, 0^k and b^0"""
    base, exponent = d.randint("base", 0, 3, 4, 4), d.randint("exponent", 0, 3, 4, 4)
    assert ((base == 0) & (exponent == 0)).any() and ((base == 0) & (exponent > 0)).any()
    return base.pow(exponent)


@case("empty_reductions")
def _(d):
    """stack([x.sum(0), x.mean(0), x.mean().expand(3)]) for an empty x[0,3]: zeros and NaN"""
    x = d.randn("x", 0, 3)
    return torch.stack([x.sum(0), x.mean(0), x.mean().expand(3)])


@case("narrow_negative_start_small_gather_index")
def _(d):
    """cat([x[4,5].narrow(1, -3, 2).permute(-1, 0), x.gather(1, index[2,3])], 1): index smaller than x"""
    x = d.randn("x", 4, 5)
    return torch.cat([x.narrow(1, -3, 2).permute(-1, 0), x.gather(1, d.index("index", 0, 5, 2, 3))], 1)


# ---------------------------------------------------------------- generation

def number_json(v):
    """A float32 value, repr-exact; NaN and infinities as the strings Java's Float.parseFloat reads."""
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "Infinity" if v > 0 else "-Infinity"
    return float(f"{v:.9g}")


def tensor_json(t):
    return {"shape": list(t.shape),
            "values": [number_json(v) for v in t.detach().float().reshape(-1).tolist()]}


def run(name, fn, second, dtype):
    """Evaluates one case; returns a dict of the results (tensors in `dtype`)."""
    d = Draw(zlib.crc32(name.encode()), dtype)
    out = fn(d)
    wrt = [t for _, t, grad in d.inputs if grad]
    grad_output = None
    if out.dim() > 0:
        grad_output = torch.randn(out.shape, generator=d.gen).to(dtype)
    grads = torch.autograd.grad(out, wrt, grad_outputs=grad_output, create_graph=second, allow_unused=True)
    grads = [torch.zeros_like(t) if g is None else g for t, g in zip(wrt, grads)]
    result = {"d": d, "out": out, "gradOutput": grad_output, "grads": grads}
    if second:
        vs = [torch.randn(t.shape, generator=d.gen).to(dtype) for t in wrt]
        s = sum((g * v).sum() for g, v in zip(grads, vs))
        hv = torch.autograd.grad(s, wrt, allow_unused=True) if s.requires_grad else [None] * len(wrt)
        result["v"] = vs
        result["hv"] = [torch.zeros_like(t) if h is None else h for t, h in zip(wrt, hv)]
    return result


def check_conditioning(name, r32, r64):
    """Rejects a case whose float32 results are too far from float64 on the same inputs."""
    def compare(what, a, b, rtol, atol):
        a, b = a.detach().double(), b.detach().double()
        finite = b.isfinite()
        scale = max([1.0] + b[finite].abs().tolist())
        close = (a - b).abs() <= 0.1 * (rtol * b.abs() + atol * scale)
        same_special = (a.isnan() & b.isnan()) | (a == b)
        if not torch.where(finite, close, same_special).all():
            raise SystemExit(f"{name}: {what} is ill-conditioned in float32 "
                             f"(max difference {(a - b).abs().max().item():.3g})")
    compare("output", r32["out"], r64["out"], VALUE_RTOL, VALUE_ATOL)
    for i, (g32, g64) in enumerate(zip(r32["grads"], r64["grads"])):
        compare(f"gradient {i}", g32, g64, GRAD_RTOL, GRAD_ATOL)
    for i, (h32, h64) in enumerate(zip(r32.get("hv", []), r64.get("hv", []))):
        compare(f"second-order gradient {i}", h32, h64, GRAD_RTOL, GRAD_ATOL)


def case_json(name, fn, second, r):
    d = r["d"]
    wrt = [n for n, _, grad in d.inputs if grad]
    c = {"name": name,
         "expression": " ".join(fn.__doc__.split()),
         "secondOrder": second,
         "inputs": [dict(name=n, requiresGrad=grad, **tensor_json(t)) for n, t, grad in d.inputs],
         "ints": [{"name": n, "shape": list(t.shape), "values": t.reshape(-1).tolist()} for n, t in d.ints],
         "output": tensor_json(r["out"]),
         "gradOutput": None if r["gradOutput"] is None else tensor_json(r["gradOutput"]),
         "grads": [dict(name=n, **tensor_json(g)) for n, g in zip(wrt, r["grads"])]}
    if second:
        c["v"] = [dict(name=n, **tensor_json(v)) for n, v in zip(wrt, r["v"])]
        c["secondGrads"] = [dict(name=n, **tensor_json(h)) for n, h in zip(wrt, r["hv"])]
    return c


def dump(doc):
    """JSON with one tensor (or small record) per line: compact, yet diffs stay readable."""
    def inline(x):
        return json.dumps(x, separators=(", ", ": "))
    lines = ["{"]
    meta = [k for k in doc if k != "cases"]
    for k in meta:
        lines.append(f"  {json.dumps(k)}: {inline(doc[k])},")
    lines.append('  "cases": [')
    for ci, c in enumerate(doc["cases"]):
        lines.append("    {")
        keys = list(c)
        for ki, k in enumerate(keys):
            sep = "," if ki < len(keys) - 1 else ""
            v = c[k]
            if isinstance(v, list) and v and isinstance(v[0], dict):
                lines.append(f"      {json.dumps(k)}: [")
                lines.extend(f"        {inline(e)}{',' if ei < len(v) - 1 else ''}" for ei, e in enumerate(v))
                lines.append(f"      ]{sep}")
            else:
                lines.append(f"      {json.dumps(k)}: {inline(v)}{sep}")
        lines.append("    }" + ("," if ci < len(doc["cases"]) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    torch.set_num_threads(1)
    cases = []
    for name, fn, second in CASES:
        r32 = run(name, fn, second, torch.float32)
        r64 = run(name, fn, second, torch.float64)
        check_conditioning(name, r32, r64)
        cases.append(case_json(name, fn, second, r32))
    doc = {"generator": "tools/fixtures_autograd.py",
           "torch": torch.__version__,
           "dtype": "float32",
           "seeds": "each case draws from torch.Generator().manual_seed(zlib.crc32(name))",
           "cases": cases}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(dump(doc))
    print(f"{len(cases)} cases ({sum(c['secondOrder'] for c in cases)} second-order) -> "
          f"{os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
