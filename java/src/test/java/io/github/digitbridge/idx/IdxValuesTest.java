package io.github.digitbridge.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the IDX classes say about themselves, and the writer's argument checks and gzip member. */
class IdxValuesTest {
  @TempDir Path dir;

  @Test
  void headersAndArraysDescribeThemselves() throws Exception {
    Path file = dir.resolve("a.idx");
    Files.write(file, IdxWriter.ubyte(new int[] {2, 3}, new byte[6]));
    IdxArray array = IdxReader.read(file);
    assertEquals("IdxArray[" + file + ": ubyte [2, 3] plain]", array.toString());
    assertEquals("IdxHeader[ubyte [2, 3] plain, dataOffset=12]", array.header().toString());
    assertEquals(file, array.file());
    Path gz = dir.resolve("a.gz");
    Files.write(gz, IdxWriter.gzip(IdxWriter.ubyte(new int[] {2, 3}, new byte[6])));
    IdxArray zipped = IdxReader.read(gz);
    assertEquals("IdxArray[" + gz + ": ubyte [2, 3] gzip]", zipped.toString());
    assertEquals("IdxHeader[ubyte [2, 3] gzip, dataOffset=12]", zipped.header().toString());
    IdxHeader same = new IdxHeader(IdxType.UBYTE, new int[] {2, 3}, false, 12);
    assertEquals(same, array.header());
    assertEquals(same.hashCode(), array.header().hashCode());
    assertNotEquals(
        same.hashCode(), new IdxHeader(IdxType.UBYTE, new int[] {3, 2}, false, 12).hashCode());
  }

  @Test
  void theChecksumIsOverLittleEndianElements() throws Exception {
    Path file = dir.resolve("s.idx");
    Files.write(file, IdxTestWriter.idx(IdxType.SHORT, new int[] {2}, new long[] {1, 258}));
    // SHA-256 of 01 00 02 01: the elements little-endian, as Python's reader reports it.
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    String expected = java.util.HexFormat.of().formatHex(md.digest(new byte[] {1, 0, 2, 1}));
    assertEquals(expected, IdxReader.read(file).sha256());
  }

  @Test
  void ubyteChecksItsShape() {
    assertEquals(
        "expected 1 to 8 dimensions, found 0",
        assertThrows(IllegalArgumentException.class, () -> IdxWriter.ubyte(new int[0], new byte[1]))
            .getMessage());
    assertEquals(
        "expected 1 to 8 dimensions, found 9",
        assertThrows(
                IllegalArgumentException.class,
                () -> IdxWriter.ubyte(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, new byte[1]))
            .getMessage());
    assertEquals(
        "expected dimensions of at least 1, found 0",
        assertThrows(
                IllegalArgumentException.class,
                () -> IdxWriter.ubyte(new int[] {2, 0}, new byte[0]))
            .getMessage());
    assertEquals(
        "expected 6 elements for the shape, found 5",
        assertThrows(
                IllegalArgumentException.class,
                () -> IdxWriter.ubyte(new int[] {2, 3}, new byte[5]))
            .getMessage());
    byte[] eight = IdxWriter.ubyte(new int[] {1, 1, 1, 1, 1, 1, 1, 1}, new byte[] {7});
    assertEquals(4 + 32 + 1, eight.length);
    assertArrayEquals(new byte[] {0, 0, 8, 8, 0, 0, 0, 1}, java.util.Arrays.copyOf(eight, 8));
    assertEquals(7, eight[36]);
    assertEquals(9, IdxWriter.ubyte(new int[] {1}, new byte[] {9}).length);
  }

  @Test
  void gzipOfIncompressibleBytesGrowsItsBufferAndRoundTrips() throws Exception {
    byte[] payload = new byte[300_000];
    new Random(17).nextBytes(payload);
    byte[] member = IdxWriter.gzip(payload);
    assertArrayEquals(
        new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3},
        java.util.Arrays.copyOf(member, 10));
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(member))) {
      assertArrayEquals(payload, in.readAllBytes());
    }
    byte[] empty = IdxWriter.gzip(new byte[0]);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(empty))) {
      assertEquals(0, in.readAllBytes().length);
    }
  }
}
