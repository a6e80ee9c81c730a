package io.github.digitbridge.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.github.digitbridge.StartupTrace;
import io.github.digitbridge.model.ClassifierOptions.ExecutionProvider;
import io.github.digitbridge.model.ModelException.Reason;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Turns a {@link ModelFile} into a {@link DigitClassifier}, refusing it at the first check it
 * fails: the contract (read before ONNX Runtime parses the graph, so a refused model costs
 * nothing), the session (created on the provider asked for, CUDA falling back to CPU with a
 * warning), the session's interface against the contract ({@link SessionCheck}), and the golden
 * pairs re-run through the classifier itself. A session that fails a check is closed before the
 * error leaves.
 */
final class ModelLoader {
  private ModelLoader() {}

  /** Loads a model; see {@link DigitClassifier#open(java.nio.file.Path, ClassifierOptions)}. */
  static DigitClassifier load(ModelFile file, ClassifierOptions options) throws ModelException {
    return load(file, readContract(file), options);
  }

  /** Loads a model whose contract {@link #readContract} has already read. */
  static DigitClassifier load(ModelFile file, ModelContract contract, ClassifierOptions options)
      throws ModelException {
    String source = file.source();
    OrtEnvironment env = NativeRuntime.environment(source);
    ExecutionProvider provider = chooseProvider(options, source);
    OrtSession session;
    try {
      session = createSession(env, file, options, provider);
    } catch (OrtException e) {
      if (provider != ExecutionProvider.CUDA) {
        throw unloadable(source, e);
      }
      options
          .warnings()
          .accept(
              source
                  + ": CUDA requested but ONNX Runtime could not start a CUDA session ("
                  + NativeRuntime.oneLine(e)
                  + "); running on CPU");
      provider = ExecutionProvider.CPU;
      try {
        session = createSession(env, file, options, provider);
      } catch (OrtException again) {
        throw unloadable(source, again);
      }
    }
    StartupTrace.mark("session-created");
    try {
      SessionCheck.verify(session, contract, source);
      DigitClassifier classifier =
          new DigitClassifier(source, file.bytes(), options, contract, provider, env, session);
      if (options.verifyGolden()) {
        classifier.goldenChecked(checkGolden(classifier, contract.golden(), source));
        StartupTrace.mark("golden-checked");
      }
      return classifier;
    } catch (ModelException | RuntimeException e) {
      closeQuietly(session, e);
      throw e;
    } catch (OrtException e) {
      closeQuietly(session, e);
      throw new ModelException(
          Reason.MODEL_INVALID,
          source,
          "expected session metadata, found: " + NativeRuntime.oneLine(e),
          e);
    }
  }

  static ModelContract readContract(ModelFile file) throws ModelException {
    Optional<String> text = file.contract();
    if (text.isEmpty()) {
      throw new ModelException(
          Reason.CONTRACT_MISSING,
          file.source(),
          "expected a model contract in metadata_props[\""
              + ModelContract.METADATA_KEY
              + "\"] (docs/model-contract.md), found none");
    }
    ModelContract contract = ModelContract.parse(text.get(), file.source());
    StartupTrace.mark("contract-parsed");
    return contract;
  }

  private static ExecutionProvider chooseProvider(ClassifierOptions options, String source) {
    if (options.executionProvider() != ExecutionProvider.CUDA) {
      return ExecutionProvider.CPU;
    }
    if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      options
          .warnings()
          .accept(
              source
                  + ": CUDA requested but this ONNX Runtime build has none (available: "
                  + DigitClassifier.availableProviders()
                  + "; the onnxruntime_gpu artifact comes with -Pgpu); running on CPU");
      return ExecutionProvider.CPU;
    }
    return ExecutionProvider.CUDA;
  }

  private static OrtSession createSession(
      OrtEnvironment env, ModelFile file, ClassifierOptions options, ExecutionProvider provider)
      throws OrtException {
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setOptimizationLevel(options.optimizationLevel().ort());
      so.setIntraOpNumThreads(options.intraOpThreads());
      if (file.folder().isPresent()) {
        so.addConfigEntry(ModelFile.EXTERNAL_FOLDER_CONFIG, file.folder().get().toString());
      }
      if (provider == ExecutionProvider.CUDA) {
        so.addCUDA();
      }
      return env.createSession(file.bytes(), so); // the session keeps its own copy of the options
    }
  }

  /** Re-runs the golden images through the classifier, as any caller's images would run. */
  private static GoldenCheck checkGolden(
      DigitClassifier classifier, ModelContract.Golden pairs, String source) throws ModelException {
    GoldenCheck check =
        GoldenCheck.compare(
            pairs, classifier.predict(ByteBuffer.wrap(pairs.pixels()), pairs.count()));
    if (!check.passed()) {
      throw new ModelException(
          Reason.GOLDEN_MISMATCH,
          source,
          "expected the contract's golden probabilities within atol, found: " + check.describe());
    }
    return check;
  }

  private static ModelException unloadable(String source, OrtException e) {
    return new ModelException(
        Reason.MODEL_INVALID,
        source,
        "expected an ONNX model that ONNX Runtime can load, found: " + NativeRuntime.oneLine(e),
        e);
  }

  private static void closeQuietly(OrtSession session, Exception primary) {
    try {
      session.close();
    } catch (OrtException e) {
      primary.addSuppressed(e);
    }
  }
}
