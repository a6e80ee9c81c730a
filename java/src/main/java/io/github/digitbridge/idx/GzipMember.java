package io.github.digitbridge.idx;

import io.github.digitbridge.idx.IdxException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The decompressed bytes of the single gzip member (RFC 1952) a file must consist of.
 *
 * <p>The member header is parsed here rather than by {@link java.util.zip.GZIPInputStream} because
 * that class silently reads on into a second member and cannot inflate into a direct buffer. Every
 * byte handed out is added to the CRC-32; the trailer is checked the moment the deflate stream
 * ends.
 */
final class GzipMember implements ByteSource, AutoCloseable {
  private static final int ID1 = 0x1f;
  private static final int ID2 = 0x8b;
  private static final int DEFLATE = 8;
  private static final int FHCRC = 0x02;
  private static final int FEXTRA = 0x04;
  private static final int FNAME = 0x08;
  private static final int FCOMMENT = 0x10;
  private static final int RESERVED_FLAGS = 0xe0;
  private static final int FIXED_HEADER_BYTES = 10;

  private final Path file;
  private final FileChannel channel;
  private final ByteBuffer in = ByteBuffer.allocateDirect(ByteOrders.CHUNK).flip();
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private boolean ended;

  private GzipMember(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  /** Whether the first two bytes are the gzip magic number. */
  static boolean isGzip(FileChannel channel) throws IOException {
    ByteBuffer magic = ByteBuffer.allocate(2);
    long position = 0;
    int n;
    while (magic.hasRemaining() && (n = channel.read(magic, position)) >= 0) {
      position += n;
    }
    return magic.position() == 2 && (magic.get(0) & 0xff) == ID1 && (magic.get(1) & 0xff) == ID2;
  }

  /**
   * Parses the member header of a file whose channel is at position 0.
   *
   * @throws IdxException CORRUPT_GZIP if the header is cut short or not one this reader accepts
   */
  static GzipMember open(Path file, FileChannel channel) throws IOException, IdxException {
    GzipMember member = new GzipMember(file, channel);
    try {
      member.readMemberHeader();
      return member;
    } catch (IOException | IdxException | RuntimeException e) {
      member.close();
      throw e;
    }
  }

  private void readMemberHeader() throws IOException, IdxException {
    CRC32 headerCrc = new CRC32();
    int[] fixed = new int[FIXED_HEADER_BYTES]; // ID1 ID2 CM FLG MTIME(4) XFL OS
    for (int i = 0; i < fixed.length; i++) {
      fixed[i] = headerByte(headerCrc);
    }
    int method = fixed[2];
    int flags = fixed[3];
    if (method != DEFLATE) {
      throw corrupt("expected compression method 8 (deflate), found %d", method);
    }
    if ((flags & RESERVED_FLAGS) != 0) {
      throw corrupt("expected the reserved header flag bits to be 0, found flags 0x%02x", flags);
    }
    if ((flags & FEXTRA) != 0) {
      int length = headerByte(headerCrc) | headerByte(headerCrc) << 8;
      for (int i = 0; i < length; i++) {
        headerByte(headerCrc);
      }
    }
    if ((flags & FNAME) != 0) {
      skipZeroTerminated(headerCrc);
    }
    if ((flags & FCOMMENT) != 0) {
      skipZeroTerminated(headerCrc);
    }
    if ((flags & FHCRC) != 0) {
      int expected = (int) (headerCrc.getValue() & 0xffff);
      int found = headerByte(null) | headerByte(null) << 8;
      if (found != expected) {
        throw corrupt("expected header CRC-16 %04x, found %04x", expected, found);
      }
    }
  }

  private void skipZeroTerminated(CRC32 headerCrc) throws IOException, IdxException {
    while (headerByte(headerCrc) != 0) {
      // the original file name or comment is of no use here
    }
  }

  private int headerByte(CRC32 headerCrc) throws IOException, IdxException {
    int b = nextByte();
    if (b < 0) {
      throw corrupt(
          "expected a complete gzip member header, found the end of the file after %d" + " bytes",
          channel.position());
    }
    if (headerCrc != null) {
      headerCrc.update(b);
    }
    return b;
  }

  private int nextByte() throws IOException {
    if (!in.hasRemaining() && !refill()) {
      return -1;
    }
    return in.get() & 0xff;
  }

  /** Reads more compressed bytes once all buffered ones are used; false at the end of the file. */
  private boolean refill() throws IOException {
    if (in.hasRemaining()) {
      return true;
    }
    in.clear();
    int n = 0;
    while (n == 0) {
      n = channel.read(in);
    }
    in.flip();
    return n > 0;
  }

  @Override
  public void fill(ByteBuffer dst) throws IOException, IdxException {
    while (dst.hasRemaining() && !ended) {
      if (inflater.needsInput()) {
        if (!refill()) {
          throw corrupt(
              "expected the deflate stream to reach its end marker, found the end of"
                  + " the file after %d decompressed bytes",
              inflater.getBytesWritten());
        }
        inflater.setInput(in);
      }
      int start = dst.position();
      long consumedBefore = inflater.getBytesRead();
      try {
        inflater.inflate(dst);
      } catch (DataFormatException e) {
        throw new IdxException(
            Reason.CORRUPT_GZIP, file, "expected valid deflate data, found: " + e.getMessage(), e);
      }
      int produced = dst.position() - start;
      crc.update(dst.slice(start, produced));
      if (inflater.finished()) {
        readTrailer();
      } else if (produced == 0
          && inflater.getBytesRead() == consumedBefore
          && !inflater.needsInput()) {
        // Raw deflate never asks for a dictionary; anything else that stalls would loop forever.
        throw corrupt(
            "expected the inflater to make progress, found it stalled after %d"
                + " decompressed bytes",
            inflater.getBytesWritten());
      }
    }
  }

  private void readTrailer() throws IOException, IdxException {
    long storedCrc = trailerWord();
    long storedSize = trailerWord();
    if (storedCrc != crc.getValue()) {
      throw corrupt(
          "expected CRC-32 %08x from the gzip trailer, found %08x for the decompressed" + " data",
          storedCrc, crc.getValue());
    }
    long size = inflater.getBytesWritten() & 0xffffffffL;
    if (storedSize != size) {
      throw corrupt(
          "expected %d decompressed bytes (mod 2^32) from the gzip trailer, found %d",
          storedSize, size);
    }
    ended = true;
  }

  private long trailerWord() throws IOException, IdxException {
    long value = 0;
    for (int i = 0; i < 4; i++) {
      int b = nextByte();
      if (b < 0) {
        throw corrupt(
            "expected the 8-byte gzip trailer after the deflate stream, found the end"
                + " of the file");
      }
      value |= (long) b << (8 * i);
    }
    return value;
  }

  /**
   * Checks that the file ends where this member does; call once {@link #fill} has reached the end.
   *
   * @throws IdxException TRAILING_DATA if any byte follows the member
   */
  void requireEndOfFile() throws IOException, IdxException {
    long memberEnd = channel.position() - in.remaining();
    long extra = channel.size() - memberEnd;
    if (extra > 0) {
      throw new IdxException(
          Reason.TRAILING_DATA,
          file,
          String.format(
              Locale.ROOT,
              "expected the file to end with its gzip member at byte %d, found %d more bytes (only"
                  + " one gzip member is read)",
              memberEnd,
              extra));
    }
  }

  private IdxException corrupt(String format, Object... args) {
    return new IdxException(Reason.CORRUPT_GZIP, file, String.format(Locale.ROOT, format, args));
  }

  @Override
  public void close() {
    inflater.end();
  }
}
