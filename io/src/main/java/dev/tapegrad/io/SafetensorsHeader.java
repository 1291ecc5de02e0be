package dev.tapegrad.io;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.tapegrad.autograd.Tensor;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON header of a safetensors file: parsing with full validation, and building.
 *
 * <p>Validation follows the reference implementation: every entry has exactly {@code dtype}, {@code
 * shape} and {@code data_offsets}; the byte length implied by dtype and shape equals the length of
 * the offsets; sorted by offset the tensors tile the data buffer exactly, with no gap, overlap or
 * trailing byte. Stricter than the reference: the header must start with '{', names may not repeat,
 * {@code __metadata__} values must be strings, and a tensor must fit in a Java array.
 */
final class SafetensorsHeader {
  /** The name of the optional string-to-string metadata entry. */
  static final String METADATA_KEY = "__metadata__";

  /** Element types we read. Saving always writes F32; the others are widened on load. */
  enum Dtype {
    F32(4),
    F64(8),
    F16(2),
    BF16(2);

    final int bytes;

    Dtype(int bytes) {
      this.bytes = bytes;
    }
  }

  /** Dtype names of the format that tapegrad recognises but cannot hold as float32 values. */
  private static final Set<String> UNSUPPORTED_DTYPES =
      Set.of(
          "BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "F8_E5M2", "F8_E4M3",
          "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64");

  /** One tensor's entry. {@code begin} and {@code end} are byte offsets into the data buffer. */
  record Entry(String name, Dtype dtype, int[] shape, int numel, long begin, long end) {}

  /** Orders strings by code point, which is UTF-8 byte order, as the reference writer does. */
  static final Comparator<String> CODE_POINT_ORDER =
      (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
          int ca = a.codePointAt(i);
          int cb = b.codePointAt(j);
          if (ca != cb) {
            return Integer.compare(ca, cb);
          }
          i += Character.charCount(ca);
          j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
      };

  final ImmutableList<Entry> entries;
  final ImmutableMap<String, String> metadata;

  private SafetensorsHeader(ImmutableList<Entry> entries, ImmutableMap<String, String> metadata) {
    this.entries = entries;
    this.metadata = metadata;
  }

  // ---------------------------------------------------------------- parsing

  /**
   * Parses and validates a header whose data buffer holds {@code bufferBytes} bytes. The entries
   * come back sorted by name.
   */
  static SafetensorsHeader parse(byte[] header, long bufferBytes) throws CheckpointException {
    if (header.length == 0 || header[0] != '{') {
      throw new CheckpointException(
          header.length == 0
              ? "header is empty"
              : String.format(
                  "header does not start with '{' (first byte 0x%02x)", header[0] & 0xff));
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(header))
              .toString();
    } catch (CharacterCodingException e) {
      throw new CheckpointException("header is not valid UTF-8", e);
    }

    HeaderJson json = new HeaderJson(text);
    Map<String, Entry> byName = new LinkedHashMap<>();
    ImmutableMap<String, String> metadata = null;
    json.beginObject();
    while (json.hasNext()) {
      String name = json.nextName();
      if (name.equals(METADATA_KEY)) {
        if (metadata != null) {
          throw new CheckpointException("header has " + METADATA_KEY + " twice");
        }
        metadata = parseMetadata(json);
      } else {
        if (byName.containsKey(name)) {
          throw new CheckpointException("header has tensor " + quote(name) + " twice");
        }
        byName.put(name, parseEntry(json, name));
      }
    }
    json.endObject();
    json.endDocument();

