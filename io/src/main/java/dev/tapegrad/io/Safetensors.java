package dev.tapegrad.io;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.annotations.VisibleForTesting;
import com.google.common.collect.ImmutableMap;
import dev.tapegrad.autograd.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/**
 * Named tensors and string metadata read from, or written to, the <a
 * href="https://github.com/huggingface/safetensors">safetensors</a> format, so checkpoints move
 * between tapegrad and PyTorch.
 *
 * <p>The format: an 8-byte little-endian unsigned header length {@code N}; {@code N} bytes of UTF-8
 * JSON mapping each tensor name to {@code {"dtype": "F32", "shape": [...], "data_offsets": [begin,
 * end]}}, plus an optional {@code "__metadata__"} object of strings; then the data buffer, with
 * offsets counted from its start.
 *
 * <pre>{@code
 * Safetensors.save(path, Map.of("weight", w, "bias", b), Map.of("epoch", "3"));
 * Safetensors checkpoint = Safetensors.load(path);
 * Tensor w2 = checkpoint.tensors().get("weight");
 * }</pre>
 *
 * <p><b>Writing.</b> Tensors are written as F32, sorted by name (in code point order, as the
 * reference implementation sorts), laid out back to back in that order; metadata keys are sorted
 * too and {@code __metadata__} is left out when empty. The header is compact JSON padded with
 * spaces to a multiple of 8 bytes, so the data starts 8-byte aligned. The same content therefore
 * always gives the same bytes, laid out as the reference writer lays out float32 tensors (its
 * metadata order is unspecified; ours is sorted). {@link #save} never leaves a half-written file
 * behind: it writes a temporary file in the target's directory, forces it to disk, and renames it
 * over the target, so a crash mid-save keeps the previous checkpoint. A process killed mid-save
 * leaves its temporary ({@code .<name>.<16 hex digits>.tmp}); the next save of the same target
 * deletes it, so temporaries never pile up.
 *
 * <p><b>Reading.</b> Decision: F32 tensors load as they are, and F64, F16 and BF16 tensors (common
 * in published PyTorch weights) are converted to float32 (F64 rounds to nearest; F16 and BF16 widen
 * exactly); any other dtype is refused. Loading validates the whole header before it allocates a
 * tensor: header length at most {@link #MAX_HEADER_BYTES} and within the file, strict JSON (Gson's
 * streaming reader in strict mode, nested at most three levels deep), exactly {@code dtype}, {@code
 * shape} and {@code data_offsets} per tensor, byte lengths that match dtype and shape, tensors that
 * tile the data buffer exactly with no gap, overlap or trailing byte, no repeated names, string
 * metadata. Every such problem is a {@link CheckpointException} naming the tensor or header
 * position at fault, never a partial result. Memory use is proportional to the file's size (twice
 * the data for widened F16 and BF16), and a header can claim no more than the file holds.
 *
 * <p>Instances are immutable: the maps keep their order and cannot be changed. The tensors are
 * fresh leaves that do not require grad.
 */
public final class Safetensors {
  /** The largest header accepted, the reference implementation's limit (100 MB). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final int CHUNK_BYTES = 1 << 16;

  /** The temporaries this JVM's saves are writing now; cleanup never opens them (see below). */
  private static final Set<Path> WRITING = ConcurrentHashMap.newKeySet();

  private final ImmutableMap<String, Tensor> tensors;
  private final ImmutableMap<String, String> metadata;

