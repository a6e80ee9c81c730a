package io.github.digitbridge.idx;

import io.github.digitbridge.idx.IdxException.Reason;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads IDX files, plain or gzip-compressed, with the checks of docs/idx-format.md.
 *
 * <p>A file is gzip when its first two bytes are {@code 1f 8b}, whatever its name. Every check that
 * can be made without the data is made before the data buffer is allocated, so a lying header costs
 * an exception, never an {@link OutOfMemoryError}: a plain file's exact length is known from its
 * size, and a gzip file cannot claim more than {@value #GZIP_MAX_RATIO} times its own length.
 */
public final class IdxReader {
  /** Deflate expands at most about 1032:1, so a gzip header claiming more cannot be honest. */
  public static final int GZIP_MAX_RATIO = 1032;

  private static final int PREAMBLE_BYTES = 4;

  private IdxReader() {}

  /**
   * Reads and checks a whole file.
   *
   * @param file the file to read; it is reported in errors exactly as given
   * @return the header and the elements in a direct, native-order buffer
   * @throws IdxException with the reason code of the first check that fails
   */
  public static IdxArray read(Path file) throws IdxException {
    return withChannel(
        file,
        channel -> {
          if (GzipMember.isGzip(channel)) {
            try (GzipMember member = GzipMember.open(file, channel)) {
              return readGzip(file, channel, member);
            }
          }
          return readPlain(file, channel);
        });
  }

  /**
   * Reads and checks the header without reading the data.
   *
   * <p>For a plain file this includes the exact-length check (TRUNCATED_DATA, TRAILING_DATA); for a
   * gzip file, whose data length is only known after decompressing it, only the header and the
   * TOO_LARGE bound are checked.
   *
   * @param file the file to read; it is reported in errors exactly as given
   * @return the validated header
   * @throws IdxException with the reason code of the first check that fails
   */
  public static IdxHeader readHeader(Path file) throws IdxException {
    return withChannel(
        file,
        channel -> {
          if (GzipMember.isGzip(channel)) {
            try (GzipMember member = GzipMember.open(file, channel)) {
              return gzipHeader(file, channel, member);
            }
          }
          return plainHeader(file, channel, new PlainSource(channel));
        });
  }

  private static IdxArray readPlain(Path file, FileChannel channel)
      throws IOException, IdxException {
    PlainSource source = new PlainSource(channel);
    IdxHeader header = plainHeader(file, channel, source);
    ByteBuffer data = allocate(file, header);
    source.fill(data);
    if (data.hasRemaining()) { // the file shrank after its length was checked
      throw wrongLength(Reason.TRUNCATED_DATA, file, header, String.valueOf(data.position()));
    }
    return finish(file, header, data);
  }

  private static IdxHeader plainHeader(Path file, FileChannel channel, PlainSource source)
      throws IOException, IdxException {
    IdxHeader header = parseHeader(file, source, false);
    long found = channel.size() - header.dataOffset();
    if (found != header.dataBytes()) {
      Reason reason = found < header.dataBytes() ? Reason.TRUNCATED_DATA : Reason.TRAILING_DATA;
      throw wrongLength(reason, file, header, String.valueOf(found));
    }
    return header;
  }

  private static IdxArray readGzip(Path file, FileChannel channel, GzipMember member)
      throws IOException, IdxException {
    IdxHeader header = gzipHeader(file, channel, member);
    ByteBuffer data = allocate(file, header);
    member.fill(data);
    if (data.hasRemaining()) {
      throw wrongLength(Reason.TRUNCATED_DATA, file, header, String.valueOf(data.position()));
    }
    // One byte more is proof enough; decompressing the rest could take 1032 times the file size.
    ByteBuffer probe = ByteBuffer.allocate(1);
    member.fill(probe);
    if (probe.position() > 0) {
      throw wrongLength(
          Reason.TRAILING_DATA, file, header, "at least " + (header.dataBytes() + 1L));
    }
    member.requireEndOfFile();
    return finish(file, header, data);
  }

  private static IdxHeader gzipHeader(Path file, FileChannel channel, GzipMember member)
      throws IOException, IdxException {
    IdxHeader header = parseHeader(file, member, true);
    long compressed = channel.size();
    // Saturates rather than wrapping: a sparse file can be large enough to overflow the product.
    long bound =
        compressed > Long.MAX_VALUE / GZIP_MAX_RATIO ? Long.MAX_VALUE : GZIP_MAX_RATIO * compressed;
    if (header.dataBytes() > bound) {
      throw error(
          Reason.TOO_LARGE,
          file,
          "expected at most %d x %d = %d bytes of data from a %d-byte gzip file, found a header"
              + " claiming %d bytes (%s)",
          GZIP_MAX_RATIO,
          compressed,
          bound,
          compressed,
          header.dataBytes(),
          describe(header));
    }
    return header;
  }

  /** Makes the header checks, in the order of the specification. */
  private static IdxHeader parseHeader(Path file, ByteSource source, boolean gzip)
      throws IOException, IdxException {
    ByteBuffer preamble = ByteBuffer.allocate(PREAMBLE_BYTES);
    source.fill(preamble);
    if (preamble.hasRemaining()) {
      throw error(
          Reason.TRUNCATED_HEADER,
          file,
          "expected at least %d header bytes, found %d",
          PREAMBLE_BYTES,
          preamble.position());
    }
    int magic0 = preamble.get(0) & 0xff;
    int magic1 = preamble.get(1) & 0xff;
    if (magic0 != 0 || magic1 != 0) {
      throw error(
          Reason.BAD_MAGIC,
          file,
          "expected the first two bytes 00 00, found %02x %02x",
          magic0,
          magic1);
    }
    int code = preamble.get(2) & 0xff;
    Optional<IdxType> type = IdxType.fromCode(code);
    if (type.isEmpty()) {
      throw error(
          Reason.UNKNOWN_TYPE,
          file,
          "expected a type byte in %s, found 0x%02x",
          IdxType.knownCodes(),
          code);
    }
    int rank = preamble.get(3) & 0xff;
    if (rank == 0 || rank > IdxHeader.MAX_DIMS) {
      throw error(
          Reason.BAD_DIMENSIONS,
          file,
          "expected 1 to %d dimensions, found %d",
          IdxHeader.MAX_DIMS,
          rank);
    }

    ByteBuffer sizes = ByteBuffer.allocate(4 * rank).order(ByteOrder.BIG_ENDIAN);
    source.fill(sizes);
    if (sizes.hasRemaining()) {
      throw error(
          Reason.TRUNCATED_HEADER,
          file,
          "expected %d bytes of dimension sizes for %d dimensions, found %d",
          sizes.capacity(),
          rank,
          sizes.position());
    }
    long[] dims = new long[rank];
    for (int i = 0; i < rank; i++) {
      dims[i] = Integer.toUnsignedLong(sizes.getInt(4 * i));
    }
    if (Arrays.stream(dims).anyMatch(d -> d == 0)) {
      throw error(
          Reason.BAD_DIMENSIONS,
          file,
          "expected every dimension size to be positive, found %s",
          Arrays.toString(dims));
    }
    int elementSize = type.get().elementSize();
    if (!fitsInBuffer(dims, elementSize)) {
      BigInteger claimed = BigInteger.valueOf(elementSize);
      for (long d : dims) {
        claimed = claimed.multiply(BigInteger.valueOf(d));
      }
      throw error(
          Reason.TOO_LARGE,
          file,
          "expected a data section of at most %d bytes, found a header claiming %s bytes (%s %s)",
          Integer.MAX_VALUE,
          claimed,
          type.get().typeName(),
          Arrays.toString(dims));
    }
    int[] intDims = Arrays.stream(dims).mapToInt(Math::toIntExact).toArray();
    return new IdxHeader(type.get(), intDims, gzip, PREAMBLE_BYTES + 4 * rank);
  }

  private static boolean fitsInBuffer(long[] dims, int elementSize) {
    long bytes = elementSize;
    try {
      for (long d : dims) {
        bytes = Math.multiplyExact(bytes, d);
        if (bytes > Integer.MAX_VALUE) {
          return false;
        }
      }
    } catch (ArithmeticException overflow) {
      return false;
    }
    return true;
  }

  private static ByteBuffer allocate(Path file, IdxHeader header) throws IdxException {
    try {
      return ByteBuffer.allocateDirect(header.dataBytes());
    } catch (OutOfMemoryError e) {
      // An honest header can still ask for more direct memory than this JVM may use.
      String detail =
          String.format(
              Locale.ROOT,
              "expected to allocate %d bytes of direct memory for %s, found the JVM's limit"
                  + " reached (see -XX:MaxDirectMemorySize)",
              header.dataBytes(),
              describe(header));
      throw new IdxException(Reason.TOO_LARGE, file, detail, e);
    }
  }

  private static IdxArray finish(Path file, IdxHeader header, ByteBuffer data) {
    ByteOrders.bigEndianToNative(data, header.type().elementSize());
    return new IdxArray(file, header, data.clear());
  }

  private static IdxException wrongLength(
      Reason reason, Path file, IdxHeader header, String found) {
    return error(
        reason,
        file,
        "expected %d bytes of data for %s, found %s",
        header.dataBytes(),
        describe(header),
        found);
  }

  private static IdxException error(Reason reason, Path file, String format, Object... args) {
    return new IdxException(reason, file, String.format(Locale.ROOT, format, args));
  }

  private static String describe(IdxHeader header) {
    return header.type().typeName() + " " + header.shapeText();
  }

  /** What a reader does with an open file; the channel is closed afterwards either way. */
  @FunctionalInterface
  private interface ChannelAction<T> {
    T apply(FileChannel channel) throws IOException, IdxException;
  }

  private static <T> T withChannel(Path file, ChannelAction<T> action) throws IdxException {
    if (Files.isDirectory(file)) {
      throw new IdxException(Reason.IO, file, "expected a regular file, found a directory");
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return action.apply(channel);
    } catch (IOException e) {
      throw new IdxException(
          Reason.IO, file, "expected a readable regular file, found: " + describe(e), e);
    }
  }

  private static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
