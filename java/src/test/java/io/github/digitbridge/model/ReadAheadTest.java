package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.model.ModelException.Reason;
import io.github.digitbridge.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model read ahead of its open: taken once, for its own path, only while the file is as read. */
class ReadAheadTest {
  @TempDir Path tmp;

  /** Each test takes what it reads ahead: a leftover would be taken by another test's open. */
  @AfterEach
  void nothingIsLeftWaiting() {
    assertFalse(ReadAhead.isPending());
  }

  private Path copy(String model) throws Exception {
    Path file = tmp.resolve("model.onnx");
    Files.copy(TestModels.file(model), file);
    return file;
  }

  private static DigitClassifier open(Path model) throws ModelException {
    return DigitClassifier.open(model, TestModels.options().build());
  }

  @Test
  void theOpenOfTheSamePathTakesItOnce() throws Exception {
    Path model = copy("linear.onnx");
    DigitClassifier.readAhead(model);
    assertTrue(ReadAhead.isPending());
    try (DigitClassifier classifier = open(model)) {
      assertTrue(classifier.goldenCheck().orElseThrow().passed());
    }
    assertFalse(ReadAhead.isPending());
  }

  @Test
  void whatWasReadIsWhatLoadsWhileTheFileKeepsItsSizeTimeAndIdentity() throws Exception {
    Path model = copy("linear.onnx");
    FileTime time = Files.getLastModifiedTime(model);
    DigitClassifier.readAhead(model);
    ReadAhead.awaitPending();
    // Same size, same file, time put back: only the read-ahead still holds the original bytes.
    Files.write(
        model,
        Files.readAllBytes(TestModels.file("linear_altered.onnx")),
        StandardOpenOption.TRUNCATE_EXISTING);
    Files.setLastModifiedTime(model, time);
    try (DigitClassifier classifier = open(model)) {
      assertTrue(classifier.goldenCheck().orElseThrow().passed());
    }
    // Without the read-ahead the same file is the altered model.
    ModelException e = assertThrows(ModelException.class, () -> open(model).close());
    assertEquals(Reason.GOLDEN_MISMATCH, e.reason());
  }

  @Test
  void aFileChangedAfterItWasReadIsReadAgain() throws Exception {
    Path model = copy("linear.onnx");
    DigitClassifier.readAhead(model);
    ReadAhead.awaitPending();
    Files.write(
        model,
        Files.readAllBytes(TestModels.file("no_contract.onnx")),
        StandardOpenOption.TRUNCATE_EXISTING);
    ModelException e = assertThrows(ModelException.class, () -> open(model).close());
    assertEquals(Reason.CONTRACT_MISSING, e.reason());
  }

  @Test
  void aFileReplacedByAnotherOfTheSameSizeAndTimeIsReadAgain() throws Exception {
    Path model = copy("linear.onnx");
    FileTime time = Files.getLastModifiedTime(model);
    DigitClassifier.readAhead(model);
    ReadAhead.awaitPending();
    Path other = tmp.resolve("other.onnx");
    Files.copy(TestModels.file("linear_altered.onnx"), other);
    Files.setLastModifiedTime(other, time);
    Files.move(other, model, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    ModelException e = assertThrows(ModelException.class, () -> open(model).close());
    assertEquals(Reason.GOLDEN_MISMATCH, e.reason());
  }

  @Test
  void aFailedReadAheadLeavesTheOpenToReportWhatItAlwaysReports() throws Exception {
    Path missing = tmp.resolve("missing.onnx");
    ModelException plain = assertThrows(ModelException.class, () -> open(missing).close());
    DigitClassifier.readAhead(missing);
    ReadAhead.awaitPending();
    ModelException ahead = assertThrows(ModelException.class, () -> open(missing).close());
    assertEquals(plain.getMessage(), ahead.getMessage());
    assertEquals(Reason.IO, ahead.reason());

    Path refused = copy("no_contract.onnx");
    DigitClassifier.readAhead(refused);
    ModelException missingContract =
        assertThrows(ModelException.class, () -> open(refused).close());
    assertEquals(Reason.CONTRACT_MISSING, missingContract.reason());
  }

  @Test
  void anOpenOfAnotherPathLeavesItWaiting() throws Exception {
    Path model = copy("linear.onnx");
    DigitClassifier.readAhead(model);
    try (DigitClassifier classifier = open(TestModels.linear())) {
      assertTrue(classifier.goldenCheck().isPresent());
    }
    assertTrue(ReadAhead.isPending());
    open(model).close();
    assertFalse(ReadAhead.isPending());
  }
}
