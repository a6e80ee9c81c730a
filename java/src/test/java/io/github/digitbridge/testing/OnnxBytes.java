package io.github.digitbridge.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Rewrites a serialized ONNX model's metadata without an ONNX library: the tests' way to write
 * hostile contracts on the fly, as tests/data/make_test_models.py does in Python.
 */
public final class OnnxBytes {
  private static final int METADATA_PROPS = 14; // ModelProto.metadata_props

  private OnnxBytes() {}

  /** {@code model} with every metadata entry replaced by the one {@code digitbridge.contract}. */
  public static byte[] withContract(byte[] model, String contract) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int[] pos = {0};
    while (pos[0] < model.length) {
      int start = pos[0];
      long key = varint(model, pos);
      int wire = (int) (key & 7);
      switch (wire) {
        case 0 -> varint(model, pos);
        case 1 -> pos[0] += 8;
        case 2 -> {
          int length = (int) varint(model, pos); // before pos[0] is read for the sum
          pos[0] += length;
        }
        case 5 -> pos[0] += 4;
        default -> throw new IllegalArgumentException("wire type " + wire);
      }
      if (key >>> 3 != METADATA_PROPS) {
        out.write(model, start, pos[0] - start);
      }
    }
    ByteArrayOutputStream entry = new ByteArrayOutputStream();
    field(entry, 1, "digitbridge.contract".getBytes(StandardCharsets.UTF_8));
    field(entry, 2, contract.getBytes(StandardCharsets.UTF_8));
    field(out, METADATA_PROPS, entry.toByteArray());
    return out.toByteArray();
  }

  private static void field(ByteArrayOutputStream out, int number, byte[] value) {
    writeVarint(out, (long) number << 3 | 2);
    writeVarint(out, value.length);
    out.write(value, 0, value.length);
  }

  private static void writeVarint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) (value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.write((int) value);
  }

  private static long varint(byte[] data, int[] pos) {
    long value = 0;
    for (int shift = 0; ; shift += 7) {
      int b = data[pos[0]++] & 0xFF;
      value |= (long) (b & 0x7F) << shift;
      if (b < 0x80) {
        return value;
      }
    }
  }
}
