#!/usr/bin/env python3
"""Runs the ONNX checker (full check, with shape inference) on ONNX files.

The onnx module's tests leave every model they export in onnx/target/onnx-exports; after
`mvn -pl onnx -am test`, run `/usr/bin/python3 tools/check_onnx.py onnx/target/onnx-exports/*.onnx`.
Needs the onnx package (`apt-get install python3-onnx`); Debian's 1.12 knows opsets up to 17 only,
so it rejects the tests' opset 18 and 21 files, which ONNX Runtime runs. CI does not run it: ONNX Runtime, which
the tests load every export in, validates the models there.
"""
import sys

import onnx


def main(paths):
    failed = 0
    for path in paths:
        model = onnx.load(path)
        try:
            onnx.checker.check_model(model, full_check=True)
            print("ok   ", path, "opset", model.opset_import[0].version)
        except Exception as e:  # the checker raises several exception types
            failed += 1
            print("FAIL ", path, e)
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
