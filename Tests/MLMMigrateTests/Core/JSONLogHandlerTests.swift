import Foundation
import Logging
import Testing
@testable import MLMMigrate

@Suite struct JSONLogHandlerTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        func append(_ line: String) { lock.withLock { stored.append(line) } }
        var all: [String] { lock.withLock { stored } }
    }

    @Test func writesOneJSONObjectALineWithTimeLevelLabelMessageAndMetadata() throws {
        let lines = Lines()
        var handler = JSONLogHandler(label: "mlm-migrate") { lines.append($0) }
        handler.logLevel = .info
        handler[metadataKey: "run_id"] = "7"
        var logger = Logger(label: "mlm-migrate", factory: { _ in handler })
        logger.logLevel = .info
        logger.info("batch committed", metadata: ["batch": "3", "quote\"d": "a\nb", "nested": ["k": "v"], "list": ["1", "2"]])
        logger.debug("not shown")
        #expect(lines.all.count == 1)
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("\n") && !line.dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "mlm-migrate")
        #expect(object["message"] as? String == "batch committed")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["run_id"] as? String == "7")
        #expect(metadata["batch"] as? String == "3")
        #expect(metadata["quote\"d"] as? String == "a\nb")
        #expect((metadata["nested"] as? [String: String]) == ["k": "v"])
        #expect((metadata["list"] as? [String]) == ["1", "2"])
    }
}
