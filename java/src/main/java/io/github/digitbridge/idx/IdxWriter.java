package io.github.digitbridge.idx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes unsigned-byte IDX files, gzip-compressed to the byte as the Python writer compresses them
 * (docs/idx-format.md, "Writing"): the same header, zlib's level-6 deflate, CRC-32 and size. The
 * gzip member is assembled here rather than by {@code GZIPOutputStream}, whose header says another
 * operating system and would make the two languages' files differ in one byte.
 */
public final class IdxWriter {
  /** The member header zlib writes with mtime 0: no name, XFL 0, OS 3 (Unix). */
  private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

  private IdxWriter() {}

  /**
   * The IDX bytes of an unsigned-byte array.
   *
   * @param shape 1 to 8 dimensions, each at least 1
   * @param data the elements in row-major order, as many as the shape holds
   * @return magic, dimensions (big-endian) and data
   * @throws IllegalArgumentException if the shape is not one IDX can hold or does not fit the data
   */
  public static byte[] ubyte(int[] shape, byte[] data) {
    if (shape.length < 1 || shape.length > IdxHeader.MAX_DIMS) {
      throw new IllegalArgumentException(
          "expected 1 to " + IdxHeader.MAX_DIMS + " dimensions, found " + shape.length);
    }
    long count = 1;
    for (int size : shape) {
      if (size < 1) {
        throw new IllegalArgumentException("expected dimensions of at least 1, found " + size);
      }
      count *= size;
    }
    if (count != data.length) {
      throw new IllegalArgumentException(
          "expected " + count + " elements for the shape, found " + data.length);
    }
    ByteBuffer out = ByteBuffer.allocate(4 + 4 * shape.length + data.length);
    out.put(new byte[] {0, 0, (byte) IdxType.UBYTE.code(), (byte) shape.length});
    for (int size : shape) {
      out.putInt(size);
    }
    return out.put(data).array();
  }

  /**
   * {@code payload} as one gzip member with the Python writer's bytes.
   *
   * @param payload the uncompressed bytes
   * @return header, raw deflate at level 6, CRC-32 and size (little-endian)
   */
  public static byte[] gzip(byte[] payload) {
    Deflater deflater = new Deflater(6, true);
    try {
      deflater.setInput(payload);
      deflater.finish();
      ByteBuffer out = ByteBuffer.allocate(GZIP_HEADER.length + 8 + payload.length + 1024);
      out.put(GZIP_HEADER);
      byte[] chunk = new byte[1 << 16];
      while (!deflater.finished()) {
        int n = deflater.deflate(chunk);
        if (out.remaining() < n + 8) {
          ByteBuffer bigger = ByteBuffer.allocate(out.capacity() * 2 + n);
          out.flip();
          out = bigger.put(out);
        }
        out.put(chunk, 0, n);
      }
      CRC32 crc = new CRC32();
      crc.update(payload);
      out.order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue()).putInt(payload.length);
      byte[] bytes = new byte[out.position()];
      out.flip().get(bytes);
      return bytes;
    } finally {
      deflater.end();
    }
  }

  /**
   * Writes {@code bytes} so that readers see the old file or the whole new one: a temporary file
   * beside {@code file}, then a rename over it.
   *
   * @param file the destination; its folder must exist
   * @param bytes what to write
   * @throws IdxException IO if the file cannot be written
   */
  public static void writeAtomically(Path file, byte[] bytes) throws IdxException {
    Path folder = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(folder, "." + file.getFileName() + ".", ".tmp");
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer all = ByteBuffer.wrap(bytes);
        while (all.hasRemaining()) {
          channel.write(all);
        }
        channel.force(true); // on disk before the rename, as the Python writer does
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      try {
        if (tmp != null) {
          Files.deleteIfExists(tmp);
        }
      } catch (IOException ignored) {
        // the write already failed; that is the error to report
      }
      throw new IdxException(IdxException.Reason.IO, file, "cannot write: " + e, e);
    }
  }
}
