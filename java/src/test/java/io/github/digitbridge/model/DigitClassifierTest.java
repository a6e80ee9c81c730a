package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxReader;
import io.github.digitbridge.idx.MnistDataset;
import io.github.digitbridge.model.ClassifierOptions.ExecutionProvider;
import io.github.digitbridge.model.ModelException.Reason;
import io.github.digitbridge.testing.Fixtures;
import io.github.digitbridge.testing.TestModels;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Loading, the checks at load, the prediction paths, threads, batch sizes and closing. */
class DigitClassifierTest {
  private static DigitClassifier shared;
  private static MnistDataset mnist;
  private static int[] referenceBits; // the whole test set at the default options

  @BeforeAll
  static void openSharedClassifier() throws Exception {
    shared = DigitClassifier.open(TestModels.linear(), TestModels.options().build());
    mnist = TestModels.mnistTest();
    referenceBits = bits(shared.predict(mnist.imageArray()));
  }

  @AfterAll
  static void closeSharedClassifier() {
    shared.close();
  }

  /** Raw IEEE bits, so that equality means bit-identical (Arrays.equals(float[]) merges NaNs). */
  private static int[] bits(Predictions predictions) {
    float[] values = predictions.toArray();
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  private static ModelException refused(String model, ClassifierOptions options) {
    return assertThrows(
        ModelException.class, () -> DigitClassifier.open(TestModels.file(model), options).close());
  }

  private static ModelException refused(String model) {
    return refused(model, TestModels.options().build());
  }

  // ---- checks at load ----------------------------------------------------------------------

  @Test
  void validModelLoadsWithItsContractAndPassesItsGoldenCheck() {
    ModelContract contract = shared.contract();
    assertEquals("linear", contract.name());
    assertEquals("image float32 [N, 28, 28, 1]", shared.sessionInput().toString());
    assertEquals("probabilities float32 [N, 10]", shared.sessionOutput().toString());
    assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), contract.labels());
    assertEquals(784, contract.pixelsPerImage());
    assertEquals(8, contract.golden().count());
    GoldenCheck golden = shared.goldenCheck().orElseThrow();
    assertTrue(golden.passed(), golden.describe());
    assertEquals(1e-5, golden.atol());
    assertEquals(ExecutionProvider.CPU, shared.executionProvider());
  }

  @Test
  void goldenCheckRefusesTheAlteredModel() {
    ModelException e = refused("linear_altered.onnx");
    assertEquals(Reason.GOLDEN_MISMATCH, e.reason());
    assertTrue(e.model().endsWith("linear_altered.onnx"), e.model());
    // The altered bias is class 3's: the worst difference is there, far beyond atol.
    assertTrue(e.detail().contains("exceeds atol 0.00001 at image"), e.getMessage());
    assertTrue(e.detail().contains(" class 3 "), e.getMessage());
  }

  @Test
  void goldenCheckCanBeSkipped() throws ModelException {
    try (DigitClassifier altered =
        DigitClassifier.open(
            TestModels.file("linear_altered.onnx"),
            TestModels.options().verifyGolden(false).build())) {
      assertTrue(altered.goldenCheck().isEmpty());
      assertEquals(10, altered.predict(mnist.imageArray()).classes());
    }
  }

  @Test
  void wrongInputShapeIsAContractMismatchNamingBoth() {
    ModelException e = refused("wrong_input_shape.onnx");
    assertEquals(Reason.CONTRACT_MISMATCH, e.reason());
    assertTrue(
        e.detail()
            .contains(
                "expected the input [image float32 [N, 28, 28, 1]] as the contract declares it,"
                    + " found [image float32 [N, 784]] in the session"),
        e.getMessage());
  }

  @Test
  void wrongInputNameIsAContractMismatchNamingBoth() {
    ModelException e = refused("wrong_input_name.onnx");
    assertEquals(Reason.CONTRACT_MISMATCH, e.reason());
    assertTrue(e.detail().contains("[image float32 [N, 28, 28, 1]]"), e.getMessage());
    assertTrue(e.detail().contains("found [pixels float32 [N, 28, 28, 1]]"), e.getMessage());
  }

  @Test
  void corruptFileIsAnInvalidModel() {
    ModelException e = refused("corrupt.onnx");
    assertEquals(Reason.MODEL_INVALID, e.reason());
    assertTrue(e.getMessage().startsWith(TestModels.file("corrupt.onnx") + ": MODEL_INVALID: "));
    assertTrue(!e.getMessage().contains("\n"), "expected one line: " + e.getMessage());
  }

  @Test
  void missingContractIsRefused() {
    ModelException e = refused("no_contract.onnx");
    assertEquals(Reason.CONTRACT_MISSING, e.reason());
    assertTrue(e.detail().contains("digitbridge.contract"), e.getMessage());
  }

  @Test
  void contractThatIsNotJsonIsRefused() {
    ModelException e = refused("bad_contract.onnx");
    assertEquals(Reason.CONTRACT_INVALID, e.reason());
    assertTrue(e.detail().contains("at offset"), e.getMessage());
  }

  @Test
  void missingFileAndDirectoryAreIo(@TempDir Path tmp) {
    ModelException missing =
        assertThrows(
            ModelException.class, () -> DigitClassifier.open(tmp.resolve("absent.onnx")).close());
    assertEquals(Reason.IO, missing.reason());
    assertTrue(missing.detail().contains("no such file"), missing.getMessage());
    ModelException dir =
        assertThrows(ModelException.class, () -> DigitClassifier.open(tmp).close());
    assertEquals(Reason.IO, dir.reason());
  }

  @Test
  void bytesAndPathGiveTheSameModel() throws Exception {
    byte[] bytes = Files.readAllBytes(TestModels.linear());
    try (DigitClassifier fromBytes = DigitClassifier.open(bytes, TestModels.options().build())) {
      assertEquals("<" + bytes.length + " bytes>", fromBytes.source());
      assertEquals(shared.modelSha256(), fromBytes.modelSha256());
      assertArrayEquals(referenceBits, bits(fromBytes.predict(mnist.imageArray())));
    }
  }

  @Test
  void theHashIsOfTheBytesAsOpenedEvenIfTheCallerReusesTheArray() throws Exception {
    byte[] bytes = Files.readAllBytes(TestModels.linear());
    try (DigitClassifier fromBytes = DigitClassifier.open(bytes, TestModels.options().build())) {
      Arrays.fill(bytes, (byte) 0);
      assertEquals(shared.modelSha256(), fromBytes.modelSha256());
    }
    DigitClassifier closed = DigitClassifier.open(TestModels.linear());
    closed.close();
    assertEquals(shared.modelSha256(), closed.modelSha256(), "known after close too");
  }

  @Test
  void cudaOnAMachineWithoutItWarnsOnceAndGivesTheCpuBits() throws ModelException {
    List<String> warnings = new ArrayList<>();
    ClassifierOptions cuda =
        ClassifierOptions.builder()
            .executionProvider(ExecutionProvider.CUDA)
            .warnings(warnings::add)
            .build();
    try (DigitClassifier classifier = DigitClassifier.open(TestModels.linear(), cuda)) {
      assertEquals(1, warnings.size(), () -> "expected one warning, found " + warnings);
      assertTrue(warnings.get(0).contains("CUDA requested"), warnings.get(0));
      assertTrue(warnings.get(0).contains("running on CPU"), warnings.get(0));
      assertTrue(!warnings.get(0).contains("\n"), warnings.get(0));
      assertEquals(ExecutionProvider.CPU, classifier.executionProvider());
      assertArrayEquals(referenceBits, bits(classifier.predict(mnist.imageArray())));
    }
  }

  @Test
  void optionsRefuseImpossibleValues() {
    assertThrows(IllegalArgumentException.class, () -> ClassifierOptions.builder().batchSize(0));
    assertThrows(
        IllegalArgumentException.class, () -> ClassifierOptions.builder().intraOpThreads(-1));
    ClassifierOptions defaults = ClassifierOptions.defaults();
    assertEquals(16, defaults.batchSize());
    assertEquals(1, defaults.intraOpThreads());
    assertEquals(ClassifierOptions.OptimizationLevel.ALL, defaults.optimizationLevel());
    assertEquals(ExecutionProvider.CPU, defaults.executionProvider());
    assertTrue(defaults.verifyGolden());
  }

  // ---- prediction paths --------------------------------------------------------------------

  @Test
  void batchSizeDoesNotChangeOneBit() throws ModelException {
    for (int batch : new int[] {1, 7, 64, 10_000}) {
      try (DigitClassifier classifier =
          DigitClassifier.open(
              TestModels.linear(), TestModels.options().batchSize(batch).build())) {
        assertArrayEquals(
            referenceBits,
            bits(classifier.predict(mnist.imageArray())),
            "batch size " + batch + " changed the probabilities");
      }
    }
  }

  @Test
  void eightThreadsSharingOneClassifierGetIdenticalBits() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (DigitClassifier classifier =
        DigitClassifier.open(TestModels.linear(), TestModels.options().batchSize(64).build())) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<int[]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Callable<int[]> task =
            () -> {
              start.await();
              return bits(classifier.predict(mnist.imageArray()));
            };
        results.add(pool.submit(task));
      }
      start.countDown(); // all eight run against the one session at once
      for (Future<int[]> result : results) {
        assertArrayEquals(referenceBits, result.get(2, TimeUnit.MINUTES));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void everyInputPathGivesTheSameBits() throws ModelException {
    int count = 300; // more than one chunk of the default 256, with a partial one
    ByteBuffer pixels = mnist.images();
    FloatBuffer scaled = shared.preprocess(pixels, count);
    float[] array = new float[count * 784];
    scaled.get(0, array);
    FloatBuffer heap = FloatBuffer.wrap(array);
    FloatBuffer direct =
        ByteBuffer.allocateDirect(4 * array.length)
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer()
            .put(array)
            .flip();
    int[] expected = new int[count * 10];
    System.arraycopy(referenceBits, 0, expected, 0, expected.length);

    assertArrayEquals(expected, bits(shared.predict(pixels, count)), "uint8 ByteBuffer");
    assertArrayEquals(expected, bits(shared.predict(array, count)), "float[]");
    assertArrayEquals(expected, bits(shared.predict(heap, count)), "heap FloatBuffer");
    assertArrayEquals(expected, bits(shared.predict(direct, count)), "direct FloatBuffer");
    assertEquals(0, pixels.position(), "the input buffer's position is left alone");
    assertEquals(0, direct.position());

    byte[] first = new byte[784];
    pixels.get(0, first);
    Prediction one = shared.predictOne(first);
    Prediction oneFloat = shared.predictOne(Arrays.copyOf(array, 784));
    assertEquals(one, oneFloat);
    assertEquals(Float.intBitsToFloat(expected[one.label()]), one.probability());
  }

  @Test
  void predictionsOfAnOffsetBufferStartAtItsPosition() throws ModelException {
    ByteBuffer pixels = mnist.images().position(784 * 5);
    Predictions fromSix = shared.predict(pixels, 3);
    int[] expected = Arrays.copyOfRange(referenceBits, 50, 80);
    assertArrayEquals(expected, bits(fromSix));
    assertEquals(0, fromSix.get(0).index());
  }

  @Test
  void preprocessingIsTheContractsDivisionBitForBit() throws ModelException {
    byte[] all = new byte[256 * 784];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) (i % 256);
    }
    FloatBuffer scaled = shared.preprocess(ByteBuffer.wrap(all), 256);
    for (int v = 0; v < 256; v++) {
      assertEquals(Float.floatToRawIntBits(v / 255.0f), Float.floatToRawIntBits(scaled.get(v)));
    }
    // numpy: hashlib.sha256((images / np.float32(255)).astype("<f4").tobytes()) for the 10k
    // t10k images, the figure the Python bridge compares with.
    assertEquals(
        "bc9f8f501f39b3ca61f899a2f402edf2024bde012b73223431b6bd735e47a165",
        shared.preprocessedSha256(mnist.imageArray()));
  }

  @Test
  void oneImageAtATimeAllocatesNoDirectBufferPerCall() throws ModelException {
    BufferPoolMXBean direct =
        ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(pool -> pool.getName().equals("direct"))
            .findFirst()
            .orElseThrow();
    byte[] image = new byte[784];
    mnist.images().get(0, image);
    float[] scaled = new float[784];
    shared.preprocess(mnist.images(), 1).get(0, scaled);
    Prediction expected = shared.predict(mnist.images(), 1).get(0);
    shared.predictOne(image); // the pools' buffers exist from here on
    long before = direct.getCount();
    for (int i = 0; i < 500; i++) {
      assertEquals(expected, shared.predictOne(image));
      assertEquals(expected, shared.predictOne(scaled));
    }
    // Other threads' buffers may come and go meanwhile; a buffer per call would be 1,000 more.
    assertTrue(direct.getCount() - before < 50, () -> (direct.getCount() - before) + " more");
  }

  @Test
  void theStreamedInputHashIsTheHashOfThePreprocessedFloats() {
    // 85 images from image 7: 66,640 floats, a whole hashing chunk and a part of the next.
    ByteBuffer pixels = mnist.images().position(784 * 7);
    assertEquals(
        Pixels.sha256(shared.preprocess(pixels, 85)), shared.preprocessedSha256(pixels, 85));
    assertEquals(784 * 7, pixels.position(), "the input buffer's position is left alone");
    assertEquals(Pixels.sha256(shared.preprocess(pixels, 0)), shared.preprocessedSha256(pixels, 0));
  }

  @Test
  void anIdxFileOfShape28By28IsOneImage(@TempDir Path tmp) throws Exception {
    byte[] file = new byte[12 + 784];
    ByteBuffer.wrap(file).putInt(0x00000802).putInt(28).putInt(28); // ubyte, 2 dims: [28, 28]
    mnist.images().get(0, file, 12, 784);
    Path one = Files.write(tmp.resolve("one.idx"), file);
    assertEquals(1, shared.imageCount(IdxReader.read(one)));
    Predictions predictions = shared.predict(IdxReader.read(one));
    assertEquals(1, predictions.count());
    assertArrayEquals(Arrays.copyOf(referenceBits, 10), bits(predictions));
    assertEquals(3, shared.predict(IdxReader.read(Fixtures.file("ok_gzip.idx.gz"))).count());
    assertEquals(3, shared.imageCount(IdxReader.read(Fixtures.file("ok_gzip.idx.gz"))));
  }

  @Test
  void inputsOfTheWrongShapeOrSizeAreRefused() throws Exception {
    IdxArray labels = IdxReader.read(Fixtures.file("ok_ubyte_labels.idx"));
    ModelException e = assertThrows(ModelException.class, () -> shared.predict(labels));
    assertEquals(Reason.BAD_INPUT, e.reason());
    assertTrue(e.detail().contains("expected images of ubyte [N, 28, 28]"), e.getMessage());
    assertTrue(e.model().endsWith("ok_ubyte_labels.idx"), e.model());
    ModelException count = assertThrows(ModelException.class, () -> shared.imageCount(labels));
    assertEquals(e.getMessage(), count.getMessage());

    assertThrows(IllegalArgumentException.class, () -> shared.predict(ByteBuffer.allocate(783), 1));
    assertThrows(IllegalArgumentException.class, () -> shared.predict(new float[784], 2));
    assertThrows(IllegalArgumentException.class, () -> shared.predict(new float[784], -1));
    assertThrows(IllegalArgumentException.class, () -> shared.predictOne(new byte[785]));
    assertEquals(0, shared.predict(new float[0], 0).count());
  }

  @ParameterizedTest
  @CsvSource({
    "ds_labels.idx, expected 10000 labels",
    "ds_labels_int.idx, expected labels of ubyte"
  })
  void evaluateRefusesLabelsThatDoNotFit(String labelsFile, String expected) throws Exception {
    IdxArray labels = IdxReader.read(Fixtures.file(labelsFile));
    ModelException e =
        assertThrows(ModelException.class, () -> Evaluation.of(shared, mnist.imageArray(), labels));
    assertEquals(Reason.BAD_INPUT, e.reason());
    assertTrue(e.model().endsWith(labelsFile), e.model());
    assertTrue(e.detail().contains(expected), e.getMessage());
  }

  // ---- closing -----------------------------------------------------------------------------

  @Test
  void closeTwiceIsFineAndUseAfterCloseNamesTheModel() throws ModelException {
    DigitClassifier classifier =
        DigitClassifier.open(TestModels.linear(), TestModels.options().build());
    classifier.close();
    assertDoesNotThrow(classifier::close);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> classifier.predict(mnist.imageArray()));
    assertTrue(e.getMessage().contains("linear"), e.getMessage());
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> classifier.predictOne(new byte[784]));
    assertEquals("linear", classifier.contract().name(), "the description outlives the session");
  }

  @Test
  void closeWhileAnotherThreadPredictsWaitsForIt() throws Exception {
    DigitClassifier classifier =
        DigitClassifier.open(TestModels.linear(), TestModels.options().batchSize(1).build());
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch started = new CountDownLatch(1);
      Future<int[]> running =
          pool.submit(
              () -> {
                started.countDown();
                return bits(classifier.predict(mnist.imageArray())); // 10000 runs of one image
              });
      started.await();
      Thread.sleep(20); // let the prediction get under way: close must then wait for it
      classifier.close();
      try {
        assertArrayEquals(referenceBits, running.get(2, TimeUnit.MINUTES));
      } catch (java.util.concurrent.ExecutionException e) {
        // The only other acceptable outcome: close won the race before the prediction began.
        assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
      }
      assertThrows(IllegalStateException.class, () -> classifier.predict(new float[0], 0));
    } finally {
      pool.shutdownNow();
    }
  }
}
