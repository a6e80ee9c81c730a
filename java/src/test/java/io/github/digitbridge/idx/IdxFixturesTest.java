package io.github.digitbridge.idx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.github.digitbridge.idx.IdxException.Reason;
import io.github.digitbridge.testing.Fixtures;
import io.github.digitbridge.testing.Fixtures.DatasetRow;
import io.github.digitbridge.testing.Fixtures.FileRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The verdicts of tests/data/idx, which the Python reader must give too. */
class IdxFixturesTest {
  /** Reasons that need the data of a gzip file, so readHeader cannot see them yet. */
  private static final Set<Reason> DATA_REASONS =
      EnumSet.of(Reason.TRUNCATED_DATA, Reason.TRAILING_DATA, Reason.CORRUPT_GZIP);

  @Test
  void manifestCoversEveryFileReasonAndType() throws IOException {
    Set<String> listed =
        Fixtures.manifest().stream()
            .map(FileRow::file)
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> inDatasets =
        Fixtures.datasets().stream()
            .flatMap(row -> Stream.of(row.images(), row.labels()))
            .collect(Collectors.toSet());
    try (Stream<Path> files = Files.list(Fixtures.dir())) {
      Set<String> unjudged =
          files
              .map(p -> p.getFileName().toString())
              .filter(
                  name ->
                      !name.endsWith(".tsv")
                          && !listed.contains(name)
                          && !inDatasets.contains(name))
              .collect(Collectors.toCollection(TreeSet::new));
      assertEquals(Set.of(), unjudged, "fixture files that no manifest row judges");
    }
    Set<String> reasons =
        Fixtures.manifest().stream().map(FileRow::reason).collect(Collectors.toSet());
    for (Reason reason : EnumSet.range(Reason.TRUNCATED_HEADER, Reason.CORRUPT_GZIP)) {
      assertTrue(reasons.contains(reason.name()), "no fixture for " + reason);
    }
    Set<String> types =
        Fixtures.manifest().stream()
            .filter(FileRow::ok)
            .map(FileRow::type)
            .collect(Collectors.toSet());
    for (IdxType type : IdxType.values()) {
      assertTrue(types.contains(type.typeName()), "no valid fixture of type " + type.typeName());
    }
  }

  @TestFactory
  Stream<DynamicTest> everyManifestRowGetsItsVerdict() {
    return Fixtures.manifest().stream()
        .map(row -> dynamicTest(row.file() + " -> " + row.reason(), () -> check(row)));
  }

  private static void check(FileRow row) throws IdxException {
    Path file = Fixtures.file(row.file());
    assertTrue(Files.isRegularFile(file), "manifest lists a missing file " + file);
    if (row.ok()) {
      IdxArray array = IdxReader.read(file);
      assertEquals(row.type(), array.type().typeName());
      assertEquals(row.shape(), array.header().shapeText());
      assertEquals(row.sha256(), array.sha256());
      assertEquals(array.header(), IdxReader.readHeader(file));
      return;
    }
    Reason expected = Reason.valueOf(row.reason());
    IdxException e = assertThrows(IdxException.class, () -> IdxReader.read(file));
    assertEquals(expected, e.reason(), e::getMessage);
    assertEquals(file, e.file());
    assertTrue(
        e.detail().contains("expected") && e.detail().contains("found"),
        () -> "message should say expected vs found: " + e.getMessage());

    // Whatever can be decided without the data must already be decided by readHeader.
    try {
      IdxHeader header = IdxReader.readHeader(file);
      assertTrue(
          header.gzip() && DATA_REASONS.contains(expected),
          () -> "readHeader accepted " + file + ", which read refuses with " + expected);
    } catch (IdxException headerError) {
      assertEquals(expected, headerError.reason(), headerError::getMessage);
    }
  }

  @TestFactory
  Stream<DynamicTest> everyDatasetRowGetsItsVerdict() {
    return Fixtures.datasets().stream()
        .map(
            row ->
                dynamicTest(
                    row.images() + " + " + row.labels() + " -> " + row.reason(), () -> check(row)));
  }

  private static void check(DatasetRow row) {
    Path images = Fixtures.file(row.images());
    Path labels = Fixtures.file(row.labels());
    if (row.ok()) {
      try {
        MnistDataset dataset = MnistDataset.load(images, labels);
        assertTrue(dataset.count() > 0);
      } catch (IdxException e) {
        fail("expected a valid dataset, found " + e.getMessage(), e);
      }
      return;
    }
    IdxException e = assertThrows(IdxException.class, () -> MnistDataset.load(images, labels));
    assertEquals(Reason.valueOf(row.reason()), e.reason(), e::getMessage);
    assertTrue(e.file().equals(images) || e.file().equals(labels), e::getMessage);
  }
}
