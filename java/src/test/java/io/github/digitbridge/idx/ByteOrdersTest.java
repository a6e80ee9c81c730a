package io.github.digitbridge.idx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ByteOrdersTest {
  /**
   * Walks the chunks of a buffer of {@code length} bytes, checking each is in range and adjacent.
   */
  private static long[] walk(int length) {
    long[] covered = {0, 0}; // bytes covered, chunks
    ByteOrders.forEachChunk(
        length,
        (position, chunk) -> {
          assertEquals(covered[0], position, "chunks must be adjacent, in order");
          assertTrue(chunk > 0 && chunk <= ByteOrders.CHUNK, "chunk length " + chunk);
          assertTrue((long) position + chunk <= length, "chunk past the end at " + position);
          covered[0] += chunk;
          covered[1]++;
        });
    return covered;
  }

  @Test
  void chunksCoverTheLargestBufferTheSizeLimitAllows() {
    // The largest data section a header may claim; stepping by CHUNK overflowed int past
    // 2^31 - 2^16 bytes and sliced at a negative position.
    long[] covered = walk(Integer.MAX_VALUE);
    assertEquals(Integer.MAX_VALUE, covered[0]);
    assertEquals((Integer.MAX_VALUE + (long) ByteOrders.CHUNK - 1) / ByteOrders.CHUNK, covered[1]);
    // 268,435,455 doubles: the size an IndexOutOfBoundsException was first seen at.
    assertEquals(268_435_455L * 8, walk(268_435_455 * 8)[0]);
  }

  @Test
  void chunksOfSmallAndExactMultiples() {
    List<Integer> lengths = new ArrayList<>();
    ByteOrders.forEachChunk(2 * ByteOrders.CHUNK + 3, (position, chunk) -> lengths.add(chunk));
    assertEquals(List.of(ByteOrders.CHUNK, ByteOrders.CHUNK, 3), lengths);
    assertEquals(0, walk(0)[1]);
    assertEquals(1, walk(ByteOrders.CHUNK)[1]);
  }
}
