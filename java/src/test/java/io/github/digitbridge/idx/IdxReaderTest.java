package io.github.digitbridge.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.idx.IdxException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class IdxReaderTest {
  @TempDir Path dir;

  /** Extremes of each type first, then seeded random values. */
  private static long[] sampleBits(IdxType type, int count) {
    long[] extremes =
        switch (type) {
          case UBYTE -> new long[] {0, 255, 1, 128};
          case BYTE -> new long[] {Byte.MIN_VALUE, Byte.MAX_VALUE, -1, 0};
          case SHORT -> new long[] {Short.MIN_VALUE, Short.MAX_VALUE, -2, 258};
          case INT -> new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE, -1, 65538};
          case FLOAT ->
              new long[] {
                Float.floatToRawIntBits(-0.0f),
                Float.floatToRawIntBits(Float.MIN_VALUE),
                Float.floatToRawIntBits(Float.POSITIVE_INFINITY),
                0x7fa00001L /* NaN with a payload */
              };
          case DOUBLE ->
              new long[] {
                Double.doubleToRawLongBits(-0.0),
                Double.doubleToRawLongBits(Double.MIN_VALUE),
                Double.doubleToRawLongBits(Math.PI),
                0x7ff4000000000001L /* NaN with a payload */
              };
        };
    Random random = new Random(20261121L + type.ordinal());
    long[] bits = Arrays.copyOf(extremes, count);
    for (int i = extremes.length; i < count; i++) {
      long value = random.nextLong();
      bits[i] =
          switch (type) {
            case UBYTE -> value & 0xff;
            case BYTE -> (byte) value;
            case SHORT -> (short) value;
            case INT, FLOAT -> (int) value;
            case DOUBLE -> value;
          };
    }
    return bits;
  }

  /** Reads element {@code i} back as the same kind of bit pattern the writer took. */
  private static long bitsAt(IdxArray array, int i) {
    ByteBuffer data = array.data();
    return switch (array.type()) {
      case UBYTE -> data.get(i) & 0xff;
      case BYTE -> data.get(i);
      case SHORT -> data.asShortBuffer().get(i);
      case INT -> data.asIntBuffer().get(i);
      case FLOAT -> Float.floatToRawIntBits(data.asFloatBuffer().get(i)) & 0xffffffffL;
      case DOUBLE -> Double.doubleToRawLongBits(data.asDoubleBuffer().get(i));
    };
  }

  private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private void assertRoundTrip(IdxType type, int[] dims, boolean gzip) throws Exception {
    int count = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
    long[] bits = sampleBits(type, count);
    if (type == IdxType.FLOAT) {
      for (int i = 0; i < count; i++) {
        bits[i] &= 0xffffffffL; // compare float bits as unsigned, as bitsAt returns them
      }
    }
    byte[] idx = IdxTestWriter.idx(type, dims, bits);
    Path file = dir.resolve(type.typeName() + (gzip ? ".idx.gz" : ".idx"));
    Files.write(file, gzip ? IdxTestWriter.gzip(idx) : idx);

    IdxArray array = IdxReader.read(file);

    assertEquals(type, array.type());
    assertArrayEquals(dims, array.shape());
    assertEquals(gzip, array.gzip());
    assertEquals(count, array.elementCount());
    for (int i = 0; i < count; i++) {
      assertEquals(bits[i], bitsAt(array, i), "element " + i + " of " + file);
    }
    assertEquals(sha256(IdxTestWriter.littleEndian(type, bits)), array.sha256());
    assertEquals(array.header(), IdxReader.readHeader(file));
  }

  @ParameterizedTest
  @EnumSource(IdxType.class)
  void roundTripsEveryTypePlain(IdxType type) throws Exception {
    assertRoundTrip(type, new int[] {2, 3, 5}, false);
  }

  @ParameterizedTest
  @EnumSource(IdxType.class)
  void roundTripsEveryTypeGzip(IdxType type) throws Exception {
    assertRoundTrip(type, new int[] {2, 3, 5}, true);
  }

  @ParameterizedTest
  @EnumSource(IdxType.class)
  void roundTripsDataSpanningSeveralChunks(IdxType type) throws Exception {
    // Past the 64 KiB conversion chunk and the 64 KiB input buffer, with a ragged last chunk.
    assertRoundTrip(type, new int[] {3, 10_007}, false);
    assertRoundTrip(type, new int[] {3, 10_007}, true);
  }

  @Test
  void dataIsADirectReadOnlyNativeOrderBuffer() throws Exception {
    Path file = dir.resolve("ints.idx");
    Files.write(file, IdxTestWriter.idx(IdxType.INT, new int[] {4}, new long[] {1, 2, 3, 4}));
    IdxArray array = IdxReader.read(file);
    ByteBuffer data = array.data();
    assertTrue(data.isDirect());
    assertTrue(data.isReadOnly());
    assertEquals(ByteOrder.nativeOrder(), data.order());
    assertEquals(0, data.position());
    assertEquals(16, data.limit());
    data.position(8); // a caller moving its view must not move the next caller's
    assertEquals(0, array.data().position());
  }

  @Test
  void missingFileIsIo() {
    Path file = dir.resolve("nowhere.idx");
    IdxException e = assertThrows(IdxException.class, () -> IdxReader.read(file));
    assertEquals(Reason.IO, e.reason());
    assertEquals(file, e.file());
    assertTrue(e.getMessage().startsWith(file + ": IO: "), e.getMessage());
    assertEquals(
        Reason.IO, assertThrows(IdxException.class, () -> IdxReader.readHeader(file)).reason());
  }

  @Test
  void directoryIsIo() {
    IdxException e = assertThrows(IdxException.class, () -> IdxReader.read(dir));
    assertEquals(Reason.IO, e.reason());
    assertTrue(e.detail().contains("directory"), e.getMessage());
  }

  @Test
  void gzipHeaderWithEveryOptionalFieldIsRead() throws Exception {
    long[] bits = sampleBits(IdxType.UBYTE, 6);
    Path file = dir.resolve("fields.gz");
    Files.write(
        file,
        IdxTestWriter.gzipWithAllHeaderFields(
            IdxTestWriter.idx(IdxType.UBYTE, new int[] {2, 3}, bits), 0));
    IdxArray array = IdxReader.read(file);
    assertTrue(array.gzip());
    assertEquals(bits[5], bitsAt(array, 5));
  }

  @Test
  void wrongGzipHeaderCrcIsCorruptGzip() throws Exception {
    Path file = dir.resolve("badhcrc.gz");
    Files.write(
        file,
        IdxTestWriter.gzipWithAllHeaderFields(
            IdxTestWriter.idx(IdxType.UBYTE, new int[] {1}, new long[] {7}), 1));
    assertEquals(
        Reason.CORRUPT_GZIP, assertThrows(IdxException.class, () -> IdxReader.read(file)).reason());
  }

  @Test
  void unknownCompressionMethodIsCorruptGzip() throws Exception {
    byte[] member =
        IdxTestWriter.gzip(IdxTestWriter.idx(IdxType.UBYTE, new int[] {1}, new long[] {7}));
    member[2] = 7;
    Path file = dir.resolve("method7.gz");
    Files.write(file, member);
    assertEquals(
        Reason.CORRUPT_GZIP, assertThrows(IdxException.class, () -> IdxReader.read(file)).reason());
  }

  @Test
  void headerCutShortInsideGzipIsTruncatedHeader() throws Exception {
    Path empty = dir.resolve("empty.gz");
    Files.write(empty, IdxTestWriter.gzip(new byte[0]));
    assertEquals(
        Reason.TRUNCATED_HEADER,
        assertThrows(IdxException.class, () -> IdxReader.read(empty)).reason());
    Path cut = dir.resolve("cut.gz");
    Files.write(
        cut,
        IdxTestWriter.gzip(
            Arrays.copyOf(IdxTestWriter.header(IdxType.UBYTE, new int[] {2, 3}), 9)));
    assertEquals(
        Reason.TRUNCATED_HEADER,
        assertThrows(IdxException.class, () -> IdxReader.read(cut)).reason());
  }

  @Test
  void largestPlainClaimIsRefusedFromTheFileLength() throws IOException {
    // 2^31 - 1 bytes is allowed in principle, so only the file length can refuse it, before any
    // buffer of that size exists.
    Path file = dir.resolve("claims_max.idx");
    Files.write(file, IdxTestWriter.header(IdxType.UBYTE, new int[] {Integer.MAX_VALUE}));
    IdxException e = assertThrows(IdxException.class, () -> IdxReader.read(file));
    assertEquals(Reason.TRUNCATED_DATA, e.reason());
    assertTrue(e.detail().contains("expected 2147483647 bytes of data"), e.getMessage());
    assertTrue(e.detail().endsWith("found 0"), e.getMessage());
  }

  @Test
  void oneByteOverTheBufferLimitIsTooLarge() throws IOException {
    Path file = dir.resolve("claims_2g.idx");
    Files.write(file, IdxTestWriter.header(IdxType.SHORT, new int[] {1 << 30}));
    assertEquals(
        Reason.TOO_LARGE,
        assertThrows(IdxException.class, () -> IdxReader.readHeader(file)).reason());
  }

  @Test
  void headerRecordRefusesWhatTheReaderWouldRefuse() {
    assertThrows(
        IllegalArgumentException.class, () -> new IdxHeader(IdxType.UBYTE, new int[0], false, 4));
    assertThrows(
        IllegalArgumentException.class,
        () -> new IdxHeader(IdxType.UBYTE, new int[] {2, 0}, false, 12));
    assertThrows(
        IllegalArgumentException.class,
        () -> new IdxHeader(IdxType.DOUBLE, new int[] {1 << 28}, false, 8));
    IdxHeader header = new IdxHeader(IdxType.FLOAT, new int[] {3, 4}, true, 12);
    assertEquals(48, header.dataBytes());
    assertEquals("[3, 4]", header.shapeText());
    int[] dims = header.dims();
    dims[0] = 99;
    assertArrayEquals(new int[] {3, 4}, header.dims());
    assertFalse(header.equals(new IdxHeader(IdxType.FLOAT, new int[] {3, 4}, false, 12)));
  }
}
