"""Writes the safetensors test fixtures from PyTorch-generated values.

    /usr/bin/python3 tools/fixtures_safetensors.py

Writes into io/src/test/resources/safetensors/:
  torch_f32.safetensors    F32 tensors of many shapes (scalar, empty, unicode names) + metadata
  torch_mixed.safetensors  F64, F32, F16 and BF16 tensors, including subnormals, infinities, NaN, -0
  torch_fixtures.json      for each file: its metadata and, for each tensor, its dtype, shape and
                           the float32 values PyTorch gives for it (t.to(torch.float32)), as
                           IEEE 754 bit patterns so NaN and -0 survive JSON exactly

The files are written by tools/safetensors_io.py, a writer independent of the Java one.
"""

import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "io", "src", "test", "resources", "safetensors")


def f32_tensors():
    g = torch.Generator().manual_seed(1234)
    return {
        "linear.weight": torch.randn(4, 3, generator=g),
        "linear.bias": torch.randn(4, generator=g),
        "lstm.weight_ih_l0": torch.randn(8, 2, generator=g),
        "scalar": torch.tensor(-2.75),
        "empty": torch.zeros(0, 3),
        "cube": torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 7,
        "ones.1x1x1x1": torch.ones(1, 1, 1, 1),
        "gewicht.ü€": torch.rand(2, 2, generator=g),
        "emoji 😀": torch.tensor([1e-30, 3.4e38, -0.0, 1.0]),
        'quote"back\\slash\ttab': torch.tensor([0.1]),
    }


def mixed_tensors():
    special = [0.0, -0.0, 1.0, -1.5, 65504.0, 6.1e-5, 6e-8, 1e-7, float("inf"), float("-inf"), float("nan"), 3.14159]
    g = torch.Generator().manual_seed(99)
    return {
        "f64": torch.tensor(special + [1e300, 1e-300, 0.1], dtype=torch.float64),
        "f32": torch.tensor(special, dtype=torch.float32).reshape(3, 4),
        "f16": torch.tensor(special, dtype=torch.float16).reshape(2, 6),
        "bf16": torch.tensor(special + [3e38, 1e-40], dtype=torch.bfloat16),
        "f16_random": torch.randn(5, 7, generator=g).to(torch.float16),
        "bf16_random": torch.randn(3, 5, generator=g).to(torch.bfloat16),
        "f64_random": torch.randn(2, 3, generator=g, dtype=torch.float64),
        "f16_empty": torch.zeros(2, 0, dtype=torch.float16),
    }


def expected(tensors, metadata):
    out = {"metadata": metadata, "tensors": {}}
    for name, t in tensors.items():
        values = t.to(torch.float32).reshape(-1).tolist()
        bits = [struct.unpack("<I", struct.pack("<f", v))[0] for v in values]
        out["tensors"][name] = {
            "dtype": safetensors_io._NAMES[t.dtype],
            "shape": list(t.shape),
            "float32_bits": bits,
        }
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {
        "torch_f32.safetensors": (f32_tensors(), {"format": "pt", "source": "torch " + torch.__version__.split("a")[0], "ключ": "значение"}),
        "torch_mixed.safetensors": (mixed_tensors(), {}),
    }
    sidecar = {}
    for filename, (tensors, metadata) in files.items():
        path = os.path.join(OUT, filename)
        safetensors_io.save(path, tensors, metadata)
        # Check the file against an independent read before trusting it.
        loaded, loaded_metadata = safetensors_io.load(path)
        assert loaded_metadata == metadata
        for name, t in tensors.items():
            assert torch.equal(loaded[name].isnan(), t.isnan()) and torch.equal(
                torch.nan_to_num(loaded[name]), torch.nan_to_num(t)), name
        sidecar[filename] = expected(tensors, metadata)
        print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")
    with open(os.path.join(OUT, "torch_fixtures.json"), "w", encoding="ascii") as f:
        f.write(format_sidecar(sidecar))


def format_sidecar(sidecar):
    """JSON with one line per tensor, ASCII only (so names exercise \\u escapes)."""
    files = []
    for filename, content in sidecar.items():
        tensors = ",\n".join(
            f"   {json.dumps(name)}: {json.dumps(entry)}" for name, entry in content["tensors"].items())
        files.append(
            f' {json.dumps(filename)}: {{\n  "metadata": {json.dumps(content["metadata"])},\n'
            f'  "tensors": {{\n{tensors}\n  }}\n }}')
    return "{\n" + ",\n".join(files) + "\n}\n"


if __name__ == "__main__":
    main()
