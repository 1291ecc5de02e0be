"""A minimal, independent safetensors writer and reader in pure Python (struct + json).

Used to produce test fixtures from PyTorch and to check files written by tapegrad's Java code,
on machines whose PyTorch has no safetensors package. It follows the reference implementation's
layout: tensors sorted by dtype (widest first) then by name, laid out back to back; compact JSON
with "__metadata__" first (left out when empty); the header padded with spaces to a multiple of 8.

    from safetensors_io import save, load
    save("w.safetensors", {"weight": torch.randn(3, 4)}, {"format": "pt"})
    tensors, metadata = load("w.safetensors")

Run as a script to print a file's contents: python3 tools/safetensors_io.py FILE
"""

import json
import struct
import sys

import torch

MAX_HEADER_BYTES = 100_000_000

# Element sizes, and the rank the reference writer sorts by (descending) before names.
_DTYPES = {
    "F64": (torch.float64, 8, 3),
    "F32": (torch.float32, 4, 2),
    "BF16": (torch.bfloat16, 2, 1),
    "F16": (torch.float16, 2, 0),
}
_NAMES = {torch_dtype: name for name, (torch_dtype, _, _) in _DTYPES.items()}

if sys.byteorder != "little":
    raise ImportError("safetensors_io assumes a little-endian machine")


def _tensor_bytes(t):
    t = t.detach().cpu().contiguous().reshape(-1)
    return t.view(torch.uint8).numpy().tobytes() if t.numel() else b""


def dumps(tensors, metadata=None):
    """The safetensors bytes for a dict of name -> torch tensor and an optional str -> str dict."""
    items = []
    for name, t in tensors.items():
        if t.dtype not in _NAMES:
            raise ValueError(f"{name}: dtype {t.dtype} not supported")
        items.append((name, _NAMES[t.dtype], t))
    items.sort(key=lambda item: (-_DTYPES[item[1]][2], item[0]))
    header = {}
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("metadata keys and values must be strings")
        header["__metadata__"] = dict(sorted(metadata.items()))
    chunks = []
    offset = 0
    for name, dtype, t in items:
        data = _tensor_bytes(t)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def save(path, tensors, metadata=None):
    with open(path, "wb") as f:
        f.write(dumps(tensors, metadata))


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate keys in header: {keys}")
    return dict(pairs)


def loads(data):
    """(tensors, metadata) from safetensors bytes, validated like the reference reader."""
    if len(data) < 8:
        raise ValueError("file shorter than 8 bytes")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise ValueError(f"bad header length {n}")
    raw = data[8 : 8 + n]
    if not raw.startswith(b"{"):
        raise ValueError("header does not start with '{'")
    header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    metadata = header.pop("__metadata__", {})
    if not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError("metadata values must be strings")
    buffer = memoryview(data)[8 + n :]
    spans = []
    tensors = {}
    for name, info in header.items():
        if set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{name}: fields {sorted(info)}")
        torch_dtype, size, _ = _DTYPES[info["dtype"]]
        shape = info["shape"]
        begin, end = info["data_offsets"]
        numel = 1
        for s in shape:
            if not isinstance(s, int) or s < 0:
                raise ValueError(f"{name}: bad shape {shape}")
            numel *= s
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= len(buffer)):
            raise ValueError(f"{name}: bad data_offsets {info['data_offsets']}")
        if numel * size != end - begin:
            raise ValueError(f"{name}: shape {shape} does not match data_offsets")
        spans.append((begin, end, name))
        chunk = bytearray(buffer[begin:end])
        flat = torch.frombuffer(chunk, dtype=torch_dtype) if chunk else torch.empty(0, dtype=torch_dtype)
        tensors[name] = flat.reshape(shape).clone()
    covered = 0
    for begin, end, name in sorted(spans):
        if begin != covered:
            raise ValueError(f"{name}: data_offsets leave a gap or overlap at {covered}")
        covered = end
    if covered != len(buffer):
        raise ValueError(f"tensors cover {covered} of {len(buffer)} buffer bytes")
    return tensors, metadata


def load(path):
    with open(path, "rb") as f:
        return loads(f.read())


if __name__ == "__main__":
    tensors, metadata = load(sys.argv[1])
    print("metadata:", metadata)
    for name in sorted(tensors):
        t = tensors[name]
        print(f"{name!r}: {t.dtype} {list(t.shape)}\n{t}")
