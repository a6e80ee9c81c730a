package io.github.digitbridge.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.github.digitbridge.model.ModelException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The check that an ONNX Runtime session has exactly the one input and the one output its contract
 * declares, with the same names, element types and shapes: a contract that does not describe its
 * graph would have the pixels fed or the probabilities read wrongly.
 */
final class SessionCheck {
  private SessionCheck() {}

  /**
   * Refuses a session whose input or output is not the contract's.
   *
   * @param source the model, named in the error
   * @throws ModelException {@link Reason#CONTRACT_MISMATCH}, showing both sides
   * @throws OrtException if ONNX Runtime cannot describe the session
   */
  static void verify(OrtSession session, ModelContract contract, String source)
      throws ModelException, OrtException {
    single("input", session.getInputInfo(), contract.input(), source);
    single("output", session.getOutputInfo(), contract.output(), source);
  }

  private static void single(
      String role, Map<String, NodeInfo> declared, ModelContract.Tensor expected, String source)
      throws ModelException {
    List<ModelContract.Tensor> found = new ArrayList<>();
    for (NodeInfo node : declared.values()) {
      found.add(describe(node));
    }
    if (!found.equals(List.of(expected))) {
      throw new ModelException(
          Reason.CONTRACT_MISMATCH,
          source,
          "expected the "
              + role
              + " ["
              + expected
              + "] as the contract declares it, found "
              + found
              + " in the session");
    }
  }

  /** A session's node in the contract's terms, so the two compare with {@code equals}. */
  private static ModelContract.Tensor describe(NodeInfo node) {
    if (!(node.getInfo() instanceof TensorInfo info)) {
      return new ModelContract.Tensor(
          node.getName(), node.getInfo().getClass().getSimpleName(), List.of());
    }
    long[] shape = info.getShape();
    String[] names = info.getDimensionNames();
    List<String> dims = new ArrayList<>();
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] >= 0) {
        dims.add(Long.toString(shape[i]));
      } else {
        dims.add(i < names.length && !names[i].isEmpty() ? names[i] : "?");
      }
    }
    return new ModelContract.Tensor(node.getName(), dtype(info.onnxType), dims);
  }

  /** ONNX's element type names as the contract spells them: float32, float64, int64... */
  private static String dtype(TensorInfo.OnnxTensorType type) {
    String name =
        type.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "").toLowerCase(Locale.ROOT);
    return switch (name) {
      case "float" -> "float32";
      case "double" -> "float64";
      default -> name;
    };
  }
}
