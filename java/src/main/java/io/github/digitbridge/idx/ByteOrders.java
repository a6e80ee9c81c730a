package io.github.digitbridge.idx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Bulk byte-order conversion of element data, a chunk at a time through typed buffer views. */
final class ByteOrders {
  /** A multiple of every element size, small enough to stay in cache. */
  static final int CHUNK = 1 << 16;

  private ByteOrders() {}

  /** What to do with one chunk of a buffer: the bytes {@code [position, position + length)}. */
  @FunctionalInterface
  interface ChunkAction {
    void apply(int position, int length);
  }

  /**
   * Calls {@code action} for consecutive chunks of at most {@link #CHUNK} bytes covering {@code [0,
   * length)}.
   *
   * <p>The position advances by the length of the chunk just done, so it never passes {@code
   * length}: stepping by {@code CHUNK} instead overflows {@code int} on buffers within one chunk of
   * {@link Integer#MAX_VALUE} bytes, which the IDX size limit allows.
   */
  static void forEachChunk(int length, ChunkAction action) {
    for (int position = 0; position < length; ) {
      int chunk = Math.min(CHUNK, length - position);
      action.apply(position, chunk);
      position += chunk;
    }
  }

  /**
   * Copies the remaining elements of {@code src} into {@code dst}, reading them in {@code src}'s
   * byte order and writing them in {@code dst}'s. Both positions advance by the bytes copied.
   */
  static void copyElements(ByteBuffer src, ByteBuffer dst, int elementSize) {
    int bytes = src.remaining();
    // Floats and doubles travel as int and long bits so no NaN payload is ever canonicalized.
    switch (elementSize) {
      case 1 -> dst.duplicate().put(src.duplicate());
      case 2 -> dst.asShortBuffer().put(src.asShortBuffer());
      case 4 -> dst.asIntBuffer().put(src.asIntBuffer());
      case 8 -> dst.asLongBuffer().put(src.asLongBuffer());
      default -> throw new IllegalArgumentException("element size " + elementSize);
    }
    src.position(src.position() + bytes);
    dst.position(dst.position() + bytes);
  }

  /**
   * Rewrites big-endian elements in place in native order.
   *
   * <p>The chunks go through a scratch buffer because the result of a bulk put between two views of
   * the same memory is not something to rely on.
   */
  static void bigEndianToNative(ByteBuffer data, int elementSize) {
    if (elementSize == 1 || ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN) {
      return;
    }
    ByteBuffer scratch = ByteBuffer.allocate(CHUNK).order(ByteOrder.BIG_ENDIAN);
    forEachChunk(
        data.limit(),
        (position, length) -> {
          scratch.clear();
          scratch.put(data.slice(position, length));
          scratch.flip();
          copyElements(
              scratch, data.slice(position, length).order(ByteOrder.nativeOrder()), elementSize);
        });
  }
}
