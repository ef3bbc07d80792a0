/// The fixtures both test targets share (``TemporaryDirectory``, ``PackagePaths``).
@_exported import TestSupport
