package dev.tapegrad.io;

import dev.tapegrad.autograd.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Map;

/**
 * The child JVM of {@link SafetensorsCrashTest}: saves version {@code n} of a checkpoint in full,
 * then starts saving version {@code n + 1} and stops halfway through its data, so the parent can
 * kill it mid-write. It reports each stage on stdout.
 */
public final class StallingSaver {
  private StallingSaver() {}

  static Map<String, Tensor> version(int n, int numel) {
    return Map.of("w", Tensor.full(n, numel), "b", Tensor.full(-n, 3));
  }

  /** Arguments: the target file, the version to save in full, the tensor size. */
  public static void main(String[] args) throws Exception {
    Path target = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    int numel = Integer.parseInt(args[2]);
    PrintStream out = System.out;
    Safetensors.save(target, version(n, numel), Map.of("version", Integer.toString(n)));
    out.println("saved " + n);
    out.flush();
    long half = 2L * numel;
    Safetensors.save(
        target,
        version(n + 1, numel),
        Map.of("version", Integer.toString(n + 1)),
        channel ->
            new WritableByteChannel() {
              long written;

              @Override
              public int write(ByteBuffer src) throws IOException {
                if (written >= half) {
                  out.println("stalled");
                  out.flush();
                  try {
                    Thread.sleep(Long.MAX_VALUE); // until killed
                  } catch (InterruptedException e) {
                    throw new IOException(e);
                  }
                }
                int count = channel.write(src);
                written += count;
                return count;
              }

              @Override
              public boolean isOpen() {
                return channel.isOpen();
              }

              @Override
              public void close() throws IOException {
                channel.close();
              }
            });
    out.println("finished"); // never reached: the parent kills this JVM first
  }
}