  private Safetensors(ImmutableMap<String, Tensor> tensors, ImmutableMap<String, String> metadata) {
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** The tensors by name, sorted by name; immutable. */
  public Map<String, Tensor> tensors() {
    return tensors;
  }

  /** The {@code __metadata__} entries, in the order of the file; empty if it had none. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Lists the tensors with their shapes, and the metadata. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Safetensors{");
    String separator = "";
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      sb.append(separator).append(e.getKey()).append(Arrays.toString(e.getValue().shape()));
      separator = ", ";
    }
    return sb.append(", metadata=").append(metadata).append('}').toString();
  }

  // ---------------------------------------------------------------- reading

  /**
   * Reads a safetensors file.
   *
   * <p>Every failure names {@code file}: a {@link CheckpointException} when the path is a directory
   * or another non-regular file, is empty, or holds content that is truncated, corrupt or not
   * supported; the file system's own exception types otherwise, with a reason added where the JDK
   * gives none ({@link NoSuchFileException}, {@link AccessDeniedException}).
   *
   * @throws CheckpointException if {@code file} is not a regular file, or its content is truncated,
   *     corrupt or not supported
   * @throws IOException if the file cannot be read
   */
  public static Safetensors load(Path file) throws IOException {
    checkNotNull(file, "file");
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw withReason(
          new NoSuchFileException(file.toString(), null, "Safetensors.load: no such file"), e);
    } catch (AccessDeniedException e) {
      throw withReason(
          new AccessDeniedException(file.toString(), null, "Safetensors.load: permission denied"),
          e);
    }
    if (attributes.isDirectory()) {
      throw new CheckpointException(file + ": is a directory, not a safetensors file");
    }
    if (!attributes.isRegularFile()) {
      throw new CheckpointException(
          file + ": is not a regular file; safetensors are read from files");
    }
    FileChannel opened;
    try {
      opened = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw withReason(
          new NoSuchFileException(file.toString(), null, "Safetensors.load: no such file"), e);
    } catch (AccessDeniedException e) {
      throw withReason(
          new AccessDeniedException(file.toString(), null, "Safetensors.load: permission denied"),
          e);
    }
    try (FileChannel channel = opened) {
      long size = channel.size();
      return read(
          size,
          (position, dst) -> {
            while (dst.hasRemaining()) {
              if (channel.read(dst, position + dst.position()) < 0) {
                throw new CheckpointException(
                    "ended at byte "
                        + (position + dst.position())
                        + " of "
                        + size
                        + " (changed while loading?)");
              }
            }
          });
    } catch (CheckpointException e) {
      CheckpointException named =
          new CheckpointException(file + ": " + e.getMessage(), e.getCause());
      named.setStackTrace(e.getStackTrace());
      throw named;
    }
  }

  private static <E extends IOException> E withReason(E replacement, IOException original) {
    replacement.initCause(original);
    return replacement;
  }

  /**
   * Reads safetensors content from memory.
   *
   * @throws CheckpointException if the content is truncated, corrupt or not supported
   */
  public static Safetensors read(byte[] bytes) throws CheckpointException {
    checkNotNull(bytes, "bytes");
    try {
      return read(bytes.length, (position, dst) -> dst.put(bytes, (int) position, dst.remaining()));
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      throw new AssertionError("reading memory cannot fail", e);
    }
  }

  /** Positional reads that fill {@code dst} completely. */
  private interface Source {
    void readFully(long position, ByteBuffer dst) throws IOException;
  }

  private static Safetensors read(long size, Source source) throws IOException {
    if (size < 8) {
      throw new CheckpointException(
          "file has "
              + size
              + " bytes, fewer than the 8 that hold the header length"
              + (size == 0 ? " (empty file)" : ""));
    }
    ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    source.readFully(0, prefix);
    long headerBytes = prefix.getLong(0);
    if (headerBytes < 0 || headerBytes > MAX_HEADER_BYTES) {
      throw new CheckpointException(
          "header length "
              + Long.toUnsignedString(headerBytes)
              + " exceeds the limit of "
              + MAX_HEADER_BYTES
              + " bytes");
    }
    if (headerBytes > size - 8) {
      throw new CheckpointException(
          "header length "
              + headerBytes
              + " runs past the end of the "
              + size
              + "-byte file (truncated?)");
    }
    byte[] header = new byte[(int) headerBytes];
    source.readFully(8, ByteBuffer.wrap(header));
    long dataStart = 8 + headerBytes;
    SafetensorsHeader parsed = SafetensorsHeader.parse(header, size - dataStart);

    ImmutableMap.Builder<String, Tensor> tensors =
        ImmutableMap.builderWithExpectedSize(parsed.entries.size());
    ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    float[] widened = new float[CHUNK_BYTES / 2];
    for (SafetensorsHeader.Entry e : parsed.entries) {
      Tensor tensor = Tensor.zeros(e.shape());
      long position = dataStart + e.begin();
      int done = 0;
      while (done < e.numel()) {
        int count = Math.min(e.numel() - done, CHUNK_BYTES / e.dtype().bytes);
        chunk.clear().limit(count * e.dtype().bytes);
        source.readFully(position, chunk);
        chunk.flip();
        tensor.copyFrom(done, decode(e.dtype(), chunk, widened, count));
        position += (long) count * e.dtype().bytes;
        done += count;
      }
      tensors.put(e.name(), tensor);
    }
    return new Safetensors(tensors.buildOrThrow(), parsed.metadata);
  }

