package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.github.digitbridge.model.ClassifierOptions.ExecutionProvider;
import io.github.digitbridge.model.ClassifierOptions.OptimizationLevel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The options' bounds with their messages, what they keep, and how they describe themselves. */
class ClassifierOptionsTest {
  @Test
  void boundsAreCheckedAtTheirEdges() {
    assertEquals(
        "expected a batch size >= 1, found 0",
        assertThrows(IllegalArgumentException.class, () -> ClassifierOptions.builder().batchSize(0))
            .getMessage());
    assertEquals(1, ClassifierOptions.builder().batchSize(1).build().batchSize());
    assertEquals(
        "expected intra-op threads >= 0, found -1",
        assertThrows(
                IllegalArgumentException.class,
                () -> ClassifierOptions.builder().intraOpThreads(-1))
            .getMessage());
    assertEquals(0, ClassifierOptions.builder().intraOpThreads(0).build().intraOpThreads());
  }

  @Test
  void whatIsSetIsKeptAndDescribed() {
    List<String> seen = new ArrayList<>();
    Consumer<String> sink = seen::add;
    ClassifierOptions options =
        ClassifierOptions.builder()
            .batchSize(7)
            .intraOpThreads(3)
            .optimizationLevel(OptimizationLevel.BASIC)
            .executionProvider(ExecutionProvider.CUDA)
            .verifyGolden(false)
            .warnings(sink)
            .build();
    assertEquals(7, options.batchSize());
    assertEquals(3, options.intraOpThreads());
    assertEquals(OptimizationLevel.BASIC, options.optimizationLevel());
    assertEquals(ExecutionProvider.CUDA, options.executionProvider());
    assertFalse(options.verifyGolden());
    assertSame(sink, options.warnings());
    assertEquals(
        "batch 7, 3 intra-op threads, optimization BASIC, CUDA requested, golden check skipped",
        options.toString());
    assertEquals(
        "batch 16, 1 intra-op thread, optimization ALL", ClassifierOptions.defaults().toString());
    assertEquals(
        "batch 16, ONNX Runtime's default intra-op threads, optimization NONE",
        ClassifierOptions.builder()
            .intraOpThreads(0)
            .optimizationLevel(OptimizationLevel.NONE)
            .build()
            .toString());
  }

  @Test
  void levelsMapToOnnxRuntimes() {
    assertEquals(OptLevel.NO_OPT, OptimizationLevel.NONE.ort());
    assertEquals(OptLevel.BASIC_OPT, OptimizationLevel.BASIC.ort());
    assertEquals(OptLevel.EXTENDED_OPT, OptimizationLevel.EXTENDED.ort());
    assertEquals(OptLevel.ALL_OPT, OptimizationLevel.ALL.ort());
  }

  @Test
  void warningsGoToStandardErrorByDefault() {
    PrintStream before = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      ClassifierOptions.defaults().warnings().accept("CUDA requested, running on CPU");
    } finally {
      System.setErr(before);
    }
    assertEquals(
        "digitbridge: warning: CUDA requested, running on CPU" + System.lineSeparator(),
        captured.toString(StandardCharsets.UTF_8));
  }
}
