package io.github.digitbridge.model;

import io.github.digitbridge.StartupTrace;
import io.github.digitbridge.model.ModelException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A model file before ONNX Runtime sees it: its size limit, its contract text and its external data
 * (docs/model-contract.md, "Loading a model"; twin of Python's {@code pybridge.modelfile}).
 *
 * <p>The file is read once, at most {@link #MAX_MODEL_BYTES}, and its protobuf is walked here for
 * two things: the contract entry of {@code metadata_props}, bounded before it becomes a string, and
 * every tensor stored as external data, whose {@code location} must name a regular file inside the
 * model's own folder. ONNX Runtime then loads the very bytes that were checked, told that folder as
 * its base: given bytes alone it would look for external data in the process's working directory.
 */
final class ModelFile {
  /** The largest .onnx file accepted; the zoo's largest is 3.4 MB. */
  static final long MAX_MODEL_BYTES = 256L << 20;

  /** The largest contract (its UTF-8 text) and the largest model card; about 40 KB in practice. */
  static final int MAX_JSON_BYTES = 1 << 20;

  /** Nested protobuf messages (a subgraph costs three levels). */
  static final int MAX_MESSAGE_DEPTH = 64;

  /** Tells ONNX Runtime where external data lives when the model is given as bytes. */
  static final String EXTERNAL_FOLDER_CONFIG =
      "session.model_external_initializers_file_folder_path";

  private static final Set<String> EXTERNAL_KEYS =
      new TreeSet<>(List.of("checksum", "length", "location", "offset"));
  private static final Pattern WHOLE = Pattern.compile("[0-9]{1,18}");
  private static final byte[] CONTRACT_KEY =
      ModelContract.METADATA_KEY.getBytes(StandardCharsets.UTF_8);

  // The messages on the way to a tensor, and which of their fields hold which (onnx.proto).
  private enum Kind {
    MODEL,
    GRAPH,
    NODE,
    ATTRIBUTE,
    TENSOR,
    SPARSE,
    TRAINING,
    FUNCTION,
    ENTRY
  }

  private static final Map<Kind, Map<Integer, Kind>> CHILDREN =
      Map.of(
          Kind.MODEL, Map.of(7, Kind.GRAPH, 14, Kind.ENTRY, 20, Kind.TRAINING, 25, Kind.FUNCTION),
          Kind.GRAPH, Map.of(1, Kind.NODE, 5, Kind.TENSOR, 15, Kind.SPARSE),
          Kind.NODE, Map.of(5, Kind.ATTRIBUTE),
          Kind.ATTRIBUTE,
              Map.of(
                  5,
                  Kind.TENSOR,
                  6,
                  Kind.GRAPH,
                  10,
                  Kind.TENSOR,
                  11,
                  Kind.GRAPH,
                  22,
                  Kind.SPARSE,
                  23,
                  Kind.SPARSE),
          Kind.SPARSE, Map.of(1, Kind.TENSOR, 2, Kind.TENSOR),
          Kind.TRAINING, Map.of(1, Kind.GRAPH, 2, Kind.GRAPH),
          Kind.FUNCTION, Map.of(7, Kind.NODE, 11, Kind.ATTRIBUTE));

  private static final int TENSOR_EXTERNAL_DATA = 13;
  private static final int TENSOR_DATA_LOCATION = 14;
  private static final int EXTERNAL = 1;

  private final String source;
  private final byte[] bytes;
  private final Path folder; // null for bytes
  private final String contract; // null when the model has none

  private ModelFile(String source, byte[] bytes, Path folder, String contract) {
    this.source = source;
    this.bytes = bytes;
    this.folder = folder;
    this.contract = contract;
  }

  /**
   * Reads and checks a model file.
   *
   * @throws ModelException {@link Reason#IO}, {@link Reason#TOO_LARGE}, {@link
   *     Reason#MODEL_INVALID} (not an ONNX protobuf), {@link Reason#EXTERNAL_DATA}, {@link
   *     Reason#CONTRACT_INVALID} (the contract entry twice)
   */
  static ModelFile read(Path model) throws ModelException {
    String source = model.toString();
    if (Files.isDirectory(model)) {
      throw new ModelException(Reason.IO, source, "expected an ONNX file, found a directory");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(model)) {
      long size = Files.size(model);
      if (size > MAX_MODEL_BYTES) {
        throw tooLarge(source, size);
      }
      bytes = readBounded(in, (int) size);
    } catch (NoSuchFileException e) {
      throw new ModelException(Reason.IO, source, "expected an ONNX file, found no such file", e);
    } catch (IOException e) {
      throw new ModelException(Reason.IO, source, "expected a readable ONNX file, found: " + e, e);
    }
    if (bytes.length > MAX_MODEL_BYTES) {
      throw tooLarge(source, sizeOf(model));
    }
    Path parent = model.toAbsolutePath().getParent();
    ModelFile file = check(bytes, source, parent);
    StartupTrace.mark("model-read");
    return file;
  }

  /**
   * Everything {@code in} holds, up to {@link #MAX_MODEL_BYTES} + 1 bytes. The file's size is read
   * in one go into an array of that size: reading with no size in hand ({@code readNBytes(MAX +
   * 1)}) went 8 KB at a time through a list of buffers and a final copy, about 5 ms more of a 3.5
   * MB model's open at start-up. The rest is read too, bounded: the file may be growing (or be a
   * pipe, whose size reads 0).
   */
  private static byte[] readBounded(InputStream in, int size) throws IOException {
    byte[] head = new byte[size];
    int read = in.readNBytes(head, 0, size);
    byte[] tail = in.readNBytes((int) MAX_MODEL_BYTES + 1 - read);
    if (read == size && tail.length == 0) {
      return head;
    }
    byte[] all = Arrays.copyOf(head, read + tail.length);
    System.arraycopy(tail, 0, all, read, tail.length);
    return all;
  }

  /**
   * Checks a model given as bytes: it has no folder, so external data is refused.
   *
   * @throws ModelException as {@link #read}
   */
  static ModelFile of(byte[] bytes, String source) throws ModelException {
    if (bytes.length > MAX_MODEL_BYTES) {
      throw tooLarge(source, bytes.length);
    }
    return check(bytes, source, null);
  }

  private static long sizeOf(Path model) {
    try {
      return Files.size(model);
    } catch (IOException e) {
      return MAX_MODEL_BYTES + 1;
    }
  }

  private static ModelException tooLarge(String source, long size) {
    return new ModelException(
        Reason.TOO_LARGE, source, "expected at most " + MAX_MODEL_BYTES + " bytes, found " + size);
  }

  private static ModelFile check(byte[] bytes, String source, Path folder) throws ModelException {
    Walk walk = new Walk(bytes, source);
    walk.message(Kind.MODEL, 0, bytes.length, 0);
    for (Map<String, String> entries : walk.external) {
      checkLocation(entries.getOrDefault("location", ""), entries, source, folder);
    }
    return new ModelFile(source, bytes, folder, walk.contract);
  }

  /** Refuses an external data entry unless it names a regular file inside {@code folder}. */
  private static void checkLocation(
      String location, Map<String, String> entries, String source, Path folder)
      throws ModelException {
    Set<String> unknown = new TreeSet<>(entries.keySet());
    unknown.removeAll(EXTERNAL_KEYS);
    if (!unknown.isEmpty()) {
      throw external(
          source, "expected external data keys from " + EXTERNAL_KEYS + ", found " + unknown);
    }
    String quoted = "'" + location + "'";
    if (folder == null) {
      throw external(
          source, "expected no external data in a model given as bytes, found location " + quoted);
    }
    String[] parts = location.split("[/\\\\]", -1);
    if (location.isEmpty()
        || location.indexOf('\0') >= 0
        || location.startsWith("/")
        || location.startsWith("\\")
        || location.matches("[A-Za-z]:.*")) {
      throw external(
          source, "expected a relative path inside the model's folder, found location " + quoted);
    }
    if (List.of(parts).contains("..")) {
      throw external(
          source,
          "expected a path without '..' inside the model's folder, found location " + quoted);
    }
    long end = 0;
    for (String key : List.of("offset", "length")) {
      String value = entries.get(key);
      if (value == null) {
        continue;
      }
      if (!WHOLE.matcher(value).matches()) {
        throw external(
            source,
            "expected a whole number as " + key + ", found '" + value + "' for location " + quoted);
      }
      end += Long.parseLong(value);
    }
    // Missing and not a regular file (a folder, a device) read the same to the user.
    String missing =
        "expected a regular file " + quoted + " in the model's folder " + folder + ", found none";
    Path base;
    Path target;
    try {
      base = folder.toRealPath();
      Path joined = base;
      for (String part : parts) {
        joined = joined.resolve(part);
      }
      target = joined.toRealPath();
    } catch (IOException e) {
      throw external(source, missing);
    }
    if (!target.startsWith(base)) {
      throw external(
          source,
          "expected a file inside the model's folder "
              + folder
              + ", found location "
              + quoted
              + " leading out");
    }
    if (!Files.isRegularFile(target)) {
      throw external(source, missing);
    }
    long size = sizeOf(target);
    if (end > size) {
      throw external(
          source, "expected at least " + end + " bytes in " + quoted + ", found " + size);
    }
  }

  private static ModelException external(String source, String detail) {
    return new ModelException(Reason.EXTERNAL_DATA, source, detail);
  }

  /**
   * Strict UTF-8: a byte that is not UTF-8 is refused rather than replaced, as Python's decoder
   * does.
   *
   * @param what the prefix of the detail, e.g. {@code "contract "}
   */
  static String utf8(byte[] data, int from, int length, String source, Reason reason, String what)
      throws ModelException {
    ByteBuffer in = ByteBuffer.wrap(data, from, length);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(in)
          .toString();
    } catch (CharacterCodingException e) {
      throw new ModelException(
          reason,
          source,
          what + "expected UTF-8 text, found an invalid byte at offset " + (in.position() - from),
          e);
    }
  }

  /** The bytes ONNX Runtime is given (not a copy: callers only read them). */
  byte[] bytes() {
    return bytes;
  }

  /** The path as given, or {@code <N bytes>}. */
  String source() {
    return source;
  }

  /** The folder external data comes from; empty for a model given as bytes. */
  Optional<Path> folder() {
    return Optional.ofNullable(folder);
  }

  /** The contract's text, if the model has the entry. */
  Optional<String> contract() {
    return Optional.ofNullable(contract);
  }

  /** A protobuf walk over the messages that can hold tensors; other fields are skipped whole. */
  private static final class Walk {
    private final byte[] data;
    private final String source;
    private final List<Map<String, String>> external = new ArrayList<>();
    private String contract;
    private int pos;

    Walk(byte[] data, String source) {
      this.data = data;
      this.source = source;
    }

    private ModelException invalid(String found) {
      return new ModelException(
          Reason.MODEL_INVALID, source, "expected an ONNX protobuf, found " + found);
    }

    private long varint(int end) throws ModelException {
      long value = 0;
      for (int shift = 0; ; shift += 7) {
        if (pos >= end || shift > 63) {
          throw invalid("a malformed varint at offset " + pos);
        }
        int b = data[pos++] & 0xFF;
        value |= (long) (b & 0x7F) << shift;
        if (b < 0x80) {
          return value;
        }
      }
    }

    /** Calls {@code visitor} for each varint or length-delimited field of [start, end). */
    private void fields(int start, int end, FieldVisitor visitor) throws ModelException {
      pos = start;
      while (pos < end) {
        long key = varint(end);
        int number = (int) (key >>> 3);
        int wire = (int) (key & 7);
        if (number == 0 || key >>> 3 > Integer.MAX_VALUE) {
          throw invalid("field number " + (key >>> 3) + " at offset " + pos);
        }
        switch (wire) {
          case 0 -> {
            long value = varint(end);
            int resume = pos;
            visitor.visit(number, wire, value, 0, 0);
            pos = resume;
          }
          case 2 -> {
            long length = varint(end);
            if (length > end - pos) {
              throw invalid(
                  "a field of "
                      + length
                      + " bytes at offset "
                      + pos
                      + " with "
                      + (end - pos)
                      + " left");
            }
            int from = pos;
            int to = (int) (pos + length);
            visitor.visit(number, wire, 0, from, to);
            pos = to;
          }
          case 1, 5 -> {
            pos += wire == 1 ? 8 : 4;
            if (pos > end) {
              throw invalid("a truncated fixed-size field before offset " + end);
            }
          }
          default -> throw invalid("wire type " + wire + " at offset " + pos);
        }
      }
    }

    void message(Kind kind, int start, int end, int depth) throws ModelException {
      if (depth > MAX_MESSAGE_DEPTH) {
        throw invalid("more than " + MAX_MESSAGE_DEPTH + " levels of nested messages");
      }
      if (kind == Kind.TENSOR) {
        tensor(start, end);
        return;
      }
      Map<Integer, Kind> children = CHILDREN.get(kind);
      fields(
          start,
          end,
          (number, wire, value, from, to) -> {
            Kind child = children.get(number);
            if (child == null || wire != 2) {
              return;
            }
            if (child == Kind.ENTRY) {
              metadata(from, to);
            } else {
              message(child, from, to, depth + 1);
            }
          });
    }

    /** A StringStringEntryProto's key and value as byte ranges: {keyFrom, keyTo, from, to}. */
    private int[] entry(int start, int end) throws ModelException {
      int[] ranges = {start, start, start, start};
      fields(
          start,
          end,
          (number, wire, value, from, to) -> {
            if (wire == 2 && (number == 1 || number == 2)) {
              ranges[2 * (number - 1)] = from;
              ranges[2 * (number - 1) + 1] = to;
            }
          });
      return ranges;
    }

    private void metadata(int start, int end) throws ModelException {
      int[] r = entry(start, end);
      if (!Arrays.equals(data, r[0], r[1], CONTRACT_KEY, 0, CONTRACT_KEY.length)) {
        return;
      }
      if (contract != null) {
        throw new ModelException(
            Reason.CONTRACT_INVALID,
            source,
            "expected one '" + ModelContract.METADATA_KEY + "' entry in the metadata, found two");
      }
      int length = r[3] - r[2];
      if (length > MAX_JSON_BYTES) {
        throw new ModelException(
            Reason.TOO_LARGE,
            source,
            "expected a contract of at most " + MAX_JSON_BYTES + " bytes, found " + length);
      }
      contract =
          utf8(
              data,
              r[2],
              length,
              source,
              Reason.CONTRACT_INVALID,
              "contract " + ModelContract.METADATA_KEY + ": ");
    }

    private void tensor(int start, int end) throws ModelException {
      Map<String, String> entries = new LinkedHashMap<>();
      boolean[] external = {false};
      fields(
          start,
          end,
          (number, wire, value, from, to) -> {
            if (number == TENSOR_DATA_LOCATION && wire == 0) {
              external[0] = value == EXTERNAL;
            } else if (number == TENSOR_EXTERNAL_DATA && wire == 2) {
              int resume = pos;
              int[] r = entry(from, to);
              pos = resume;
              entries.put(text(r[0], r[1]), text(r[2], r[3]));
            }
          });
      if (external[0] || !entries.isEmpty()) {
        this.external.add(entries);
      }
    }

    private String text(int from, int to) {
      return new String(data, from, to - from, StandardCharsets.UTF_8);
    }
  }

  @FunctionalInterface
  private interface FieldVisitor {
    void visit(int number, int wire, long value, int from, int to) throws ModelException;
  }
}