  /** The {@code count} values in {@code in} as float32, F32 as a view and the others widened. */
  private static FloatBuffer decode(
      SafetensorsHeader.Dtype dtype, ByteBuffer in, float[] scratch, int count) {
    switch (dtype) {
      case F32 -> {
        return in.asFloatBuffer();
      }
      case F64 -> {
        for (int i = 0; i < count; i++) {
          scratch[i] = (float) in.getDouble(8 * i);
        }
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          scratch[i] = halfToFloat(in.getShort(2 * i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          scratch[i] = Float.intBitsToFloat((in.getShort(2 * i) & 0xffff) << 16);
        }
      }
    }
    return FloatBuffer.wrap(scratch, 0, count);
  }

  /** IEEE 754 binary16 to float32, exact (Float.float16ToFloat arrived only in Java 20). */
  static float halfToFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) { // infinity or NaN, payload kept
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) { // zero or subnormal: mantissa * 2^-24
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  // ---------------------------------------------------------------- writing

  /** Saves tensors without metadata; see {@link #save(Path, Map, Map)}. */
  public static void save(Path file, Map<String, Tensor> tensors) throws IOException {
    save(file, tensors, Map.of());
  }

  /**
   * Saves tensors and metadata to {@code file}, replacing it atomically: the data goes to a
   * temporary file in the same directory, is forced to disk, and is then renamed over {@code file}.
   * If anything fails, {@code file} is left as it was and the temporary file is removed. Tensors
   * are saved by value (a tensor that requires grad saves its values); they must not be changed in
   * place while the save runs. If {@code file} is a symbolic link, the link itself is replaced. On
   * a file system that cannot rename atomically, the rename falls back to an ordinary replacing
   * move.
   *
   * <p>Decision: the temporary gets a random name, {@code .<name>.<16 hex digits>.tmp}, and is
   * locked ({@link FileChannel#tryLock()}) while it is written. Before writing, a save deletes the
   * temporaries of the same target that nobody holds a lock on: those of processes killed mid-save,
   * whose locks died with them. So at most one stale temporary per target exists at a time (until
   * the next save), concurrent saves of one target never delete each other's work, and the last
   * rename wins. On a file system without locks, stale temporaries are left alone.
   *
   * @throws IllegalArgumentException if a name is {@code "__metadata__"} or not well-formed
   *     Unicode, or the header would exceed {@link #MAX_HEADER_BYTES}
   * @throws NoSuchFileException if the directory of {@code file} does not exist
   * @throws FileSystemException if {@code file} is a directory
   * @throws IOException if writing fails
   */
  public static void save(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    save(file, tensors, metadata, UnaryOperator.identity());
  }

  /** {@link #save(Path, Map, Map)} with a hook around the output channel, to inject failures. */
  @VisibleForTesting
  static void save(
      Path file,
      Map<String, Tensor> tensors,
      Map<String, String> metadata,
      UnaryOperator<WritableByteChannel> wrapOutput)
      throws IOException {
    checkNotNull(file, "file");
    Layout layout = Layout.of(tensors, metadata);
    Path target = file.toAbsolutePath();
    Path directory = target.getParent();
    checkArgument(directory != null, "Safetensors.save: %s is not a file path", file);
    if (!Files.isDirectory(directory)) {
      throw new NoSuchFileException(
          directory.toString(),
          null,
          "Safetensors.save: no such directory to save " + target.getFileName() + " in");
    }
    if (Files.isDirectory(target)) {
      throw new FileSystemException(
          target.toString(), null, "Safetensors.save: is a directory; give the path of a file");
    }
    String prefix = temporaryPrefix(target);
    removeStaleTemporaries(directory, prefix);
    Path temporary = null;
    try {
      FileChannel channel = null;
      for (int attempt = 0; channel == null; attempt++) {
        temporary =
            directory.resolve(
                prefix + String.format("%016x", ThreadLocalRandom.current().nextLong()) + ".tmp");
        WRITING.add(temporary); // before it exists, so no cleanup in this JVM ever opens it
        try {
          channel =
              FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
          WRITING.remove(temporary);
          if (attempt == 10) {
            throw e;
          }
          temporary = null;
        }
      }
      try (FileChannel out = channel) {
        lockQuietly(out); // held until the rename: the mark of a live temporary
        layout.writeTo(wrapOutput.apply(out));
        out.force(true);
        try {
          Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
          throw withReason(
              new NoSuchFileException(
                  temporary.toString(),
                  target.toString(),
                  "Safetensors.save: the temporary file was removed before it could replace the target"),
              e);
        }
      }
    } catch (Throwable t) {
      if (temporary != null) {
        try {
          Files.deleteIfExists(temporary);
        } catch (IOException cleanup) {
          t.addSuppressed(cleanup);
        }
      }
      throw t;
    } finally {
      if (temporary != null) {
        WRITING.remove(temporary);
      }
    }
    syncDirectory(directory);
  }

  /**
   * The temporaries of a target are named {@code .<name>.<16 hex digits>.tmp}, {@code <name>} cut
   * to 100 characters to stay within file name limits.
   */
  private static String temporaryPrefix(Path target) {
    String base = target.getFileName().toString();
    return "." + (base.length() > 100 ? base.substring(0, 100) : base) + ".";
  }

  private static boolean isTemporary(String name, String prefix) {
    if (!name.startsWith(prefix)
        || !name.endsWith(".tmp")
        || name.length() != prefix.length() + 20) {
      return false;
    }
    for (int i = prefix.length(); i < prefix.length() + 16; i++) {
      char c = name.charAt(i);
      if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) { // lower case, as written
        return false;
      }
    }
    return true;
  }

