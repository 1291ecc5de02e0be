package dev.tapegrad.onnx;

/**
 * Thrown when a traced forward cannot be written as an ONNX graph that computes the same thing: an
 * op with no ONNX mapping (named, with the place it was recorded), a value computed outside the
 * tape from the inputs, or control flow that depends on the inputs. Nothing is written then.
 */
public final class OnnxExportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  OnnxExportException(String message) {
    super(message);
  }
}
