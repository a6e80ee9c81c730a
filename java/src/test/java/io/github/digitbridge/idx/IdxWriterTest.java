package io.github.digitbridge.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxWriterTest {
  @TempDir Path dir;

  @Test
  void writtenFilesReadBackThroughTheStrictReader() throws Exception {
    byte[] pixels = new byte[3 * 28 * 28];
    new Random(16).nextBytes(pixels);
    Path file = dir.resolve("images.gz");
    IdxWriter.writeAtomically(file, IdxWriter.gzip(IdxWriter.ubyte(new int[] {3, 28, 28}, pixels)));
    IdxArray read = IdxReader.read(file);
    assertTrue(read.gzip());
    assertArrayEquals(new int[] {3, 28, 28}, read.shape());
    byte[] back = new byte[pixels.length];
    read.data().get(back);
    assertArrayEquals(pixels, back);
    try (var listing = Files.list(dir)) {
      assertEquals(1, listing.count(), "no temporary file left beside it");
    }
  }

  @Test
  void gzipMemberHasZlibsHeaderAndInflatesBack() throws IOException {
    byte[] payload = new byte[100_000]; // mostly zeros: more output than one deflate chunk
    for (int i = 0; i < payload.length; i += 97) {
      payload[i] = (byte) i;
    }
    byte[] member = IdxWriter.gzip(payload);
    assertArrayEquals(
        new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3}, Arrays.copyOf(member, 10));
    try (var in = new GZIPInputStream(new ByteArrayInputStream(member))) {
      assertArrayEquals(payload, in.readAllBytes());
    }
  }

  @Test
  void aLargeIncompressiblePayloadOutgrowsTheFirstBuffer() throws IOException {
    // Stored blocks cost 5 bytes per 64 KiB: 16 MiB of noise needs more than the 1024 spare bytes.
    byte[] noise = new byte[16 << 20];
    new Random(17).nextBytes(noise);
    byte[] member = IdxWriter.gzip(noise);
    assertTrue(
        member.length > noise.length + 1024, "expected the buffer to grow: " + member.length);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(member))) {
      assertArrayEquals(noise, in.readAllBytes());
    }
  }

  @Test
  void shapesIdxCannotHoldAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> IdxWriter.ubyte(new int[0], new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> IdxWriter.ubyte(new int[] {0}, new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> IdxWriter.ubyte(new int[] {2}, new byte[3]));
  }
}