  /**
   * Deletes the temporaries that earlier saves of this target left behind when their process was
   * killed. A save in progress holds a lock on its temporary (and this JVM's own are listed in
   * {@link #WRITING}), so only temporaries nobody writes are removed. Best effort: a file that
   * cannot be opened or locked (a file system without locks, another user's file) is left alone.
   */
  private static void removeStaleTemporaries(Path directory, String prefix) {
    DirectoryStream.Filter<Path> ours = p -> isTemporary(p.getFileName().toString(), prefix);
    try (DirectoryStream<Path> candidates = Files.newDirectoryStream(directory, ours)) {
      for (Path candidate : candidates) {
        if (WRITING.contains(candidate)) {
          continue;
        }
        try (FileChannel channel = FileChannel.open(candidate, StandardOpenOption.WRITE)) {
          FileLock lock = channel.tryLock();
          if (lock != null) { // no live writer: its process died mid-save
            Files.deleteIfExists(candidate);
          }
        } catch (IOException | OverlappingFileLockException e) {
          // In use, gone already, or not ours to judge: leave it.
        }
      }
    } catch (IOException | DirectoryIteratorException e) {
      // Listing failed; the save itself will report a directory it cannot write to.
    }
  }

  /** Locks a fresh temporary; where the file system has no locks, saving goes on without. */
  private static void lockQuietly(FileChannel channel) {
    try {
      channel.tryLock();
    } catch (IOException | OverlappingFileLockException e) {
      // Without the lock a concurrent save may take this file for stale and delete it; the rename
      // then fails with a clear NoSuchFileException and the target is left as it was.
    }
  }

