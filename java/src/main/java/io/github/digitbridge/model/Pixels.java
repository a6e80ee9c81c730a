package io.github.digitbridge.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The preprocessing of docs/model-contract.md, {@code v / 255.0f} for a uint8 pixel {@code v}, and
 * the checksum of its result; also the checksum of a model's bytes. Every path that feeds uint8
 * pixels to a model goes through {@link #decode}, so what {@link DigitClassifier#preprocess}
 * returns is what the model was given.
 */
final class Pixels {
  /**
   * The 256 possible results, each computed by the very division the contract prescribes (IEEE
   * single precision, correctly rounded), so a lookup gives the same bits as dividing, and the same
   * bits as numpy's {@code astype(float32) / float32(255)}.
   */
  private static final float[] SCALED = new float[256];

  static {
    for (int v = 0; v < SCALED.length; v++) {
      SCALED[v] = v / 255.0f;
    }
  }

  private static final int HASH_CHUNK = 1 << 16;

  private Pixels() {}

  /**
   * Scales {@code n} uint8 pixels.
   *
   * @param src pixels, read with absolute gets from {@code srcIndex}; direct or heap, any order
   * @param srcIndex the index of the first pixel in {@code src}
   * @param dst receives the floats at absolute indices {@code 0..n-1}
   * @param n the number of pixels
   */
  static void decode(ByteBuffer src, int srcIndex, FloatBuffer dst, int n) {
    for (int i = 0; i < n; i++) {
      dst.put(i, SCALED[src.get(srcIndex + i) & 0xff]);
    }
  }

  /**
   * SHA-256 of the floats from position to limit written as little-endian float32, the bytes of
   * numpy's {@code x.astype("<f4").tobytes()}; lower-case hex.
   */
  static String sha256(FloatBuffer floats) {
    MessageDigest md = sha256Digest();
    ByteBuffer bytes = ByteBuffer.allocate(4 * HASH_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer staging = bytes.asFloatBuffer();
    int start = floats.position();
    int end = floats.limit();
    // Steps by the chunk just hashed, never past the end: pos + HASH_CHUNK could overflow near
    // 2^31.
    for (int pos = start; pos < end; ) {
      int n = Math.min(HASH_CHUNK, end - pos);
      staging.clear();
      staging.put(floats.slice(pos, n));
      bytes.clear().limit(4 * n);
      md.update(bytes);
      pos += n;
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /**
   * SHA-256 of {@code n} uint8 pixels scaled as {@link #decode} scales them, written as
   * little-endian float32: equal to {@link #sha256(FloatBuffer)} of the decoded floats, without
   * holding them all (a chunk at a time).
   *
   * @param src pixels, read with absolute gets from {@code srcIndex}
   */
  static String sha256Decoded(ByteBuffer src, int srcIndex, int n) {
    MessageDigest md = sha256Digest();
    ByteBuffer bytes = ByteBuffer.allocate(4 * HASH_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer staging = bytes.asFloatBuffer();
    for (int done = 0; done < n; ) {
      int chunk = Math.min(HASH_CHUNK, n - done);
      decode(src, srcIndex + done, staging, chunk);
      md.update(bytes.array(), 0, 4 * chunk);
      done += chunk;
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** SHA-256 of some bytes, such as a model file; lower-case hex. */
  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(sha256Digest().digest(bytes));
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }
}
