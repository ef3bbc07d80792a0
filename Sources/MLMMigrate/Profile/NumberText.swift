import Glibc

/// Reads a value's bytes as an integer or a decimal number, for type inference and min/max only
/// (money is read exactly by ``ParseMoney``, never through this).
enum NumberText {
    enum Kind {
        case integer(Int64)
        case decimal(Double)
        case none
    }

    static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> Kind {
        var index = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            index += 1
        }
        let digitsStart = index
        var value: Int64 = 0
        var overflow = false
        while index < bytes.count, bytes[index] &- 0x30 < 10 {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(bytes[index] &- 0x30))
            overflow = overflow || o1 || o2
            value = sum
            index += 1
        }
        let wholeDigits = index - digitsStart
        if index == bytes.count {
            guard wholeDigits > 0 else { return .none }
            if !overflow { return .integer(bytes.first == UInt8(ascii: "-") ? -value : value) }
            return decimal(bytes)
        }
        var fractionDigits = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] &- 0x30 < 10 { index += 1; fractionDigits += 1 }
        }
        guard wholeDigits + fractionDigits > 0 else { return .none }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
            var exponentDigits = 0
            while index < bytes.count, bytes[index] &- 0x30 < 10 { index += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return .none }
        }
        guard index == bytes.count else { return .none }
        return decimal(bytes)
    }

    private static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Kind {
        var text = Array(bytes)
        text.append(0)
        let value = text.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { strtod($0, nil) }
            } ?? 0
        }
        return .decimal(value)
    }
}
