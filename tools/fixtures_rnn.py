#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures for tapegrad's recurrent cells and layers.

Run from the repository root with the reference PyTorch (1.13.1):

    /usr/bin/python3 tools/fixtures_rnn.py

For each case it writes the seeded float32 weights, under PyTorch's state-dict names, to
nn/src/test/resources/parity/rnn/<case>.safetensors (with tools/safetensors_io.py), and
<case>.json holding the configuration, the inputs, the outputs and final states, and the
gradients of a seeded random loss

    loss = sum(output * R) + sum(h_n * S) [+ sum(c_n * U)]

with respect to the input, the initial states and every parameter. Weights and inputs are drawn
in float32; the reference values are computed in float64 from those exact float32 numbers, so the
fixture is the true answer for the Java float32 code to approach. Variable-length cases go through
pack_padded_sequence / pad_packed_sequence.
"""
import json
import os
import sys

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save  # noqa: E402

OUT = os.path.join("nn", "src", "test", "resources", "parity", "rnn")


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def randn32(gen, *shape):
    return torch.randn(*shape, generator=gen, dtype=torch.float32).double()


def write(name, case, params32):
    case["name"] = name
    os.makedirs(OUT, exist_ok=True)
    save(os.path.join(OUT, name + ".safetensors"), params32, {"format": "pt", "source": "tools/fixtures_rnn.py"})
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(case, f, separators=(",", ":"))
    print("wrote", name)


def cell_case(name, kind, make, input_size, hidden, batch, seed, bias=True, nonlinearity="tanh"):
    torch.manual_seed(seed)
    cell = make()
    params32 = {k: v.detach().clone() for k, v in cell.named_parameters()}
    cell = cell.double()
    gen = torch.Generator().manual_seed(seed + 1)
    shape_x = (batch, input_size) if batch else (input_size,)
    shape_h = (batch, hidden) if batch else (hidden,)
    x = randn32(gen, *shape_x).requires_grad_()
    h0 = randn32(gen, *shape_h).requires_grad_()
    c0 = randn32(gen, *shape_h).requires_grad_() if kind == "lstm_cell" else None
    r = randn32(gen, *shape_h)
    s = randn32(gen, *shape_h) if kind == "lstm_cell" else None
    if kind == "lstm_cell":
        h, c = cell(x, (h0, c0))
        loss = (h * r).sum() + (c * s).sum()
    else:
        h = cell(x, h0)
        c = None
        loss = (h * r).sum()
    loss.backward()
    case = {
        "kind": kind,
        "config": {"input_size": input_size, "hidden_size": hidden, "bias": bias, "nonlinearity": nonlinearity},
        "inputs": {"input": tensor_json(x), "h0": tensor_json(h0), "R": tensor_json(r)},
        "expected": {"h": tensor_json(h)},
        "grads": {"input": tensor_json(x.grad), "h0": tensor_json(h0.grad),
                  "params": {k: tensor_json(v.grad) for k, v in cell.named_parameters()}},
    }
    if c0 is not None:
        case["inputs"]["c0"] = tensor_json(c0)
        case["inputs"]["S"] = tensor_json(s)
        case["expected"]["c"] = tensor_json(c)
        case["grads"]["c0"] = tensor_json(c0.grad)
    write(name, case, params32)


def layer_case(name, kind, input_size, hidden, steps, batch, seed, num_layers=1, bidirectional=False,
               batch_first=False, bias=True, nonlinearity="tanh", initial=True, lengths=None):
    torch.manual_seed(seed)
    if kind == "rnn":
        layer = nn.RNN(input_size, hidden, num_layers=num_layers, nonlinearity=nonlinearity, bias=bias,
                       batch_first=batch_first, bidirectional=bidirectional)
    elif kind == "lstm":
        layer = nn.LSTM(input_size, hidden, num_layers=num_layers, bias=bias, batch_first=batch_first,
                        bidirectional=bidirectional)
    else:
        layer = nn.GRU(input_size, hidden, num_layers=num_layers, bias=bias, batch_first=batch_first,
                       bidirectional=bidirectional)
    params32 = {k: v.detach().clone() for k, v in layer.named_parameters()}
    layer = layer.double()
    gen = torch.Generator().manual_seed(seed + 1)
    d = 2 if bidirectional else 1
    if batch is None:
        x_shape = (steps, input_size)
        state_shape = (num_layers * d, hidden)
        out_shape = (steps, d * hidden)
    else:
        x_shape = (batch, steps, input_size) if batch_first else (steps, batch, input_size)
        state_shape = (num_layers * d, batch, hidden)
        out_shape = (batch, steps, d * hidden) if batch_first else (steps, batch, d * hidden)
    x = randn32(gen, *x_shape).requires_grad_()
    h0 = randn32(gen, *state_shape).requires_grad_() if initial else None
    c0 = randn32(gen, *state_shape).requires_grad_() if initial and kind == "lstm" else None
    r = randn32(gen, *out_shape)
    s = randn32(gen, *state_shape)
    u = randn32(gen, *state_shape) if kind == "lstm" else None
    hx = None
    if initial:
        hx = (h0, c0) if kind == "lstm" else h0
    if lengths is not None:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
        out_packed, state = layer(packed, hx)
        out, _ = pad_packed_sequence(out_packed, batch_first=batch_first, total_length=steps)
    else:
        out, state = layer(x, hx)
    h_n, c_n = state if kind == "lstm" else (state, None)
    loss = (out * r).sum() + (h_n * s).sum()
    if c_n is not None:
        loss = loss + (c_n * u).sum()
    loss.backward()
    case = {
        "kind": kind,
        "config": {"input_size": input_size, "hidden_size": hidden, "num_layers": num_layers,
                   "bidirectional": bidirectional, "batch_first": batch_first, "bias": bias,
                   "nonlinearity": nonlinearity},
        "inputs": {"input": tensor_json(x), "R": tensor_json(r), "S": tensor_json(s)},
        "expected": {"output": tensor_json(out), "h_n": tensor_json(h_n)},
        "grads": {"input": tensor_json(x.grad),
                  "params": {k: tensor_json(v.grad) for k, v in layer.named_parameters()}},
    }
    if lengths is not None:
        case["inputs"]["lengths"] = list(lengths)
    if u is not None:
        case["inputs"]["U"] = tensor_json(u)
        case["expected"]["c_n"] = tensor_json(c_n)
    if initial:
        case["inputs"]["h0"] = tensor_json(h0)
        case["grads"]["h0"] = tensor_json(h0.grad)
        if c0 is not None:
            case["inputs"]["c0"] = tensor_json(c0)
            case["grads"]["c0"] = tensor_json(c0.grad)
    write(name, case, params32)


def main():
    torch.set_default_dtype(torch.float32)
    cell_case("rnn_cell_tanh", "rnn_cell", lambda: nn.RNNCell(4, 5, nonlinearity="tanh"), 4, 5, 3, 10)
    cell_case("rnn_cell_relu", "rnn_cell", lambda: nn.RNNCell(4, 5, nonlinearity="relu"), 4, 5, 3, 11,
              nonlinearity="relu")
    cell_case("lstm_cell", "lstm_cell", lambda: nn.LSTMCell(4, 5), 4, 5, 3, 12)
    cell_case("gru_cell", "gru_cell", lambda: nn.GRUCell(4, 5), 4, 5, 3, 13)
    cell_case("lstm_cell_unbatched", "lstm_cell", lambda: nn.LSTMCell(4, 5), 4, 5, None, 14)
    cell_case("gru_cell_nobias", "gru_cell", lambda: nn.GRUCell(4, 5, bias=False), 4, 5, 3, 15, bias=False)

    layer_case("rnn_tanh_2layer_bidir", "rnn", 4, 5, 6, 3, 20, num_layers=2, bidirectional=True)
    layer_case("rnn_relu_batch_first", "rnn", 4, 5, 6, 3, 21, batch_first=True, nonlinearity="relu",
               initial=False)
    layer_case("lstm_2layer_bidir_batch_first", "lstm", 4, 5, 6, 3, 22, num_layers=2, bidirectional=True,
               batch_first=True)
    layer_case("lstm_1layer_zero_state", "lstm", 4, 5, 7, 2, 23, initial=False)
    layer_case("lstm_2layer_nobias", "lstm", 3, 4, 5, 2, 24, num_layers=2, bias=False)
    layer_case("gru_2layer_bidir", "gru", 4, 5, 6, 3, 25, num_layers=2, bidirectional=True)
    layer_case("gru_batch_first", "gru", 4, 5, 6, 3, 26, batch_first=True)
    layer_case("gru_unbatched_bidir", "gru", 4, 5, 6, None, 27, bidirectional=True)
    layer_case("lstm_packed_2layer_bidir", "lstm", 4, 5, 6, 3, 30, num_layers=2, bidirectional=True,
               lengths=[4, 6, 2])
    layer_case("gru_packed_batch_first_bidir", "gru", 4, 5, 6, 3, 31, bidirectional=True, batch_first=True,
               lengths=[3, 6, 5])
    layer_case("rnn_packed_2layer", "rnn", 4, 5, 6, 4, 32, num_layers=2, lengths=[6, 1, 4, 6])


if __name__ == "__main__":
    main()
