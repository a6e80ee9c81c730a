package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.model.ModelException.Reason;
import io.github.digitbridge.testing.OnnxBytes;
import io.github.digitbridge.testing.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The model file before ONNX Runtime sees it: external data from the model's folder only, the size
 * limits, the protobuf walk. The external data fixtures are shared with the Python suite.
 */
class ModelFileTest {
  private static ModelException refused(Path model) {
    return assertThrows(
        ModelException.class,
        () -> DigitClassifier.open(model, TestModels.options().build()).close());
  }

  private static ModelException refusedBytes(byte[] model) {
    return assertThrows(
        ModelException.class,
        () -> DigitClassifier.open(model, TestModels.options().build()).close());
  }

  // ---- external data -----------------------------------------------------------------------

  @Test
  void externalDataLoadsFromTheModelsFolderNotTheWorkingDirectory() throws ModelException {
    // Maven runs the tests in java/, not tests/data/models: the data must be found beside the
    // model.
    try (DigitClassifier external =
            DigitClassifier.open(TestModels.file("external.onnx"), TestModels.options().build());
        DigitClassifier linear = DigitClassifier.open(TestModels.linear())) {
      assertEquals(0.0, external.goldenCheck().orElseThrow().maxAbsDiff());
      ModelContract.Golden golden = linear.contract().golden();
      assertArrayEquals(
          linear.predict(ByteBuffer.wrap(golden.pixels()), golden.count()).toArray(),
          external.predict(ByteBuffer.wrap(golden.pixels()), golden.count()).toArray());
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "external_escape.onnx | expected a path without '..' inside the model's folder",
        "external_absolute.onnx | expected a relative path inside the model's folder",
        "external_cwd.onnx | expected a regular file 'build.gradle' in the model's folder",
      })
  void externalDataOutsideTheModelsFolderIsRefused(String name, String expected) {
    Path model = TestModels.file(name);
    ModelException e = refused(model);
    assertEquals(Reason.EXTERNAL_DATA, e.reason(), e.getMessage());
    assertTrue(e.getMessage().startsWith(model + ": EXTERNAL_DATA: "), e.getMessage());
    assertTrue(e.detail().contains(expected), e.getMessage());
  }

  @Test
  void externalDataInTheWorkingDirectoryIsNotRead() {
    // The old loader resolved the location against the working directory, where this file is.
    assertTrue(Files.isRegularFile(Path.of("build.gradle")), "the tests run in java/");
    ModelException e = refused(TestModels.file("external_cwd.onnx"));
    assertEquals(Reason.EXTERNAL_DATA, e.reason(), e.getMessage());
  }

  @Test
  void externalDataThroughASymlinkLeadingOutIsRefused(@TempDir Path tmp) throws Exception {
    Path folder = Files.createDirectory(tmp.resolve("model"));
    Path model = Files.copy(TestModels.file("external.onnx"), folder.resolve("external.onnx"));
    Path outside = Files.copy(TestModels.file("external.weights"), tmp.resolve("outside.weights"));
    Files.createSymbolicLink(folder.resolve("external.weights"), outside);
    ModelException e = refused(model);
    assertEquals(Reason.EXTERNAL_DATA, e.reason(), e.getMessage());
    assertTrue(e.detail().contains("leading out"), e.getMessage());
    Files.delete(folder.resolve("external.weights"));
    assertTrue(refused(model).detail().contains("found none"));
    Files.write(folder.resolve("external.weights"), new byte[100]);
    assertTrue(refused(model).detail().contains("expected at least 31360 bytes"));
  }

  @Test
  void aModelGivenAsBytesMayHaveNoExternalData() throws Exception {
    ModelException e = refusedBytes(Files.readAllBytes(TestModels.file("external.onnx")));
    assertEquals(Reason.EXTERNAL_DATA, e.reason());
    assertTrue(
        e.detail().contains("expected no external data in a model given as bytes"), e.getMessage());
  }

  // ---- sizes ---------------------------------------------------------------------------------

  @Test
  void aModelOver2GiBIsRefusedBeforeItIsRead(@TempDir Path tmp) throws Exception {
    Path big = tmp.resolve("big.onnx");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength((2L << 30) + 1); // sparse: nothing is written or read
    }
    ModelException e = refused(big);
    assertEquals(Reason.TOO_LARGE, e.reason());
    assertTrue(
        e.detail()
            .equals("expected at most " + ModelFile.MAX_MODEL_BYTES + " bytes, found 2147483649"),
        e.getMessage());
  }

  @Test
  void aContractOverTheLimitIsRefusedBeforeItIsParsed(@TempDir Path tmp) throws Exception {
    String huge = "{\"pad\": \"" + "x".repeat(ModelFile.MAX_JSON_BYTES) + "\"}";
    byte[] model = OnnxBytes.withContract(Files.readAllBytes(TestModels.linear()), huge);
    ModelException e = refused(Files.write(tmp.resolve("m.onnx"), model));
    assertEquals(Reason.TOO_LARGE, e.reason());
    assertTrue(
        e.detail().startsWith("expected a contract of at most 1048576 bytes"), e.getMessage());
  }

  @Test
  void twoContractEntriesAreRefused() throws Exception {
    byte[] linear = Files.readAllBytes(TestModels.linear());
    byte[] entry = OnnxBytes.withContract(new byte[0], "{}");
    byte[] twice = new byte[linear.length + entry.length];
    System.arraycopy(linear, 0, twice, 0, linear.length);
    System.arraycopy(entry, 0, twice, linear.length, entry.length);
    ModelException e = refusedBytes(twice);
    assertEquals(Reason.CONTRACT_INVALID, e.reason());
    assertTrue(e.detail().endsWith("found two"), e.getMessage());
  }

  // ---- the protobuf walk -------------------------------------------------------------------

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "3aff | a malformed varint",
        "3a056162 | a field of 5 bytes",
        "0b | wire type 3",
        "00 | field number 0",
      })
  void aMalformedProtobufIsAnInvalidModel(String hex, String expected) {
    ModelException e = refusedBytes(hex(hex));
    assertEquals(Reason.MODEL_INVALID, e.reason());
    assertTrue(e.detail().contains(expected), e.getMessage());
  }

  @Test
  void deeplyNestedSubgraphsAreRefusedWithoutStackOverflow() {
    // graph(7) > node(1) > attribute(5) > graph(6) > ... 100 times, written from the inside out.
    byte[] inner = new byte[0];
    for (int i = 0; i < 100; i++) {
      for (int field : List.of(6, 5, 1)) {
        inner = wrap(field, inner);
      }
    }
    ModelException e = refusedBytes(wrap(7, inner));
    assertEquals(Reason.MODEL_INVALID, e.reason());
    assertTrue(e.detail().contains("levels of nested messages"), e.getMessage());
  }

  private static byte[] wrap(int field, byte[] inner) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(field << 3 | 2);
    int n = inner.length;
    while (n >= 0x80) {
      out.write(n & 0x7F | 0x80);
      n >>>= 7;
    }
    out.write(n);
    out.write(inner, 0, inner.length);
    return out.toByteArray();
  }

  private static byte[] hex(String hex) {
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }
}
