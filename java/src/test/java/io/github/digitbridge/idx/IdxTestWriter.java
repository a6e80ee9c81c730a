package io.github.digitbridge.idx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A minimal IDX writer for tests, written from the specification and independent of the reader.
 *
 * <p>Values are given as {@code long} bit patterns per element: the integer value for the integer
 * types, {@link Float#floatToRawIntBits} and {@link Double#doubleToRawLongBits} for the others, so
 * one array type covers all six element types and NaN payloads survive.
 */
final class IdxTestWriter {
  private IdxTestWriter() {}

  /** The bytes of an IDX file: header then big-endian elements. */
  static byte[] idx(IdxType type, int[] dims, long[] bits) {
    ByteBuffer buffer =
        ByteBuffer.allocate(4 + 4 * dims.length + bits.length * type.elementSize())
            .order(ByteOrder.BIG_ENDIAN);
    buffer.put(header(type, dims));
    for (long value : bits) {
      put(buffer, type, value);
    }
    return buffer.array();
  }

  /** The header bytes alone. */
  static byte[] header(IdxType type, int[] dims) {
    ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dims.length).order(ByteOrder.BIG_ENDIAN);
    buffer.put((byte) 0).put((byte) 0).put((byte) type.code()).put((byte) dims.length);
    for (int dim : dims) {
      buffer.putInt(dim);
    }
    return buffer.array();
  }

  /** The elements written little-endian, row-major: what the specification's sha256 digests. */
  static byte[] littleEndian(IdxType type, long[] bits) {
    ByteBuffer buffer =
        ByteBuffer.allocate(bits.length * type.elementSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (long value : bits) {
      put(buffer, type, value);
    }
    return buffer.array();
  }

  private static void put(ByteBuffer buffer, IdxType type, long value) {
    switch (type.elementSize()) {
      case 1 -> buffer.put((byte) value);
      case 2 -> buffer.putShort((short) value);
      case 4 -> buffer.putInt((int) value);
      case 8 -> buffer.putLong(value);
      default -> throw new IllegalArgumentException(type.toString());
    }
  }

  /** One gzip member as {@link GZIPOutputStream} writes it (no optional header fields). */
  static byte[] gzip(byte[] payload) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(payload);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * One gzip member with every optional header field (FEXTRA, FNAME, FCOMMENT, FHCRC), built by
   * hand so the reader's header parsing is exercised beyond what common tools write.
   *
   * @param headerCrcDelta added to the correct header CRC-16; non-zero makes it wrong
   */
  static byte[] gzipWithAllHeaderFields(byte[] payload, int headerCrcDelta) {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    header.writeBytes(
        new byte[] {0x1f, (byte) 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3});
    byte[] extra = {'d', 'b', 2, 0, 1, 2};
    header.write(extra.length);
    header.write(0);
    header.writeBytes(extra);
    header.writeBytes("train-images-idx3-ubyte".getBytes(StandardCharsets.ISO_8859_1));
    header.write(0);
    header.writeBytes("a comment".getBytes(StandardCharsets.ISO_8859_1));
    header.write(0);
    CRC32 headerCrc = new CRC32();
    headerCrc.update(header.toByteArray());
    int crc16 = (int) ((headerCrc.getValue() + headerCrcDelta) & 0xffff);
    header.write(crc16 & 0xff);
    header.write(crc16 >>> 8);

    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    deflater.setInput(payload);
    deflater.finish();
    byte[] chunk = new byte[8192];
    while (!deflater.finished()) {
      header.write(chunk, 0, deflater.deflate(chunk));
    }
    deflater.end();

    CRC32 crc = new CRC32();
    crc.update(payload);
    ByteBuffer trailer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    trailer.putInt((int) crc.getValue()).putInt(payload.length);
    header.writeBytes(trailer.array());
    return header.toByteArray();
  }
}
