package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxReader;
import io.github.digitbridge.idx.IdxWriter;
import io.github.digitbridge.testing.TestModels;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a classifier says about itself, its IDX preprocessing, and its refusals once closed. */
class ClassifierSurfaceTest {
  @Test
  void aClassifierDescribesItself() throws ModelException {
    ClassifierOptions options = TestModels.options().verifyGolden(false).build();
    try (DigitClassifier classifier = DigitClassifier.open(TestModels.linear(), options)) {
      assertEquals("linear", classifier.name());
      assertSame(options, classifier.options());
      assertEquals(TestModels.linear().toString(), classifier.source());
      assertEquals(
          "DigitClassifier[linear from " + TestModels.linear() + "]", classifier.toString());
    }
    assertEquals("1.28.0", DigitClassifier.ortVersion());
    assertTrue(DigitClassifier.availableProviders().contains("CPU"));
    DigitClassifier.prepareRuntime(); // harmless once the runtime is loaded
  }

  @Test
  void idxImagesArePreprocessedAndHashedLikeTheirBytes(@TempDir Path dir) throws Exception {
    byte[] pixels = new byte[2 * 784];
    pixels[0] = (byte) 255;
    pixels[784 + 5] = 51;
    Path file = Files.write(dir.resolve("two.idx"), IdxWriter.ubyte(new int[] {2, 28, 28}, pixels));
    IdxArray images = IdxReader.read(file);
    try (DigitClassifier classifier =
        DigitClassifier.open(
            TestModels.linear(), TestModels.options().verifyGolden(false).build())) {
      FloatBuffer scaled = classifier.preprocess(images);
      assertEquals(2 * 784, scaled.remaining());
      assertEquals(1.0f, scaled.get(0));
      assertEquals(51 / 255.0f, scaled.get(784 + 5));
      assertEquals(0.0f, scaled.get(1));
      assertEquals(Pixels.sha256(scaled), classifier.preprocessedSha256(images));
      ByteBuffer short1 = ByteBuffer.allocate(783);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> classifier.preprocessedSha256(short1, 1));
      assertEquals("expected 784 uint8 pixels for 1 images of 784, found 783", e.getMessage());
    }
  }

  @Test
  void everyCallAfterCloseIsRefusedNamingTheModel() throws ModelException {
    DigitClassifier classifier =
        DigitClassifier.open(TestModels.linear(), TestModels.options().verifyGolden(false).build());
    classifier.close();
    String closed = "DigitClassifier[linear from " + TestModels.linear() + "] is closed";
    assertEquals(
        closed,
        assertThrows(IllegalStateException.class, () -> classifier.predictOne(new byte[784]))
            .getMessage());
    assertEquals(
        closed,
        assertThrows(IllegalStateException.class, () -> classifier.predictOne(new float[784]))
            .getMessage());
    assertEquals(
        closed,
        assertThrows(IllegalStateException.class, () -> classifier.predict(new float[784], 1))
            .getMessage());
  }

  @Test
  void cudaWithoutACudaBuildIsOneWholeWarningAndTheCpu() throws ModelException {
    java.util.List<String> warnings = new java.util.ArrayList<>();
    ClassifierOptions cuda =
        TestModels.options()
            .verifyGolden(false)
            .executionProvider(ClassifierOptions.ExecutionProvider.CUDA)
            .warnings(warnings::add)
            .build();
    try (DigitClassifier classifier = DigitClassifier.open(TestModels.linear(), cuda)) {
      assertEquals(
          java.util.List.of(
              TestModels.linear()
                  + ": CUDA requested but this ONNX Runtime build has none (available: "
                  + DigitClassifier.availableProviders()
                  + "; the onnxruntime_gpu artifact comes with -Pgpu); running on CPU"),
          warnings);
      assertEquals(ClassifierOptions.ExecutionProvider.CPU, classifier.executionProvider());
    }
    try (DigitClassifier classifier =
        DigitClassifier.open(
            TestModels.linear(), TestModels.options().verifyGolden(false).build())) {
      assertEquals(ClassifierOptions.ExecutionProvider.CPU, classifier.executionProvider());
    }
  }
}
