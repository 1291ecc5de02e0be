"""PyTorch reference fixtures for the nn layers and losses (run with torch 1.13, /usr/bin/python3).

For each layer case: the module is built in float32 with seeded weights, which are exported as
nn/src/test/resources/parity/<case>.safetensors under tapegrad's parameter names (TimeDelay's
Conv1d weight converted to its [out, context * in] layout). Then a float64 copy computes the
output on a seeded input and backpropagates a seeded gradOutput; nn_layers.json holds the input,
gradOutput, output, input gradient and parameter gradients. Loss cases hold logits, targets,
configuration, loss and logits gradient. ParityTest loads the weights through Checkpoint and
compares.

    /usr/bin/python3 tools/fixtures_nn_layers.py
"""

import copy
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn", "src", "test", "resources", "parity")


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def layer_case(name, module, x, export=None, params=None, config=None, input_grad=True):
    """Exports module's float32 weights, then computes in float64 with gradOutput."""
    state = export(module) if export else {k: v for k, v in module.named_parameters()}
    save(os.path.join(OUT, name + ".safetensors"), {k: v.detach().float() for k, v in state.items()},
         {"source": "torch " + torch.__version__, "case": name})
    ref = copy.deepcopy(module).double()
    if input_grad:
        xd = x.detach().double().requires_grad_(True)
    else:
        xd = x
    out = ref(xd)
    gen = torch.Generator().manual_seed(1234)
    grad_output = torch.randn(out.shape, generator=gen, dtype=torch.float32)
    out.backward(grad_output.double())
    grads = params(ref) if params else {k: v.grad for k, v in ref.named_parameters()}
    return {
        "name": name,
        "kind": "layer",
        "config": config or {},
        "input": tensor_json(x if not input_grad else x.float()),
        "gradOutput": tensor_json(grad_output),
        "output": tensor_json(out),
        "inputGrad": tensor_json(xd.grad) if input_grad else None,
        "paramGrads": {k: tensor_json(g) for k, g in grads.items()},
    }


class TimeDelayRef(nn.Module):
    """TimeDelay as torch Conv1d on the input transposed to [batch, in, time]."""

    def __init__(self, inp, out, context, dilation):
        super().__init__()
        self.conv = nn.Conv1d(inp, out, context, dilation=dilation)

    def forward(self, x):
        return self.conv(x.transpose(1, 2)).transpose(1, 2)


def tdnn_export(m):
    w = m.conv.weight  # [out, in, context]
    return {"weight": w.permute(0, 2, 1).reshape(w.shape[0], -1), "bias": m.conv.bias}


def tdnn_grads(m):
    g = m.conv.weight.grad
    return {"weight": g.permute(0, 2, 1).reshape(g.shape[0], -1), "bias": m.conv.bias.grad}


