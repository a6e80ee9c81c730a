package io.github.digitbridge.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxType;
import io.github.digitbridge.idx.MnistDataset;
import io.github.digitbridge.model.ModelException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * A digit classifier: an ONNX model that carries a {@link ModelContract}, run by ONNX Runtime.
 *
 * <p>{@link #open(Path, ClassifierOptions)} loads the model, checks the session's input and output
 * against the contract and re-runs the contract's golden images, refusing a model that fails either
 * check with a {@link ModelException}. Predictions take images as uint8 pixels (an {@link
 * IdxArray}, a {@link ByteBuffer}), scaled {@code v / 255.0f} as the contract prescribes, or as
 * floats already scaled; inputs larger than {@link ClassifierOptions#batchSize()} run in chunks of
 * that size, decoded into a direct native-order buffer that ONNX Runtime reads without another
 * copy, and the model writes its probabilities straight into the buffer the {@link Predictions}
 * keep.
 *
 * <p>Thread-safe: one classifier (one ONNX Runtime session) may serve any number of threads at
 * once, and they get the same bits as one thread would. {@link #close()} waits for predictions in
 * progress; afterwards every method that needs the session throws {@link IllegalStateException}.
 *
 * <p>Its options are a {@link ClassifierOptions}; {@link Evaluation#of(DigitClassifier,
 * MnistDataset)} scores it on a labelled dataset.
 *
 * <pre>{@code
 * try (DigitClassifier classifier = DigitClassifier.open(Path.of("models/deeper_cnn.onnx"))) {
 *   Predictions predictions = classifier.predict(IdxReader.read(Path.of("digits.idx")));
 *   System.out.println(predictions.get(0).label());
 * }
 * }</pre>
 */
public final class DigitClassifier implements AutoCloseable {
  /** Hands ONNX Runtime the floats of {@code n} images starting at image {@code first}. */
  @FunctionalInterface
  private interface Feed {
    FloatBuffer chunk(int first, int n, FloatBuffer scratch);
  }

  private final String source;
  private byte[] modelBytes; // kept until the hash is asked for: start-up need not hash the model
  private String modelSha256; // guarded by this
  private final ClassifierOptions options;
  private final ModelContract contract;
  private final ClassifierOptions.ExecutionProvider executionProvider;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final int pixels;
  private final int classes;
  private final long[] imageDims;
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed; // written under the write lock, read under the read lock
  // Chunk buffers for uint8 and heap inputs: one per concurrent call, reused across calls.
  private final ConcurrentLinkedQueue<FloatBuffer> scratch = new ConcurrentLinkedQueue<>();
  // One image's output buffers for predictOne, likewise one per concurrent call.
  private final ConcurrentLinkedQueue<FloatBuffer> outputs = new ConcurrentLinkedQueue<>();
  private volatile GoldenCheck golden; // set once, by the loader, before the classifier is returned

  DigitClassifier(
      String source,
      byte[] modelBytes,
      ClassifierOptions options,
      ModelContract contract,
      ClassifierOptions.ExecutionProvider executionProvider,
      OrtEnvironment env,
      OrtSession session) {
    this.source = source;
    this.modelBytes = modelBytes;
    this.options = options;
    this.contract = contract;
    this.executionProvider = executionProvider;
    this.env = env;
    this.session = session;
    this.pixels = contract.pixelsPerImage();
    this.classes = contract.classes();
    this.imageDims = new long[] {contract.height(), contract.width(), 1};
  }

  /** Opens a model file with {@link ClassifierOptions#defaults()}. */
  public static DigitClassifier open(Path model) throws ModelException {
    return open(model, ClassifierOptions.defaults());
  }

  /**
   * Opens a model file.
   *
   * @param model an ONNX file with a contract
   * @param options how to run it
   * @return the classifier; close it when done
   * @throws ModelException {@link Reason#IO}, {@link Reason#TOO_LARGE}, {@link
   *     Reason#MODEL_INVALID}, {@link Reason#EXTERNAL_DATA} (external data outside the model's
   *     folder), {@link Reason#CONTRACT_MISSING}, {@link Reason#CONTRACT_INVALID}, {@link
   *     Reason#CONTRACT_MISMATCH} or {@link Reason#GOLDEN_MISMATCH}, naming the file
   */
  public static DigitClassifier open(Path model, ClassifierOptions options) throws ModelException {
    Optional<ReadAhead.Prepared> ahead = ReadAhead.take(model);
    return ahead.isPresent()
        ? ModelLoader.load(ahead.get().file(), ahead.get().contract(), options)
        : ModelLoader.load(ModelFile.read(model), options);
  }

  /**
   * Starts reading a model file and parsing its contract on a background thread, for a later {@link
   * #open(Path, ClassifierOptions)} of the same path, which then takes them instead of reading the
   * file again: for a program that knows its model before it is ready to open it (a command line
   * before it has parsed its other options). The open reads the file itself if it changed in
   * between (its size, modification time or identity) or the read-ahead failed, so it reports what
   * it always does. Optional, used once; a second read-ahead replaces the first.
   *
   * @param model the path the open will be given
   */
  public static void readAhead(Path model) {
    ReadAhead.start(model);
  }

  /**
   * Opens a model from its bytes, e.g. a resource inside a jar.
   *
   * @param model the bytes of an ONNX file with a contract
   * @param options how to run it
   * @return the classifier; close it when done
   * @throws ModelException as {@link #open(Path, ClassifierOptions)} does, naming the model {@code
   *     <N bytes>}; {@link Reason#EXTERNAL_DATA} for any external data, as bytes have no folder
   */
  public static DigitClassifier open(byte[] model, ClassifierOptions options)
      throws ModelException {
    // No defensive copy: ONNX Runtime parses the bytes into the session and keeps no reference,
    // and the classifier keeps only their hash, taken now, as the caller may reuse the array.
    DigitClassifier classifier =
        ModelLoader.load(ModelFile.of(model, "<" + model.length + " bytes>"), options);
    classifier.modelSha256();
    return classifier;
  }

  /** Records the golden check the loader made with this classifier. */
  void goldenChecked(GoldenCheck check) {
    golden = check;
  }

  // ---- prediction -------------------------------------------------------------------------

  /**
   * Classifies the images of an IDX file as read: ubyte {@code [N, 28, 28]}, or {@code [28, 28]}
   * for one image (the sizes are the contract's).
   *
   * @throws ModelException {@link Reason#BAD_INPUT} naming the file if its type or shape is not
   *     that, {@link Reason#ORT_ERROR} if ONNX Runtime fails
   */
  public Predictions predict(IdxArray images) throws ModelException {
    return predict(images.data(), imageCount(images));
  }

  /**
   * Classifies {@code count} images of uint8 pixels, row-major, image after image, starting at the
   * buffer's position (which is left unchanged). A direct buffer is read in place.
   *
   * @throws IllegalArgumentException if fewer than {@code count} images remain in the buffer
   * @throws ModelException {@link Reason#ORT_ERROR} if ONNX Runtime fails
   */
  public Predictions predict(ByteBuffer uint8Pixels, int count) throws ModelException {
    requireInput(uint8Pixels.remaining(), count, "uint8 pixels");
    int base = uint8Pixels.position();
    return run(
        count,
        (first, n, buf) -> {
          Pixels.decode(uint8Pixels, base + first * pixels, buf, n * pixels);
          return buf.slice(0, n * pixels);
        });
  }

  /**
   * Classifies {@code count} images given as floats already scaled as the contract says ({@code v /
   * 255.0f}), row-major, image after image, from index 0.
   *
   * @throws IllegalArgumentException if the array holds fewer than {@code count} images
   * @throws ModelException {@link Reason#ORT_ERROR} if ONNX Runtime fails
   */
  public Predictions predict(float[] scaledPixels, int count) throws ModelException {
    requireInput(scaledPixels.length, count, "floats");
    return run(
        count,
        (first, n, buf) ->
            buf.put(0, scaledPixels, first * pixels, n * pixels).slice(0, n * pixels));
  }

  /**
   * Classifies {@code count} images given as scaled floats from the buffer's position (left
   * unchanged). A direct buffer in native byte order goes to ONNX Runtime as it is, chunk by chunk,
   * without any copy; another buffer is copied chunk by chunk.
   *
   * @throws IllegalArgumentException if fewer than {@code count} images remain in the buffer
   * @throws ModelException {@link Reason#ORT_ERROR} if ONNX Runtime fails
   */
  public Predictions predict(FloatBuffer scaledPixels, int count) throws ModelException {
    requireInput(scaledPixels.remaining(), count, "floats");
    int base = scaledPixels.position();
    if (scaledPixels.isDirect() && scaledPixels.order() == ByteOrder.nativeOrder()) {
      return run(
          count, null, (first, n, unused) -> scaledPixels.slice(base + first * pixels, n * pixels));
    }
    return run(
        count,
        (first, n, buf) ->
            buf.put(0, scaledPixels, base + first * pixels, n * pixels).slice(0, n * pixels));
  }

  /**
   * Classifies one image of uint8 pixels.
   *
   * @param uint8Pixels exactly {@link ModelContract#pixelsPerImage()} bytes, row-major
   * @throws IllegalArgumentException if the length is not that
   * @throws ModelException {@link Reason#ORT_ERROR} if ONNX Runtime fails
   */
  public Prediction predictOne(byte[] uint8Pixels) throws ModelException {
    requireOne(uint8Pixels.length);
    ByteBuffer image = ByteBuffer.wrap(uint8Pixels);
    return runOne(
        (first, n, buf) -> {
          Pixels.decode(image, 0, buf, pixels);
          return buf.slice(0, pixels);
        });
  }

  /**
   * Classifies one image of scaled floats.
   *
   * @param scaledPixels exactly {@link ModelContract#pixelsPerImage()} floats, row-major
   * @throws IllegalArgumentException if the length is not that
   * @throws ModelException {@link Reason#ORT_ERROR} if ONNX Runtime fails
   */
  public Prediction predictOne(float[] scaledPixels) throws ModelException {
    requireOne(scaledPixels.length);
    return runOne((first, n, buf) -> buf.put(0, scaledPixels, 0, pixels).slice(0, pixels));
  }

  /**
   * How many images an IDX array holds for this model: {@code N} for ubyte {@code [N, 28, 28]}, 1
   * for {@code [28, 28]} (the sizes are the contract's).
   *
   * @throws ModelException {@link Reason#BAD_INPUT} naming the file if its type or shape is neither
   */
  public int imageCount(IdxArray images) throws ModelException {
    int[] shape = images.shape();
    int h = contract.height();
    int w = contract.width();
    boolean batch = shape.length == 3 && shape[1] == h && shape[2] == w;
    boolean one = shape.length == 2 && shape[0] == h && shape[1] == w;
    if (images.type() != IdxType.UBYTE || !(batch || one)) {
      throw badInput(
          images,
          "expected images of ubyte [N, "
              + h
              + ", "
              + w
              + "] or ["
              + h
              + ", "
              + w
              + "], found "
              + images.type().typeName()
              + " "
              + images.header().shapeText());
    }
    return batch ? shape[0] : 1;
  }

  /**
   * The exact float32 values the model is given for these images: the contract's preprocessing,
   * done by the code {@link #predict(IdxArray)} uses.
   *
   * @return a read-only direct buffer in native order, {@code count * pixelsPerImage} floats
   * @throws ModelException {@link Reason#BAD_INPUT} as {@link #predict(IdxArray)}
   */
  public FloatBuffer preprocess(IdxArray images) throws ModelException {
    return preprocess(images.data(), imageCount(images));
  }

  /**
   * The exact float32 values the model is given for {@code count} uint8 images from the buffer's
   * position.
   *
   * @throws IllegalArgumentException if fewer than {@code count} images remain in the buffer
   */
  public FloatBuffer preprocess(ByteBuffer uint8Pixels, int count) {
    requireInput(uint8Pixels.remaining(), count, "uint8 pixels");
    FloatBuffer out =
        ByteBuffer.allocateDirect(Math.multiplyExact(4 * pixels, count))
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();
    Pixels.decode(uint8Pixels, uint8Pixels.position(), out, count * pixels);
    return out.asReadOnlyBuffer();
  }

  /**
   * SHA-256 of {@link #preprocess(IdxArray)} written as little-endian float32: equal to numpy's
   * {@code hashlib.sha256((images / np.float32(255)).astype("<f4").tobytes())} when both sides
   * decoded the same values.
   *
   * @throws ModelException {@link Reason#BAD_INPUT} as {@link #predict(IdxArray)}
   */
  public String preprocessedSha256(IdxArray images) throws ModelException {
    return preprocessedSha256(images.data(), imageCount(images));
  }

  /**
   * SHA-256 of {@link #preprocess(ByteBuffer, int)} written as little-endian float32, computed a
   * chunk at a time: no buffer of the whole input's floats is made, so hashing a test set per model
   * leaves nothing behind for the garbage collector to free.
   *
   * @throws IllegalArgumentException if fewer than {@code count} images remain in the buffer
   */
  public String preprocessedSha256(ByteBuffer uint8Pixels, int count) {
    requireInput(uint8Pixels.remaining(), count, "uint8 pixels");
    return Pixels.sha256Decoded(uint8Pixels, uint8Pixels.position(), count * pixels);
  }

  private Predictions run(int count, Feed feed) throws ModelException {
    return run(count, this::takeScratch, feed);
  }

  /** Runs the model over {@code count} images in chunks of at most the batch size. */
  private Predictions run(int count, Supplier<FloatBuffer> buffers, Feed feed)
      throws ModelException {
    Lock lock = lifecycle.readLock();
    lock.lock();
    try {
      ensureOpen();
      FloatBuffer out =
          ByteBuffer.allocateDirect(Math.multiplyExact(4 * classes, count))
              .order(ByteOrder.nativeOrder())
              .asFloatBuffer();
      FloatBuffer buf = buffers == null ? null : buffers.get();
      try {
        for (int first = 0; first < count; first += options.batchSize()) {
          int n = Math.min(options.batchSize(), count - first);
          runChunk(feed.chunk(first, n, buf), n, out.slice(first * classes, n * classes));
        }
      } finally {
        if (buf != null) {
          scratch.add(buf);
        }
      }
      return new Predictions(out, count, classes);
    } finally {
      lock.unlock();
    }
  }

  /**
   * One image through pooled input and output buffers: a {@code predictOne} allocates no direct
   * memory, which only a garbage collection would give back (a server classifying image after image
   * would otherwise hold a buffer per call until the heap fills).
   */
  private Prediction runOne(Feed feed) throws ModelException {
    Lock lock = lifecycle.readLock();
    lock.lock();
    try {
      ensureOpen();
      FloatBuffer buf = takeScratch();
      FloatBuffer out = outputs.poll();
      if (out == null) {
        out = ByteBuffer.allocateDirect(4 * classes).order(ByteOrder.nativeOrder()).asFloatBuffer();
      }
      try {
        runChunk(feed.chunk(0, 1, buf), 1, out);
        float[] probabilities = new float[classes];
        out.get(0, probabilities);
        return new Predictions(FloatBuffer.wrap(probabilities), 1, classes).get(0);
      } finally {
        scratch.add(buf);
        outputs.add(out);
      }
    } finally {
      lock.unlock();
    }
  }

  private void runChunk(FloatBuffer input, int n, FloatBuffer output) throws ModelException {
    long[] inputShape = {n, imageDims[0], imageDims[1], imageDims[2]};
    long[] outputShape = {n, classes};
    // The output tensor wraps the Predictions' own buffer: ONNX Runtime writes the probabilities
    // there, so nothing is copied out of the session.
    try (OnnxTensor in = OnnxTensor.createTensor(env, input, inputShape);
        OnnxTensor pinned = OnnxTensor.createTensor(env, output, outputShape);
        OrtSession.Result result =
            session.run(
                Map.of(contract.input().name(), in), Map.of(contract.output().name(), pinned))) {
      if (result.size() != 1) {
        throw new ModelException(
            Reason.ORT_ERROR, source, "expected 1 output from the run, found " + result.size());
      }
    } catch (OrtException e) {
      throw new ModelException(
          Reason.ORT_ERROR,
          source,
          "expected ONNX Runtime to run a batch of " + n + ", found: " + NativeRuntime.oneLine(e),
          e);
    }
  }

  private FloatBuffer takeScratch() {
    FloatBuffer buf = scratch.poll();
    if (buf == null) {
      buf =
          ByteBuffer.allocateDirect(4 * options.batchSize() * pixels)
              .order(ByteOrder.nativeOrder())
              .asFloatBuffer();
    }
    return buf;
  }

  private static ModelException badInput(IdxArray array, String detail) {
    return new ModelException(Reason.BAD_INPUT, array.file().toString(), detail);
  }

  private void requireInput(int available, int count, String what) {
    if (count < 0) {
      throw new IllegalArgumentException("expected a count >= 0, found " + count);
    }
    long needed = (long) count * pixels;
    if (available < needed) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "expected %d %s for %d images of %d, found %d",
              needed,
              what,
              count,
              pixels,
              available));
    }
  }

  private void requireOne(int length) {
    if (length != pixels) {
      throw new IllegalArgumentException(
          "expected one image of " + pixels + " pixels, found " + length);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  // ---- description ------------------------------------------------------------------------

  /** The model's contract. */
  public ModelContract contract() {
    return contract;
  }

  /** The contract's model name. */
  public String name() {
    return contract.name();
  }

  /** Where the model came from: the path as given, or {@code <N bytes>}. */
  public String source() {
    return source;
  }

  /** SHA-256 of the model bytes, lower-case hex. */
  public synchronized String modelSha256() {
    if (modelSha256 == null) {
      modelSha256 = Pixels.sha256(modelBytes);
      modelBytes = null;
    }
    return modelSha256;
  }

  /** The options the classifier was opened with. */
  public ClassifierOptions options() {
    return options;
  }

  /** The input the session declares (equal to the contract's: {@code open} refuses others). */
  public ModelContract.Tensor sessionInput() {
    return contract.input();
  }

  /** The output the session declares (equal to the contract's: {@code open} refuses others). */
  public ModelContract.Tensor sessionOutput() {
    return contract.output();
  }

  /** The provider the session runs on: CPU when CUDA was asked for but could not be had. */
  public ClassifierOptions.ExecutionProvider executionProvider() {
    return executionProvider;
  }

  /** The golden check made at load, or empty if it was skipped. */
  public Optional<GoldenCheck> goldenCheck() {
    return Optional.ofNullable(golden);
  }

  /** The ONNX Runtime version, e.g. {@code 1.28.0}. */
  public static String ortVersion() {
    String version = NativeRuntime.version();
    return version != null ? version : "unknown";
  }

  /**
   * Starts readying ONNX Runtime's native library (a verified copy in the user's cache, then
   * loaded) on a background thread, so that a program that will open a model soon overlaps that
   * work with its own start-up. Optional: opening a model does it anyway, and reports any failure
   * to load.
   */
  public static void prepareRuntime() {
    NativeLibraryCache.start();
    Thread loader = new Thread(NativeRuntime::prepare, "digitbridge-native-load");
    loader.setDaemon(true);
    loader.start();
  }

  /** The execution providers this ONNX Runtime build offers, e.g. {@code [CPU]}. */
  public static List<String> availableProviders() {
    NativeLibraryCache.install();
    return OrtEnvironment.getAvailableProviders().stream().map(Enum::name).sorted().toList();
  }

  /**
   * Releases the session. Waits for predictions in progress on other threads; calling it again does
   * nothing.
   */
  @Override
  public void close() {
    Lock lock = lifecycle.writeLock();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      scratch.clear();
      outputs.clear();
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed to release the session of " + this, e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "DigitClassifier[" + contract.name() + " from " + source + "]";
  }
}
