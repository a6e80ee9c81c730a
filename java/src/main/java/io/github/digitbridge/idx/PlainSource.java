package io.github.digitbridge.idx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** The bytes of an uncompressed file, read with positional reads from the start. */
final class PlainSource implements ByteSource {
  private final FileChannel channel;
  private long position;

  PlainSource(FileChannel channel) {
    this.channel = channel;
  }

  @Override
  public void fill(ByteBuffer dst) throws IOException {
    while (dst.hasRemaining()) {
      int n = channel.read(dst, position);
      if (n < 0) {
        return;
      }
      position += n;
    }
  }
}
