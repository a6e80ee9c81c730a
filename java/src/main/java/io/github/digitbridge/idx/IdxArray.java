package io.github.digitbridge.idx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The decoded contents of one IDX file: its header and its elements.
 *
 * <p>The elements live in a direct buffer in {@link ByteOrder#nativeOrder()}, row-major, so they
 * can be handed to native code (an ONNX Runtime tensor) without another copy. The memory is
 * released by the garbage collector once the array and every view from {@link #data()} are
 * unreachable; Java 17 offers no way to free a direct buffer earlier. Instances come from {@link
 * IdxReader#read}.
 */
public final class IdxArray {
  private final Path file;
  private final IdxHeader header;
  private final ByteBuffer data;
  private volatile String sha256;

  IdxArray(Path file, IdxHeader header, ByteBuffer data) {
    if (!data.isDirect() || data.capacity() != header.dataBytes()) {
      throw new IllegalArgumentException(
          "expected a direct buffer of " + header.dataBytes() + " bytes, found " + data);
    }
    this.file = file;
    this.header = header;
    this.data = data.duplicate().clear().order(ByteOrder.nativeOrder());
  }

  /** The file this array was read from, as the caller named it. */
  public Path file() {
    return file;
  }

  /** The validated header. */
  public IdxHeader header() {
    return header;
  }

  /** The element type. */
  public IdxType type() {
    return header.type();
  }

  /** A copy of the shape, outermost dimension first. */
  public int[] shape() {
    return header.dims();
  }

  /** The first dimension: the number of items in the file. */
  public int count() {
    return header.count();
  }

  /** The number of elements, the product of the shape. */
  public int elementCount() {
    return header.elementCount();
  }

  /** Whether the file was gzip-compressed. */
  public boolean gzip() {
    return header.gzip();
  }

  /**
   * A read-only view of the elements: direct, in native byte order, position 0, limit {@link
   * IdxHeader#dataBytes()}. Use {@code asShortBuffer()}, {@code asFloatBuffer()} and so on for
   * typed access; for {@link IdxType#UBYTE} mask each byte with {@code 0xFF}.
   */
  public ByteBuffer data() {
    return data.asReadOnlyBuffer().order(ByteOrder.nativeOrder());
  }

  /**
   * The checksum of docs/idx-format.md: SHA-256 of the elements written little-endian, row-major,
   * as 64 lower-case hex digits. For one-byte types it is the SHA-256 of the data section itself.
   */
  public String sha256() {
    String digest = sha256;
    if (digest == null) {
      digest = computeSha256();
      sha256 = digest;
    }
    return digest;
  }

  private String computeSha256() {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
    int elementSize = header.type().elementSize();
    if (elementSize == 1 || ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      md.update(data.duplicate());
    } else {
      ByteBuffer scratch = ByteBuffer.allocate(ByteOrders.CHUNK).order(ByteOrder.LITTLE_ENDIAN);
      ByteOrders.forEachChunk(
          data.limit(),
          (position, length) -> {
            scratch.clear();
            ByteOrders.copyElements(
                data.slice(position, length).order(ByteOrder.nativeOrder()), scratch, elementSize);
            scratch.flip();
            md.update(scratch);
          });
    }
    return HexFormat.of().formatHex(md.digest());
  }

  @Override
  public String toString() {
    return "IdxArray["
        + file
        + ": "
        + header.type().typeName()
        + " "
        + header.shapeText()
        + (header.gzip() ? " gzip" : " plain")
        + "]";
  }
}
