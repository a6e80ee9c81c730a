package io.github.digitbridge.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.idx.IdxException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader at its limits (8 dimensions, 2^31 bytes, the deflate ratio, a gzip member cut in its
 * trailer, FEXTRA), each refusal asserted as its whole line.
 */
class IdxEdgesTest {
  @TempDir Path dir;

  private Path write(String name, byte[] bytes) throws Exception {
    Path file = dir.resolve(name);
    Files.write(file, bytes);
    return file;
  }

  private static String refusal(Path file, Reason reason, boolean headerOnly) {
    IdxException e =
        assertThrows(
            IdxException.class,
            () -> {
              if (headerOnly) {
                IdxReader.readHeader(file);
              } else {
                IdxReader.read(file);
              }
            });
    assertEquals(reason, e.reason(), e.getMessage());
    assertEquals(file + ": " + reason + ": " + e.detail(), e.getMessage());
    return e.detail();
  }

  private static String refusal(Path file, Reason reason) {
    return refusal(file, reason, false);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static byte[] ubyte(int... dims) {
    int count = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
    long[] bits = new long[count];
    for (int i = 0; i < count; i++) {
      bits[i] = (i * 37 + 5) & 0xff;
    }
    return IdxTestWriter.idx(IdxType.UBYTE, dims, bits);
  }

  @Test
  void anEightDimensionalFileIsReadPlainAndGzip() throws Exception {
    int[] dims = {2, 1, 3, 1, 1, 2, 1, 2};
    byte[] plain = ubyte(dims);
    for (Path file : new Path[] {write("8.idx", plain), write("8.gz", IdxTestWriter.gzip(plain))}) {
      IdxArray array = IdxReader.read(file);
      assertArrayEquals(dims, array.shape());
      assertEquals(24, array.elementCount());
      assertEquals(2, array.count());
      assertEquals(36, array.header().dataOffset());
      assertEquals((23 * 37 + 5) & 0xff, array.data().get(23) & 0xff);
      assertArrayEquals(dims, IdxReader.readHeader(file).dims());
    }
  }

  @Test
  void nineOrZeroDimensionsAreRefused() throws Exception {
    byte[] nine = {0, 0, 8, 9};
    assertEquals(
        "expected 1 to 8 dimensions, found 9",
        refusal(write("9.idx", concat(nine, new byte[40])), Reason.BAD_DIMENSIONS));
    assertEquals(
        "expected 1 to 8 dimensions, found 0",
        refusal(write("0.idx", new byte[] {0, 0, 8, 0, 1}), Reason.BAD_DIMENSIONS));
  }

  @Test
  void eachHeaderRefusalIsItsWholeLine() throws Exception {
    assertEquals(
        "expected at least 4 header bytes, found 3",
        refusal(write("short.idx", new byte[] {0, 0, 8}), Reason.TRUNCATED_HEADER));
    assertEquals(
        "expected the first two bytes 00 00, found 01 00",
        refusal(write("magic.idx", new byte[] {1, 0, 8, 1, 0, 0, 0, 1, 0}), Reason.BAD_MAGIC));
    assertEquals(
        "expected the first two bytes 00 00, found 00 1f",
        refusal(write("magic2.idx", new byte[] {0, 0x1f, 8, 1, 0, 0, 0, 1, 0}), Reason.BAD_MAGIC));
    assertEquals(
        "expected a type byte in {0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e}, found 0x0a",
        refusal(write("type.idx", new byte[] {0, 0, 10, 1, 0, 0, 0, 1, 0}), Reason.UNKNOWN_TYPE));
    assertEquals(
        "expected 8 bytes of dimension sizes for 2 dimensions, found 7",
        refusal(
            write("dims.idx", new byte[] {0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0}),
            Reason.TRUNCATED_HEADER));
    assertEquals(
        "expected every dimension size to be positive, found [3, 0, 2]",
        refusal(
            write("zero.idx", IdxTestWriter.header(IdxType.UBYTE, new int[] {3, 0, 2})),
            Reason.BAD_DIMENSIONS));
    // Sizes are unsigned: ff ff ff ff is 4294967295, too large rather than negative.
    assertEquals(
        "expected a data section of at most 2147483647 bytes, found a header claiming 4294967295"
            + " bytes (ubyte [4294967295])",
        refusal(write("max.idx", new byte[] {0, 0, 8, 1, -1, -1, -1, -1}), Reason.TOO_LARGE));
  }

  @Test
  void dataOneByteShortOrLong() throws Exception {
    byte[] file = ubyte(2, 2);
    assertEquals(
        "expected 4 bytes of data for ubyte [2, 2], found 3",
        refusal(write("short.idx", Arrays.copyOf(file, file.length - 1)), Reason.TRUNCATED_DATA));
    assertEquals(
        "expected 4 bytes of data for ubyte [2, 2], found 5",
        refusal(write("long.idx", Arrays.copyOf(file, file.length + 1)), Reason.TRAILING_DATA));
  }

  @Test
  void theDataLimitIs2To31Minus1Bytes() throws Exception {
    Path over =
        write("over.idx", IdxTestWriter.header(IdxType.UBYTE, new int[] {1 << 15, 1 << 16}));
    assertEquals(
        "expected a data section of at most 2147483647 bytes, found a header claiming 2147483648"
            + " bytes (ubyte [32768, 65536])",
        refusal(over, Reason.TOO_LARGE, true));
    Path doubles = write("doubles.idx", IdxTestWriter.header(IdxType.DOUBLE, new int[] {1 << 28}));
    assertEquals(
        "expected a data section of at most 2147483647 bytes, found a header claiming 2147483648"
            + " bytes (double [268435456])",
        refusal(doubles, Reason.TOO_LARGE, true));
    Path atLimit =
        write("at.idx", IdxTestWriter.header(IdxType.UBYTE, new int[] {Integer.MAX_VALUE}));
    assertEquals(
        "expected 2147483647 bytes of data for ubyte [2147483647], found 0",
        refusal(atLimit, Reason.TRUNCATED_DATA));
  }

  @Test
  void aGzipWithCompleteDataAndACutTrailerIsCorrupt() throws Exception {
    byte[] member = IdxTestWriter.gzip(ubyte(4));
    for (int cut : new int[] {1, 4, 8}) {
      Path file = write("cut" + cut + ".gz", Arrays.copyOf(member, member.length - cut));
      assertEquals(
          "expected the 8-byte gzip trailer after the deflate stream, found the end of the file",
          refusal(file, Reason.CORRUPT_GZIP));
    }
  }

  @Test
  void aGzipTrailerThatLiesIsCorrupt() throws Exception {
    byte[] member = IdxTestWriter.gzip(ubyte(4));
    byte[] crc = member.clone();
    crc[crc.length - 8] ^= 1;
    String detail = refusal(write("crc.gz", crc), Reason.CORRUPT_GZIP);
    assertTrue(detail.startsWith("expected CRC-32 "), detail);
    assertTrue(detail.endsWith(" for the decompressed data"), detail);
    byte[] size = member.clone();
    size[size.length - 4] += 1;
    assertEquals(
        "expected 13 decompressed bytes (mod 2^32) from the gzip trailer, found 12",
        refusal(write("size.gz", size), Reason.CORRUPT_GZIP));
  }

  @Test
  void bytesAfterTheMemberAreTrailingData() throws Exception {
    byte[] member = IdxTestWriter.gzip(ubyte(4));
    assertEquals(
        "expected the file to end with its gzip member at byte "
            + member.length
            + ", found 3 more bytes (only one gzip member is read)",
        refusal(write("tail.gz", concat(member, new byte[3])), Reason.TRAILING_DATA));
  }

  @Test
  void gzipDataShortOrLong() throws Exception {
    byte[] file = ubyte(2, 2);
    assertEquals(
        "expected 4 bytes of data for ubyte [2, 2], found 3",
        refusal(
            write("short.gz", IdxTestWriter.gzip(Arrays.copyOf(file, file.length - 1))),
            Reason.TRUNCATED_DATA));
    assertEquals(
        "expected 4 bytes of data for ubyte [2, 2], found at least 5",
        refusal(
            write("long.gz", IdxTestWriter.gzip(Arrays.copyOf(file, file.length + 2))),
            Reason.TRAILING_DATA));
  }

  @Test
  void theFextraLengthIsSkippedExactly() throws Exception {
    byte[] plain = ubyte(3);
    byte[] member = IdxTestWriter.gzip(plain);
    // FEXTRA with a 258-byte field (length bytes 02 01, little-endian) between the fixed header
    // and the deflate stream: a reader reading the length big-endian or skipping one byte off
    // would start inflating inside the field.
    byte[] extra = new byte[2 + 258];
    extra[0] = 2;
    extra[1] = 1;
    Arrays.fill(extra, 2, extra.length, (byte) 0x55);
    byte[] head = Arrays.copyOf(member, 10);
    head[3] = 0x04;
    byte[] withExtra = concat(head, extra, Arrays.copyOfRange(member, 10, member.length));
    IdxArray array = IdxReader.read(write("extra.gz", withExtra));
    assertEquals(5, array.data().get(0));
    assertEquals((2 * 37 + 5) & 0xff, array.data().get(2) & 0xff);
    byte[] cutInExtra = Arrays.copyOf(withExtra, 10 + 2 + 100);
    assertEquals(
        "expected a complete gzip member header, found the end of the file after 112 bytes",
        refusal(write("cutextra.gz", cutInExtra), Reason.CORRUPT_GZIP));
  }

  @Test
  void reservedFlagsAndMethodAreRefusedInFull() throws Exception {
    byte[] member = IdxTestWriter.gzip(ubyte(1));
    byte[] reserved = member.clone();
    reserved[3] = 0x20;
    assertEquals(
        "expected the reserved header flag bits to be 0, found flags 0x20",
        refusal(write("reserved.gz", reserved), Reason.CORRUPT_GZIP));
    byte[] method = member.clone();
    method[2] = 7;
    assertEquals(
        "expected compression method 8 (deflate), found 7",
        refusal(write("method.gz", method), Reason.CORRUPT_GZIP));
  }

  @Test
  void theDeflateRatioBoundIs1032TimesTheFile() throws Exception {
    byte[] probe = IdxTestWriter.gzip(IdxTestWriter.header(IdxType.UBYTE, new int[] {1}));
    int size = probe.length;
    Path over =
        write(
            "over.gz",
            IdxTestWriter.gzip(IdxTestWriter.header(IdxType.UBYTE, new int[] {1032 * size + 1})));
    assertEquals(size, Files.size(over));
    assertEquals(
        String.format(
            "expected at most 1032 x %d = %d bytes of data from a %d-byte gzip file, found a header"
                + " claiming %d bytes (ubyte [%d])",
            size, 1032 * size, size, 1032 * size + 1, 1032 * size + 1),
        refusal(over, Reason.TOO_LARGE, true));
    Path at =
        write(
            "at.gz",
            IdxTestWriter.gzip(IdxTestWriter.header(IdxType.UBYTE, new int[] {1032 * size})));
    assertEquals(1032 * size, IdxReader.readHeader(at).dataBytes());
  }

  @Test
  void aMissingFileSaysSo() {
    Path file = dir.resolve("none.idx");
    assertEquals("expected a readable regular file, found: no such file", refusal(file, Reason.IO));
    assertEquals("expected a regular file, found a directory", refusal(dir, Reason.IO, true));
  }

  @Test
  void otherFileSystemRefusalsGiveTheSystemsReason() throws Exception {
    Path file = write("plain.idx", ubyte(1));
    assertEquals(
        "expected a readable regular file, found: Not a directory",
        refusal(file.resolve("inside.idx"), Reason.IO));
  }

  @Test
  void aOneByteFileIsNeitherGzipNorAHeader() throws Exception {
    // the gzip magic's first byte alone: the check reads on from where it stopped, finds the end
    assertEquals(
        "expected at least 4 header bytes, found 1",
        refusal(write("one.idx", new byte[] {0x1f}), Reason.TRUNCATED_HEADER));
  }
}
