package dev.tapegrad.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Assembles an ONNX graph: unique value names, float and int64 initializers, nodes with their
 * attributes, and the {@code Shape} of a value, made once. Internal.
 */
final class GraphBuilder {
  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Set<String> names = new HashSet<>();
  private final Map<String, String> shapes = new HashMap<>();
  private int counter;

  /** The opset the graph declares; some ops change form with it. */
  final int opset;

  GraphBuilder(String name, int opset) {
    graph.setName(name);
    this.opset = opset;
  }

  GraphProto build() {
    return graph.build();
  }

  /** A fresh value name starting with {@code base}. */
  String fresh(String base) {
    String clean = base.replaceAll("[^A-Za-z0-9_.]", "_");
    String name = clean;
    while (!names.add(name)) {
      name = clean + "_" + (++counter);
    }
    return name;
  }

  /** Claims {@code name} exactly (a graph input or output); fails if it is taken. */
  String claim(String name) {
    if (!names.add(name)) {
      throw new IllegalArgumentException("ONNX export: the name '" + name + "' is used twice");
    }
    return name;
  }

  /** Adds a float initializer and returns its name. */
  String floats(String base, float[] data, long... dims) {
    String name = fresh(base);
    ByteBuffer buffer = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : data) {
      buffer.putFloat(v);
    }
    buffer.flip();
    graph.addInitializer(
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(DataType.FLOAT.getNumber())
            .addAllDims(boxed(dims))
            .setRawData(ByteString.copyFrom(buffer)));
    return name;
  }

  /** Adds a scalar float initializer. */
  String scalar(float value) {
    return floats("const", new float[] {value});
  }

  /** Adds a 1-D int64 initializer. */
  String longs(String base, long... values) {
    String name = fresh(base);
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      buffer.putLong(v);
    }
    buffer.flip();
    graph.addInitializer(
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(DataType.INT64.getNumber())
            .addDims(values.length)
            .setRawData(ByteString.copyFrom(buffer)));
    return name;
  }

  static long[] toLongs(int[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  /**
   * Adds a node; {@code attributes} alternate names and values (Long, Integer, Float, String,
   * long[], String[]).
   */
  NodeProto.Builder node(String opType, String[] inputs, String[] outputs, Object... attributes) {
    NodeProto.Builder node =
        NodeProto.newBuilder().setOpType(opType).setName(fresh("node_" + opType));
    int used = inputs.length;
    while (used > 0 && inputs[used - 1] == null) {
      used--; // trailing optional inputs are left out
    }
    for (int i = 0; i < used; i++) {
      node.addInput(inputs[i] == null ? "" : inputs[i]);
    }
    for (String out : outputs) {
      node.addOutput(out);
    }
    for (int i = 0; i + 1 < attributes.length; i += 2) {
      node.addAttribute(attribute((String) attributes[i], attributes[i + 1]));
    }
    graph.addNode(node);
    return node;
  }

  /** Adds a node with one output named after {@code base}; returns the output's name. */
  String op(String opType, String base, String[] inputs, Object... attributes) {
    String out = fresh(base);
    node(opType, inputs, new String[] {out}, attributes);
    return out;
  }

  /** A node with one input and one output; returns the output's name. */
  String unary(String opType, String input, Object... attributes) {
    return op(opType, opType.toLowerCase(), new String[] {input}, attributes);
  }

  /** The runtime shape of {@code value} (int64 1-D), computed once. */
  String shapeOf(String value) {
    return shapes.computeIfAbsent(value, v -> unary("Shape", v));
  }

  /** One dimension of {@code value}'s runtime shape, as an int64 tensor of shape [1]. */
  String dimOf(String value, int axis) {
    return op("Gather", "dim", new String[] {shapeOf(value), longs("axis", axis)}, "axis", 0L);
  }

  private static AttributeProto attribute(String name, Object value) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
    if (value instanceof Long || value instanceof Integer) {
      a.setType(AttributeType.INT).setI(((Number) value).longValue());
    } else if (value instanceof Float || value instanceof Double) {
      a.setType(AttributeType.FLOAT).setF(((Number) value).floatValue());
    } else if (value instanceof String s) {
      a.setType(AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
    } else if (value instanceof long[] longs) {
      a.setType(AttributeType.INTS);
      for (long v : longs) {
        a.addInts(v);
      }
    } else if (value instanceof String[] strings) {
      a.setType(AttributeType.STRINGS);
      for (String s : strings) {
        a.addStrings(ByteString.copyFromUtf8(s));
      }
    } else {
      throw new IllegalStateException(
          "ONNX export: attribute " + name + " of type " + value.getClass());
    }
    return a.build();
  }

  void input(String name, int elemType, Object[] dims) {
    graph.addInput(valueInfo(name, elemType, dims));
  }

  void output(String name, int elemType, Object[] dims) {
    graph.addOutput(valueInfo(name, elemType, dims));
  }

  /** A typed value; each dim is an Integer (fixed) or a String (named, dynamic). */
  private static ValueInfoProto valueInfo(String name, int elemType, Object[] dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof Integer i) {
        dim.setDimValue(i);
      } else {
        dim.setDimParam((String) d);
      }
      shape.addDim(dim);
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)))
        .build();
  }

  private static Iterable<Long> boxed(long[] dims) {
    java.util.List<Long> list = new java.util.ArrayList<>(dims.length);
    for (long d : dims) {
      list.add(d);
    }
    return list;
  }
}