def loss_case(name, fn, logits, targets, config, target_tensor=None):
    xd = logits.detach().double().requires_grad_(True)
    td = target_tensor.detach().double().requires_grad_(True) if target_tensor is not None else None
    out = fn(xd, td if td is not None else targets)
    gen = torch.Generator().manual_seed(99)
    grad_output = torch.randn(out.shape, generator=gen, dtype=torch.float32) if out.dim() > 0 else torch.tensor(1.0)
    out.backward(grad_output.double())
    case = {
        "name": name,
        "kind": "loss",
        "config": config,
        "input": tensor_json(logits),
        "gradOutput": tensor_json(grad_output),
        "output": tensor_json(out),
        "inputGrad": tensor_json(xd.grad),
    }
    if target_tensor is not None:
        case["target"] = tensor_json(target_tensor)
        case["targetGrad"] = tensor_json(td.grad)
    else:
        case["targets"] = [int(t) for t in targets.reshape(-1).tolist()]
    return case


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    cases = []

    cases.append(layer_case("linear", nn.Linear(5, 4), torch.randn(2, 3, 5), config={"in": 5, "out": 4, "bias": True}))
    cases.append(layer_case("linear_nobias", nn.Linear(3, 2, bias=False), torch.randn(4, 3),
                            config={"in": 3, "out": 2, "bias": False}))

    emb = nn.Embedding(7, 3, padding_idx=2)
    idx = torch.tensor([[1, 2, 6], [2, 0, 1]])
    cases.append(layer_case("embedding", emb, idx, input_grad=False,
                            config={"num": 7, "dim": 3, "paddingIdx": 2}))

    norm = nn.LayerNorm([3, 4])
    with torch.no_grad():
        norm.weight.uniform_(0.5, 1.5)
        norm.bias.uniform_(-0.5, 0.5)
    cases.append(layer_case("layernorm", norm, torch.randn(2, 3, 4) * 3 + 1, config={"shape": [3, 4]}))

    mlp = nn.Sequential(
        nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.LeakyReLU(0.1), nn.Linear(8, 6), nn.GELU(),
        nn.LayerNorm(6), nn.Linear(6, 5), nn.Sigmoid(), nn.Linear(5, 3), nn.LogSoftmax(-1))
    with torch.no_grad():
        mlp[6].weight.uniform_(0.5, 1.5)
        mlp[6].bias.uniform_(-0.5, 0.5)
    cases.append(layer_case("mlp", mlp, torch.randn(3, 2, 4)))

    cases.append(layer_case("tdnn", TimeDelayRef(3, 4, 3, 2), torch.randn(2, 10, 3), export=tdnn_export,
                            params=tdnn_grads, config={"in": 3, "out": 4, "context": 3, "dilation": 2}))
    cases.append(layer_case("tdnn_d1", TimeDelayRef(2, 3, 2, 1), torch.randn(1, 5, 2), export=tdnn_export,
                            params=tdnn_grads, config={"in": 2, "out": 3, "context": 2, "dilation": 1}))

    softmax = nn.Softmax(dim=1)
    cases.append(layer_case("softmax_dim1", softmax, torch.randn(2, 3, 4), config={"dim": 1}))

    logits = torch.randn(6, 5)
    targets = torch.tensor([0, 4, 2, 2, 1, 3])
    seq_logits = torch.randn(2, 3, 5)
    seq_targets = torch.tensor([[1, 0, 4], [3, 3, 2]])
    values = torch.randn(2, 3, 4)
    labels = torch.rand(2, 3, 4)
    for reduction in ["mean", "sum", "none"]:
        cases.append(loss_case(f"ce_{reduction}", lambda x, t, r=reduction: F.cross_entropy(x, t, reduction=r),
                               logits, targets, {"loss": "crossEntropy", "reduction": reduction,
                                                 "ignoreIndex": -100, "labelSmoothing": 0.0}))
        cases.append(loss_case(
            f"ce_ignore_smooth_{reduction}",
            lambda x, t, r=reduction: F.cross_entropy(x, t, reduction=r, ignore_index=2, label_smoothing=0.2),
            logits, targets,
            {"loss": "crossEntropy", "reduction": reduction, "ignoreIndex": 2, "labelSmoothing": 0.2}))
        # sequence logits [N, T, C]: PyTorch wants classes in dim 1
        cases.append(loss_case(
            f"ce_seq_{reduction}",
            lambda x, t, r=reduction: F.cross_entropy(x.permute(0, 2, 1), t, reduction=r, ignore_index=0,
                                                       label_smoothing=0.1),
            seq_logits, seq_targets,
            {"loss": "crossEntropy", "reduction": reduction, "ignoreIndex": 0, "labelSmoothing": 0.1}))
        cases.append(loss_case(
            f"nll_{reduction}",
            lambda x, t, r=reduction: F.nll_loss(F.log_softmax(x, -1), t, reduction=r, ignore_index=4),
            logits, targets, {"loss": "nll", "reduction": reduction, "ignoreIndex": 4}))
        cases.append(loss_case(f"mse_{reduction}", lambda x, t, r=reduction: F.mse_loss(x, t, reduction=r),
                               values, None, {"loss": "mse", "reduction": reduction}, target_tensor=labels))
        cases.append(loss_case(
            f"bce_{reduction}",
            lambda x, t, r=reduction: F.binary_cross_entropy_with_logits(x, t, reduction=r),
            values * 3, None, {"loss": "bce", "reduction": reduction}, target_tensor=labels))

    with open(os.path.join(OUT, "nn_layers.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
