/**
 * ONNX export of tapegrad models by tracing: {@link dev.tapegrad.onnx.OnnxExport} runs a forward
 * pass under a {@link dev.tapegrad.autograd.Trace} and writes the recorded ops as an ONNX graph
 * (opset 17 or newer) with the weights as initializers. Its own module, so that protobuf (through
 * tribuo-util-onnx's generated ONNX classes) stays out of {@code io} and the core modules.
 */
package dev.tapegrad.onnx;
