package io.github.digitbridge.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** Byte strings for the tests that build files byte by byte (image containers, model files). */
public final class Bytes {
  private Bytes() {}

  /** Each int as one byte (its low 8 bits), so tests can write 0x89 without a cast. */
  public static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  /** The parts one after another. */
  public static byte[] join(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** A PNG chunk: length, type, payload and the CRC of type and payload. */
  public static byte[] pngChunk(String type, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(12 + payload.length);
    b.putInt(payload.length).put(type.getBytes(StandardCharsets.ISO_8859_1)).put(payload);
    CRC32 crc = new CRC32();
    crc.update(b.array(), 4, 4 + payload.length);
    return b.putInt((int) crc.getValue()).array();
  }
}