  /** Makes the rename durable; not every platform can open a directory, hence best effort. */
  private static void syncDirectory(Path directory) {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException | RuntimeException e) {
      // The file's own data is already on disk; only the rename's durability is at stake.
    }
  }

  /**
   * Writes tensors and metadata in the safetensors format to {@code out}, which is left open.
   *
   * @throws IllegalArgumentException as for {@link #save(Path, Map, Map)}
   */
  public static void write(
      OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    checkNotNull(out, "out");
    Layout.of(tensors, metadata).writeTo(Channels.newChannel(out));
  }

  /**
   * The safetensors bytes for tensors and metadata.
   *
   * @throws IllegalArgumentException as for {@link #save(Path, Map, Map)}, or if the result would
   *     not fit in a byte array
   */
  public static byte[] toByteArray(Map<String, Tensor> tensors, Map<String, String> metadata) {
    Layout layout = Layout.of(tensors, metadata);
    long total = 8 + layout.header.length + layout.dataBytes;
    checkArgument(
        total <= Integer.MAX_VALUE - 8,
        "Safetensors.toByteArray: %s bytes do not fit in a byte array; save to a file instead",
        total);
    ByteBuffer buffer = ByteBuffer.allocate((int) total);
    try {
      layout.writeTo(
          new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
              int n = src.remaining();
              buffer.put(src);
              return n;
            }

            @Override
            public boolean isOpen() {
              return true;
            }

            @Override
            public void close() {}
          });
    } catch (IOException e) {
      throw new AssertionError("writing to memory cannot fail", e);
    }
    return buffer.array();
  }

  /** A snapshot of what to write: tensors in name order, the header, the data size. */
  private static final class Layout {
    final List<Map.Entry<String, Tensor>> tensors;
    final byte[] header;
    final long dataBytes;

    private Layout(List<Map.Entry<String, Tensor>> tensors, byte[] header, long dataBytes) {
      this.tensors = tensors;
      this.header = header;
      this.dataBytes = dataBytes;
    }

    static Layout of(Map<String, Tensor> tensors, Map<String, String> metadata) {
      checkNotNull(tensors, "tensors");
      checkNotNull(metadata, "metadata");
      TreeMap<String, Tensor> sorted = new TreeMap<>(SafetensorsHeader.CODE_POINT_ORDER);
      long dataBytes = 0;
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        String name = checkNotNull(e.getKey(), "Safetensors: tensor name is null");
        Tensor tensor = e.getValue();
        checkNotNull(tensor, "Safetensors: tensor %s is null", name);
        checkArgument(
            !name.equals(SafetensorsHeader.METADATA_KEY),
            "Safetensors: %s is reserved and cannot name a tensor",
            SafetensorsHeader.METADATA_KEY);
        checkWellFormed("tensor name", name);
        checkArgument(
            sorted.put(name, tensor) == null, "Safetensors: tensor %s appears twice", name);
        dataBytes += 4L * tensor.numel();
      }
      Map<String, String> sortedMetadata = new TreeMap<>(SafetensorsHeader.CODE_POINT_ORDER);
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        String key = checkNotNull(e.getKey(), "Safetensors: metadata key is null");
        String value =
            checkNotNull(e.getValue(), "Safetensors: metadata value for %s is null", key);
        checkWellFormed("metadata key", key);
        checkWellFormed("metadata value", value);
        sortedMetadata.put(key, value);
      }
      List<Map.Entry<String, Tensor>> list = new ArrayList<>(sorted.size());
      for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
        list.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue()));
      }
      byte[] header = SafetensorsHeader.build(list, new LinkedHashMap<>(sortedMetadata));
      checkArgument(
          header.length <= MAX_HEADER_BYTES,
          "Safetensors: the header would take %s bytes, more than readers accept (%s)",
          header.length,
          MAX_HEADER_BYTES);
      return new Layout(list, header, dataBytes);
    }

    void writeTo(WritableByteChannel out) throws IOException {
      ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      chunk.putLong((long) header.length).flip();
      writeFully(out, chunk);
      writeFully(out, ByteBuffer.wrap(header));
      for (Map.Entry<String, Tensor> e : tensors) {
        Tensor tensor = e.getValue();
        int numel = tensor.numel();
        for (int done = 0; done < numel; ) {
          int count = Math.min(numel - done, CHUNK_BYTES / 4);
          chunk.clear();
          tensor.copyTo(done, chunk.asFloatBuffer().limit(count));
          chunk.limit(4 * count);
          writeFully(out, chunk);
          done += count;
        }
      }
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer buffer) throws IOException {
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    }
  }

  private static void checkWellFormed(String what, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean paired =
          Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1));
      if (paired) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            "Safetensors: "
                + what
                + " "
                + SafetensorsHeader.quote(s)
                + " has an unpaired surrogate at index "
                + i
                + " and cannot be encoded as UTF-8");
      }
    }
  }
}
