package io.github.digitbridge.model;

import static io.github.digitbridge.testing.Bytes.bytes;
import static io.github.digitbridge.testing.Bytes.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.model.ModelException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks ModelFile makes before ONNX Runtime sees a model, on protobufs built here byte by
 * byte: the walk's malformations at their edges, the nesting and contract limits, and every
 * external data refusal, each with its whole line.
 */
class ModelFileWalkTest {
  // ---- building protobufs -----------------------------------------------------------------------

  private static void varint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) (value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.write((int) value);
  }

  /** A length-delimited field. */
  private static byte[] field(int number, byte[]... parts) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      body.writeBytes(part);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    varint(out, (long) number << 3 | 2);
    varint(out, body.size());
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static byte[] field(int number, String text) {
    return field(number, text.getBytes(StandardCharsets.UTF_8));
  }

  /** A varint field. */
  private static byte[] number(int number, long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    varint(out, (long) number << 3);
    varint(out, value);
    return out.toByteArray();
  }

  private static String refusal(byte[] model, Reason reason) {
    ModelException e = assertThrows(ModelException.class, () -> ModelFile.of(model, "m"));
    assertEquals(reason, e.reason(), e.getMessage());
    return e.getMessage();
  }

  private static String refusal(Path model, Reason reason) {
    ModelException e = assertThrows(ModelException.class, () -> ModelFile.read(model));
    assertEquals(reason, e.reason(), e.getMessage());
    return e.getMessage();
  }

  // ModelProto.graph 7, metadata_props 14; GraphProto.node 1, initializer 5; NodeProto.attribute
  // 5; AttributeProto.t 5, g 6; TensorProto.external_data 13, data_location 14.

  /** A model whose graph has one initializer with {@code tensor}'s fields. */
  private static byte[] modelWithTensor(byte[]... tensor) {
    return field(7, field(5, tensor));
  }

  /** An external data entry {@code key: value}. */
  private static byte[] entry(String key, String value) {
    return field(13, field(1, key), field(2, value));
  }

  // ---- the walk -------------------------------------------------------------------------------

  @Test
  void malformedProtobufsAreInvalidModels() {
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found a malformed varint at offset 2",
        refusal(bytes(0x3A, 0xFF), Reason.MODEL_INVALID));
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found a field of 5 bytes at offset 2 with 2"
            + " left",
        refusal(bytes(0x3A, 0x05, 0x61, 0x62), Reason.MODEL_INVALID));
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found wire type 3 at offset 1",
        refusal(bytes(0x0B), Reason.MODEL_INVALID));
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found wire type 7 at offset 1",
        refusal(bytes(0x0F), Reason.MODEL_INVALID));
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found field number 0 at offset 1",
        refusal(bytes(0x00), Reason.MODEL_INVALID));
    ByteArrayOutputStream big = new ByteArrayOutputStream();
    varint(big, (1L << 31) << 3);
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found field number 2147483648 at offset 5",
        refusal(big.toByteArray(), Reason.MODEL_INVALID));
    // the largest field number is skipped like any other
    ByteArrayOutputStream largest = new ByteArrayOutputStream();
    varint(largest, (long) Integer.MAX_VALUE << 3);
    varint(largest, 1);
    assertWalks(largest.toByteArray());
  }

  private static void assertWalks(byte[] model) {
    try {
      assertTrue(ModelFile.of(model, "m").contract().isEmpty());
    } catch (ModelException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aVarintHasAtMostTenBytes() {
    byte[] ten = new byte[11];
    ten[0] = 0x08; // field 1, a varint
    Arrays.fill(ten, 1, 10, (byte) 0xFF);
    ten[10] = 0x01;
    assertWalks(ten);
    byte[] eleven = Arrays.copyOf(ten, 12);
    eleven[10] = (byte) 0xFF;
    eleven[11] = 0x01;
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found a malformed varint at offset 11",
        refusal(eleven, Reason.MODEL_INVALID));
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found a malformed varint at offset 1",
        refusal(bytes(0x08), Reason.MODEL_INVALID));
  }

  @Test
  void fixedSizeFieldsAreSkippedWhole() {
    assertWalks(join(bytes(0x09), new byte[8], bytes(0x0D), new byte[4]));
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found a truncated fixed-size field before"
            + " offset 8",
        refusal(join(bytes(0x09), new byte[7]), Reason.MODEL_INVALID));
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found a truncated fixed-size field before"
            + " offset 4",
        refusal(join(bytes(0x0D), new byte[3]), Reason.MODEL_INVALID));
    // inside the graph, the graph's own end is the limit, not the file's
    byte[] graph = join(bytes(0x3A, 0x03, 0x0D, 0, 0), new byte[8]);
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found a truncated fixed-size field before"
            + " offset 5",
        refusal(graph, Reason.MODEL_INVALID));
    // a length-delimited field may end exactly at its message's end
    assertWalks(field(7, field(99, "x")));
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found a field of 2 bytes at offset 4 with 1"
            + " left",
        refusal(bytes(0x3A, 0x03, 0x0A, 0x02, 0x00, 0x00), Reason.MODEL_INVALID));
  }

  /** Graph > node > attribute > graph ... with the innermost message at {@code depth}. */
  private static byte[] nested(int depth) {
    int[] enter = {1, 5, 6}; // graph.node, node.attribute, attribute.g: levels 2, 3, 4, 5 ...
    byte[] inner = new byte[0];
    for (int level = depth; level >= 2; level--) {
      inner = field(enter[(level - 2) % 3], inner);
    }
    return field(7, inner); // the graph, level 1
  }

  @Test
  void messagesNestAtMost64Deep() {
    assertWalks(nested(64));
    assertEquals(
        "m: MODEL_INVALID: expected an ONNX protobuf, found more than 64 levels of nested messages",
        refusal(nested(65), Reason.MODEL_INVALID));
  }

  // ---- the contract entry ------------------------------------------------------------------

  private static byte[] metadata(String key, byte[] value) {
    return field(14, field(1, key), field(2, value));
  }

  @Test
  void theContractEntryIsFoundByItsWholeKey() throws ModelException {
    byte[] contract = metadata(ModelContract.METADATA_KEY, "{}".getBytes(StandardCharsets.UTF_8));
    assertEquals("{}", ModelFile.of(contract, "m").contract().orElseThrow());
    assertWalks(metadata("digitbridge.contrac", "{}".getBytes(StandardCharsets.UTF_8)));
    assertWalks(metadata("digitbridge.contracts", "{}".getBytes(StandardCharsets.UTF_8)));
    // an entry whose key and value are varints has no key
    assertWalks(field(14, number(1, 5), number(2, 6)));
    assertEquals(
        "m: CONTRACT_INVALID: expected one 'digitbridge.contract' entry in the metadata, found two",
        refusal(join(contract, contract), Reason.CONTRACT_INVALID));
    // the value comes from field 2 whatever the order
    byte[] reversed = field(14, field(2, "[1]"), field(1, ModelContract.METADATA_KEY));
    assertEquals("[1]", ModelFile.of(reversed, "m").contract().orElseThrow());
    assertEquals(
        "",
        ModelFile.of(field(14, field(1, ModelContract.METADATA_KEY)), "m")
            .contract()
            .orElseThrow());
  }

  @Test
  void theContractIsAtMostOneMebibyteOfUtf8() throws ModelException {
    byte[] limit = new byte[ModelFile.MAX_JSON_BYTES];
    Arrays.fill(limit, (byte) ' ');
    assertEquals(
        ModelFile.MAX_JSON_BYTES,
        ModelFile.of(metadata(ModelContract.METADATA_KEY, limit), "m")
            .contract()
            .orElseThrow()
            .length());
    assertEquals(
        "m: TOO_LARGE: expected a contract of at most 1048576 bytes, found 1048577",
        refusal(
            metadata(ModelContract.METADATA_KEY, Arrays.copyOf(limit, limit.length + 1)),
            Reason.TOO_LARGE));
    assertEquals(
        "m: CONTRACT_INVALID: contract digitbridge.contract: expected UTF-8 text, found an invalid"
            + " byte at offset 3",
        refusal(
            metadata(ModelContract.METADATA_KEY, bytes('{', ' ', ' ', 0xC3, '}')),
            Reason.CONTRACT_INVALID));
  }

  // ---- external data ------------------------------------------------------------------------

  private static Path model(Path dir, byte[] bytes) throws Exception {
    return Files.write(dir.resolve("m.onnx"), bytes);
  }

  @Test
  void externalDataIsCheckedAgainstTheFileItNames(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("w.bin"), new byte[16]);
    byte[] located = entry("location", "w.bin");
    assertTrue(
        ModelFile.read(model(dir, modelWithTensor(number(14, 1), located))).folder().isPresent());
    // offset + length up to the file's size, and the checksum key, are accepted
    ModelFile.read(
        model(
            dir,
            modelWithTensor(
                located, entry("offset", "8"), entry("length", "8"), entry("checksum", "x"))));
    Path over = model(dir, modelWithTensor(located, entry("offset", "8"), entry("length", "9")));
    assertEquals(
        over + ": EXTERNAL_DATA: expected at least 17 bytes in 'w.bin', found 16",
        refusal(over, Reason.EXTERNAL_DATA));
    Path length = model(dir, modelWithTensor(located, entry("length", "17")));
    assertEquals(
        length + ": EXTERNAL_DATA: expected at least 17 bytes in 'w.bin', found 16",
        refusal(length, Reason.EXTERNAL_DATA));
    // data_location EXTERNAL without entries: no location at all
    Path none = model(dir, modelWithTensor(number(14, 1)));
    assertEquals(
        none
            + ": EXTERNAL_DATA: expected a relative path inside the model's folder, found location"
            + " ''",
        refusal(none, Reason.EXTERNAL_DATA));
    // data_location DEFAULT without entries: the data is in the model
    ModelFile.read(model(dir, modelWithTensor(number(14, 0))));
  }

  @Test
  void externalDataRefusals(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("w.bin"), new byte[16]);
    Files.createDirectory(dir.resolve("sub"));
    String prefix = dir.resolve("m.onnx") + ": EXTERNAL_DATA: ";
    List<String[]> cases =
        List.of(
            new String[] {"/etc/passwd", "expected a relative path inside the model's folder"},
            new String[] {
              "\\\\server\\w.bin", "expected a relative path inside the model's folder"
            },
            new String[] {"C:w.bin", "expected a relative path inside the model's folder"},
            new String[] {"w\0.bin", "expected a relative path inside the model's folder"},
            new String[] {"\0w.bin", "expected a relative path inside the model's folder"},
            new String[] {"../w.bin", "expected a path without '..' inside the model's folder"},
            new String[] {"sub/../w.bin", "expected a path without '..' inside the model's folder"},
            new String[] {
              "sub\\..\\w.bin", "expected a path without '..' inside the model's folder"
            },
            new String[] {
              "x.bin",
              "expected a regular file 'x.bin' in the model's folder " + dir + ", found none"
            },
            new String[] {
              "sub", "expected a regular file 'sub' in the model's folder " + dir + ", found none"
            });
    for (String[] c : cases) {
      Path m = model(dir, modelWithTensor(entry("location", c[0])));
      String expected = c[1].endsWith("none") ? c[1] : c[1] + ", found location '" + c[0] + "'";
      assertEquals(prefix + expected, refusal(m, Reason.EXTERNAL_DATA), c[0]);
    }
    Path unknown = model(dir, modelWithTensor(entry("location", "w.bin"), entry("extra", "1")));
    assertEquals(
        prefix
            + "expected external data keys from [checksum, length, location, offset], found"
            + " [extra]",
        refusal(unknown, Reason.EXTERNAL_DATA));
    for (String bad : List.of("-1", "1.5", "", "1234567890123456789")) {
      Path m = model(dir, modelWithTensor(entry("location", "w.bin"), entry("offset", bad)));
      assertEquals(
          prefix + "expected a whole number as offset, found '" + bad + "' for location 'w.bin'",
          refusal(m, Reason.EXTERNAL_DATA));
    }
    Path length = model(dir, modelWithTensor(entry("location", "w.bin"), entry("length", "x")));
    assertEquals(
        prefix + "expected a whole number as length, found 'x' for location 'w.bin'",
        refusal(length, Reason.EXTERNAL_DATA));
    assertEquals(
        "m: EXTERNAL_DATA: expected no external data in a model given as bytes, found location"
            + " 'w.bin'",
        refusal(modelWithTensor(entry("location", "w.bin")), Reason.EXTERNAL_DATA));
  }

  @Test
  void tensorsInsideNodesAreCheckedToo(@TempDir Path dir) throws Exception {
    byte[] tensor = entry("location", "none.bin");
    // graph > node > attribute.t
    Path inNode = model(dir, field(7, field(1, field(5, field(5, tensor)))));
    assertEquals(
        inNode
            + ": EXTERNAL_DATA: expected a regular file 'none.bin' in the model's folder "
            + dir
            + ", found none",
        refusal(inNode, Reason.EXTERNAL_DATA));
  }

  // ---- files --------------------------------------------------------------------------------

  @Test
  void filesAreReadUpTo256MiB(@TempDir Path dir) throws Exception {
    Path limit = dir.resolve("limit.onnx");
    try (RandomAccessFile f = new RandomAccessFile(limit.toFile(), "rw")) {
      f.setLength(ModelFile.MAX_MODEL_BYTES); // sparse zeros: read, then refused by the walk
    }
    assertEquals(
        limit + ": MODEL_INVALID: expected an ONNX protobuf, found field number 0 at offset 1",
        refusal(limit, Reason.MODEL_INVALID));
    try (RandomAccessFile f = new RandomAccessFile(limit.toFile(), "rw")) {
      f.setLength(ModelFile.MAX_MODEL_BYTES + 1);
    }
    assertEquals(
        limit + ": TOO_LARGE: expected at most 268435456 bytes, found 268435457",
        refusal(limit, Reason.TOO_LARGE));
    assertEquals(dir + ": IO: expected an ONNX file, found a directory", refusal(dir, Reason.IO));
    Path missing = dir.resolve("missing.onnx");
    assertEquals(
        missing + ": IO: expected an ONNX file, found no such file", refusal(missing, Reason.IO));
  }

  @Test
  void aFileWhoseSizeReadsZeroIsReadWhole(@TempDir Path dir) throws Exception {
    // A pipe's size reads 0, as a file still being written can read less than it will hold: the
    // read goes on past the size it was told, up to the limit.
    Path pipe = dir.resolve("pipe.onnx");
    assertEquals(0, new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor());
    String contract = "{\"pad\": \"" + "x".repeat(100_000) + "\"}";
    byte[] model = metadata(ModelContract.METADATA_KEY, contract.getBytes(StandardCharsets.UTF_8));
    Thread writer =
        new Thread(
            () -> {
              try {
                Files.write(pipe, model);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    writer.setDaemon(true); // never left blocked on the pipe if the read fails first
    writer.start();
    assertEquals(contract, ModelFile.read(pipe).contract().orElseThrow());
    writer.join();
  }

  @Test
  void bytesAreAcceptedUpTo256MiB() throws ModelException {
    byte[] limit = new byte[(int) ModelFile.MAX_MODEL_BYTES];
    limit[0] = 0x0A; // field 1, length-delimited, running to the end
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.write(0x0A);
    varint(head, limit.length - 5);
    System.arraycopy(head.toByteArray(), 0, limit, 0, head.size());
    assertEquals(5, head.size());
    assertTrue(ModelFile.of(limit, "m").folder().isEmpty());
    byte[] over = Arrays.copyOf(limit, limit.length + 1);
    assertEquals(
        "m: TOO_LARGE: expected at most 268435456 bytes, found 268435457",
        refusal(over, Reason.TOO_LARGE));
  }
}
