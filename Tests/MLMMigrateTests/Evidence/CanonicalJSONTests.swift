import Foundation
@testable import MLMMigrate
import Testing

@Suite struct CanonicalJSONTests {
    @Test func sortsKeysByTheirBytesAndWritesNoWhiteSpace() {
        let value = CanonicalJSON.object([
            ("b", .integer(-2)), ("a", .array([.null, .string("x")])), ("B", .object([("z", .integer(0)), ("y", .string(""))])),
        ])
        #expect(String(decoding: value.bytes, as: UTF8.self) == #"{"B":{"y":"","z":0},"a":[null,"x"],"b":-2}"#)
    }

    @Test func escapesStringsAsPythonsJSONDumpsDoes() throws {
        let text = "quote\" back\\ tab\t nl\n cr\r bs\u{08} ff\u{0C} bell\u{07} del\u{7F} slash/ é €"
        let bytes = CanonicalJSON.string(text).bytes
        #expect(String(decoding: bytes, as: UTF8.self) == #""quote\" back\\ tab\t nl\n cr\r bs\b ff\f bell\u0007 del"# + "\u{7F}" + #" slash/ é €""#)
        // Python: json.dumps(text, ensure_ascii=False) gives the same bytes.
        let python = try CommandRunner.run("/usr/bin/env", [
            "python3", "-c", "import json,sys; sys.stdout.buffer.write(json.dumps(sys.argv[1], ensure_ascii=False).encode())", text,
        ], environment: ProcessInfo.processInfo.environment)
        #expect(Array(python.output.utf8) == bytes)
    }

    @Test func aManifestReadsBackOnlyFromItsCanonicalBytes() throws {
        let manifest = Self.sample
        let bytes = manifest.canonicalBytes
        #expect(try EvidenceManifest.parse(bytes, source: "m") == manifest)
        #expect(bytes.last == UInt8(ascii: "}"))
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"figures":[{"name":"a.rows","value":"3"}],"format":"mlm-evidence-v1","kekID":null,"#))
        // The same content pretty-printed, or with a key added, is refused: only the signed bytes count.
        let pretty = try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(bytes)), options: [.prettyPrinted, .sortedKeys])
        #expect(throws: MigrationError.self) { try EvidenceManifest.parse(Array(pretty), source: "m") }
        let extra = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: #"{"figures""#, with: #"{"extra":1,"figures""#).utf8)
        #expect(throws: MigrationError.self) { try EvidenceManifest.parse(extra, source: "m") }
        let other = Array(#"{"format":"mlm-evidence-v9"}"#.utf8)
        #expect(throws: MigrationError.self) { try EvidenceManifest.parse(other, source: "m") }
    }

    @Test(arguments: ["../../etc/shadow", "/etc/shadow", "a/../../b"])
    func aManifestNamingAFileOutsideItsFolderIsRefused(name: String) throws {
        var manifest = Self.sample
        manifest.reportFiles = [.init(path: name, bytes: 2, sha256: "ef")]
        let error = #expect(throws: MigrationError.self) { try EvidenceManifest.parse(manifest.canonicalBytes, source: "m") }
        #expect(error?.message.contains("outside its folder") == true)
    }

    static let sample = EvidenceManifest(
        toolVersion: "0.1.0", vendor: "v", runID: 7, kekID: nil, ledgerRunDigest: "ab", signingKeyID: "sig-00",
        target: .init(database: "mlm", systemIdentifier: "123"), mapping: .init(path: "mapping.yaml", bytes: 1, sha256: "cd"),
        reportFiles: [.init(path: "report.json", bytes: 2, sha256: "ef")], source: "/x/export", sourceFiles: [],
        figures: [.init(name: "a.rows", value: "3")]
    )
}
