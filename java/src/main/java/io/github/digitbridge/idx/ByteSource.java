package io.github.digitbridge.idx;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The IDX bytes of a file, plain or decompressed, read front to back. */
interface ByteSource {
  /**
   * Fills {@code dst} up to its limit, or as far as the IDX bytes go if they end first.
   *
   * @throws IdxException if the container is damaged (gzip only)
   * @throws IOException if the file cannot be read
   */
  void fill(ByteBuffer dst) throws IOException, IdxException;
}
