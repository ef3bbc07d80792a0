import Foundation
import Glibc

/// A one-line status on stderr for long steps (`extract members: 420,000 rows, 510,000 rows/s`).
///
/// Redrawn with `\r` at most twice a second, and silent when stderr is not a terminal, so batch
/// logs stay clean. Carries counts only, never row contents.
public final class ProgressLine {
    private let label: String
    private let enabled: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    /// More figures drawn after the rows (a load's batches of those planned, time left).
    public var detail: (() -> String)?

    /// `enabled` nil means: draw only when stderr is a terminal.
    public init(_ label: String, enabled: Bool? = nil) {
        self.label = label
        self.enabled = enabled ?? (isatty(2) == 1)
    }

    /// Reports that `rows` rows are done so far.
    @inline(__always)
    public func update(_ rows: Int) {
        guard enabled, rows & 0x3FFF == 0 else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.5 else { return }
        lastDraw = now
        draw(rows, now: now)
    }

    /// Reports `rows` done after a coarse step (a committed batch): drawn whatever the count,
    /// at most twice a second.
    public func show(_ rows: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.5 else { return }
        lastDraw = now
        draw(rows, now: now)
    }

    /// Draws the final figure and ends the line.
    public func finish(_ rows: Int) {
        guard enabled else { return }
        draw(rows, now: Date())
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(_ rows: Int, now: Date) {
        let seconds = max(now.timeIntervalSince(started), 0.001)
        let rate = Int(Double(rows) / seconds)
        let more = detail.map { ", " + $0() } ?? ""
        let text = "\r\(label): \(Self.grouped(rows)) rows, \(Self.grouped(rate)) rows/s\(more)   "
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `1234567` as `1,234,567`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }
}