    List<Entry> sorted = new ArrayList<>(byName.values());
    checkLayout(sorted, bufferBytes);
    sorted.sort(Comparator.comparing(Entry::name, CODE_POINT_ORDER));
    return new SafetensorsHeader(
        ImmutableList.copyOf(sorted), metadata == null ? ImmutableMap.of() : metadata);
  }

  private static ImmutableMap<String, String> parseMetadata(HeaderJson json)
      throws CheckpointException {
    Map<String, String> metadata = new LinkedHashMap<>();
    json.beginObject();
    while (json.hasNext()) {
      String key = json.nextName();
      if (!json.peekIsString()) {
        throw new CheckpointException(
            METADATA_KEY
                + " value for key "
                + quote(key)
                + " is not a string (at character "
                + json.position()
                + ")");
      }
      if (metadata.put(key, json.nextString()) != null) {
        throw new CheckpointException(METADATA_KEY + " has key " + quote(key) + " twice");
      }
    }
    json.endObject();
    return ImmutableMap.copyOf(metadata);
  }

  private static Entry parseEntry(HeaderJson json, String name) throws CheckpointException {
    String tensor = "tensor " + quote(name);
    try {
      String dtypeName = null;
      int[] shape = null;
      long[] offsets = null;
      json.beginObject();
      while (json.hasNext()) {
        String field = json.nextName();
        switch (field) {
          case "dtype" -> {
            checkUnset(dtypeName, field);
            dtypeName = json.nextString();
          }
          case "shape" -> {
            checkUnset(shape, field);
            shape = parseShape(json);
          }
          case "data_offsets" -> {
            checkUnset(offsets, field);
            offsets = parseOffsets(json);
          }
          default ->
              throw new CheckpointException(
                  "unexpected field " + quote(field) + " (expected dtype, shape, data_offsets)");
        }
      }
      json.endObject();
      if (dtypeName == null || shape == null || offsets == null) {
        throw new CheckpointException(
            "missing field "
                + (dtypeName == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
      }
      Dtype dtype = dtype(dtypeName);
      long numel = numel(shape);
      long length = offsets[1] - offsets[0];
      if (offsets[1] < offsets[0]) {
        throw new CheckpointException(
            "data_offsets " + Arrays.toString(offsets) + " end before they begin");
      }
      if (numel * dtype.bytes != length) {
        throw new CheckpointException(
            String.format(
                "dtype %s and shape %s need %d bytes but data_offsets %s span %d",
                dtype,
                Arrays.toString(shape),
                numel * dtype.bytes,
                Arrays.toString(offsets),
                length));
      }
      return new Entry(name, dtype, shape, (int) numel, offsets[0], offsets[1]);
    } catch (CheckpointException e) {
      throw new CheckpointException(tensor + ": " + e.getMessage(), e);
    }
  }

  private static void checkUnset(Object value, String field) throws CheckpointException {
    if (value != null) {
      throw new CheckpointException("field " + field + " appears twice");
    }
  }

  private static int[] parseShape(HeaderJson json) throws CheckpointException {
    IntArrayList shape = new IntArrayList();
    json.beginArray();
    while (json.hasNext()) {
      long size = json.nextLong();
      if (size < 0 || size > Integer.MAX_VALUE) {
        throw new CheckpointException(
            "shape entry " + size + " is " + (size < 0 ? "negative" : "larger than 2^31 - 1"));
      }
      shape.add((int) size);
    }
    json.endArray();
    return shape.toIntArray();
  }

  private static long[] parseOffsets(HeaderJson json) throws CheckpointException {
    long[] offsets = new long[2];
    int count = 0;
    json.beginArray();
    while (json.hasNext()) {
      long offset = json.nextLong();
      if (count == 2) {
        throw new CheckpointException("data_offsets has more than 2 entries");
      }
      if (offset < 0) {
        throw new CheckpointException("data_offsets entry " + offset + " is negative");
      }
      offsets[count++] = offset;
    }
    json.endArray();
    if (count != 2) {
      throw new CheckpointException("data_offsets has " + count + " entries, not 2");
    }
    return offsets;
  }

  private static Dtype dtype(String name) throws CheckpointException {
    for (Dtype d : Dtype.values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    throw new CheckpointException(
        (UNSUPPORTED_DTYPES.contains(name)
                ? "dtype " + name + " is not supported"
                : "unknown dtype " + quote(name))
            + "; tapegrad reads F32, F64, F16 and BF16 into float32 tensors");
  }

  /** The element count, or an exception if it does not fit a Java float array. */
  private static long numel(int[] shape) throws CheckpointException {
    for (int size : shape) {
      if (size == 0) {
        return 0;
      }
    }
    long n = 1;
    for (int size : shape) {
      n *= size; // both factors are below 2^31 and n stays below 2^31, so this cannot overflow
      if (n > Integer.MAX_VALUE - 8) {
        throw new CheckpointException(
            "shape " + Arrays.toString(shape) + " has more elements than a Java array can hold");
      }
    }
    return n;
  }

  /** Checks that the tensors, sorted by offset, tile {@code [0, bufferBytes)} exactly. */
  private static void checkLayout(List<Entry> entries, long bufferBytes)
      throws CheckpointException {
    List<Entry> byOffset = new ArrayList<>(entries);
    byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long covered = 0;
    Entry previous = null;
    for (Entry e : byOffset) {
      if (e.end() > bufferBytes) {
        throw new CheckpointException(
            String.format(
                "tensor %s: data_offsets [%d, %d] run past the end of the %d-byte data buffer"
                    + " (truncated file?)",
                quote(e.name()), e.begin(), e.end(), bufferBytes));
      }
      if (e.begin() < covered) {
        throw new CheckpointException(
            String.format(
                "tensor %s: data_offsets [%d, %d] overlap tensor %s at [%d, %d]",
                quote(e.name()),
                e.begin(),
                e.end(),
                quote(previous.name()),
                previous.begin(),
                previous.end()));
      }
      if (e.begin() > covered) {
        throw new CheckpointException(
            String.format(
                "tensor %s: data_offsets [%d, %d] leave bytes [%d, %d) of the data buffer unused",
                quote(e.name()), e.begin(), e.end(), covered, e.begin()));
      }
      covered = e.end();
      previous = e;
    }
    if (covered != bufferBytes) {
      throw new CheckpointException(
          String.format(
              "the tensors cover %d bytes but the data buffer has %d (trailing bytes)",
              covered, bufferBytes));
    }
  }

  // ---------------------------------------------------------------- building

  /**
   * The header for float32 tensors laid out back to back in the given order, padded with spaces to
   * a multiple of 8 bytes. {@code __metadata__} comes first and is left out when empty.
   */
  static byte[] build(List<Map.Entry<String, Tensor>> tensors, Map<String, String> metadata) {
    StringBuilder sb = new StringBuilder("{");
    if (!metadata.isEmpty()) {
      JsonWriter.string(sb, METADATA_KEY).append(":{");
      String separator = "";
      for (Map.Entry<String, String> m : metadata.entrySet()) {
        JsonWriter.string(sb.append(separator), m.getKey()).append(':');
        JsonWriter.string(sb, m.getValue());
        separator = ",";
      }
      sb.append('}');
      if (!tensors.isEmpty()) {
        sb.append(',');
      }
    }
    long offset = 0;
    String separator = "";
    for (Map.Entry<String, Tensor> t : tensors) {
      Tensor tensor = t.getValue();
      long end = offset + 4L * tensor.numel();
      JsonWriter.string(sb.append(separator), t.getKey()).append(":{\"dtype\":\"F32\",\"shape\":[");
      int[] shape = tensor.shape();
      for (int d = 0; d < shape.length; d++) {
        sb.append(d == 0 ? "" : ",").append(shape[d]);
      }
      sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
      offset = end;
      separator = ",";
    }
    sb.append('}');
    byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
    byte[] padded = Arrays.copyOf(json, (json.length + 7) & ~7);
    Arrays.fill(padded, json.length, padded.length, (byte) ' ');
    return padded;
  }

  /** The name as a JSON string for messages, shortened so a hostile name cannot flood a log. */
  static String quote(String name) {
    String shown = name.length() <= 100 ? name : name.substring(0, 100) + "...";
    return JsonWriter.string(new StringBuilder(), shown).toString();
  }
}
