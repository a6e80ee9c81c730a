package io.github.digitbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.image.ImageException;
import io.github.digitbridge.model.ModelException;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DigitBridgeExceptionTest {
  @Test
  void everyTypeCarriesSubjectReasonAndDetailInOneMessage() {
    IOException cause = new IOException("disk");
    DigitBridgeException idx =
        new IdxException(
            IdxException.Reason.TRUNCATED_DATA, Path.of("a.idx"), "expected 4 bytes, found 3");
    DigitBridgeException image =
        new ImageException(ImageException.Reason.IO, "b.png", "expected a file");
    image.initCause(cause);
    DigitBridgeException model =
        new ModelException(ModelException.Reason.ORT_ERROR, "<3 bytes>", "expected a run");

    assertEquals("a.idx: TRUNCATED_DATA: expected 4 bytes, found 3", idx.getMessage());
    assertEquals("a.idx", idx.subject());
    assertEquals(IdxException.Reason.TRUNCATED_DATA, idx.reason());
    assertEquals("expected 4 bytes, found 3", idx.detail());
    assertEquals("b.png: IO: expected a file", image.getMessage());
    assertSame(cause, image.getCause());
    assertEquals("<3 bytes>", model.subject());
    assertEquals("<3 bytes>", ((ModelException) model).model());
  }

  @Test
  void onlyAFailedGoldenCheckExitsOneEverythingElseTwo() {
    for (ModelException.Reason reason : ModelException.Reason.values()) {
      int expected = reason == ModelException.Reason.GOLDEN_MISMATCH ? 1 : 2;
      assertEquals(expected, new ModelException(reason, "m", "d").exitCode(), reason.name());
    }
    for (IdxException.Reason reason : IdxException.Reason.values()) {
      assertEquals(2, new IdxException(reason, Path.of("f"), "d").exitCode(), reason.name());
    }
    for (ImageException.Reason reason : ImageException.Reason.values()) {
      assertEquals(2, new ImageException(reason, "f", "d").exitCode(), reason.name());
    }
  }
}
