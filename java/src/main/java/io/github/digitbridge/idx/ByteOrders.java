package io.github.digitbridge.idx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Bulk byte-order conversion of element data, a chunk at a time through typed buffer views. */
final class ByteOrders {
  /** A multiple of every element size, small enough to stay in cache. */
  static final int CHUNK = 1 << 16;

  private ByteOrders() {}

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
    for (int pos = 0; pos < data.limit(); pos += CHUNK) {
      int len = Math.min(CHUNK, data.limit() - pos);
      scratch.clear();
      scratch.put(data.slice(pos, len));
      scratch.flip();
      copyElements(scratch, data.slice(pos, len).order(ByteOrder.nativeOrder()), elementSize);
    }
  }
}
